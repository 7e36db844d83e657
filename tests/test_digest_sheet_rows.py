"""The digest workbook's rows, written as text (bot/digest/sheet_rows.py), read back in
openpyxl exactly as the cells openpyxl itself writes one by one: values, types, formats."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from bot.digest.sheet_rows import FORMULA_START, Cells, put_rows, rows_xml, styles_for
from bot.digest.workbook import DATE_FORMAT, MOMENT_FORMAT
from storage.textnorm import clean_text

ROWS: list[tuple[Any, ...]] = [
    (1, 2.5, 66.7, -3, 0, 12345678901, None, 1 / 3),
    ("Phòng Tư pháp", "  spaces around  ", "a & b < c > d \"q\" 'q'", "line\nbreak", "#N/A"),
    ("=SUM(A1:A2)", '=HYPERLINK("http://x","y")', "+1 chưa có", "-2", "@Phòng", "\ttab"),
    (
        date(2023, 6, 15),
        datetime(2023, 6, 30, 15, 0, tzinfo=UTC).replace(tzinfo=None),  # Excel: naive
        date(1900, 3, 1),
        None,
        "x" * 40_000,
    ),
    (None, None, "only the third"),
    ("bell\x07 and escape\x1b are dropped", "zero\u200bwidth"),
]


def _ours(path: Path) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("rows")
    sheet.append(["header"])
    cells = Cells(
        styles_for(sheet, date_format=DATE_FORMAT, moment_format=MOMENT_FORMAT), book.epoch
    )
    draft = path.with_name("draft.xlsx")
    book.save(draft)
    put_rows(draft, path, {sheet.path[1:]: rows_xml(ROWS, cells)})
    return path


def _openpyxl_cell(sheet: Any, value: Any) -> Any:
    """The cell openpyxl writes by itself, as the digest asks: text always a string."""
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = clean_text(value)
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        cell.quotePrefix = text.startswith(FORMULA_START)
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = MOMENT_FORMAT if isinstance(value, datetime) else DATE_FORMAT
    return cell


def _theirs(path: Path) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("rows")
    sheet.append(["header"])
    for row in ROWS:
        sheet.append([_openpyxl_cell(sheet, value) for value in row])
    book.save(path)
    return path


def _read(path: Path) -> list[list[tuple[Any, ...]]]:
    sheet = load_workbook(path)["rows"]
    return [
        [
            (c.coordinate, c.value, c.data_type, c.number_format, c.quotePrefix, c.is_date)
            for c in row
        ]
        for row in sheet.iter_rows()
    ]


def test_rows_read_back_as_openpyxl_writes_its_own_cells(tmp_path: Path) -> None:
    ours, theirs = _read(_ours(tmp_path / "ours.xlsx")), _read(_theirs(tmp_path / "theirs.xlsx"))
    assert ours == theirs
    values = {cell[1] for row in ours for cell in row}
    assert {"  spaces around  ", "#N/A", "bell and escape are dropped", "zerowidth"} <= values
    assert "x" * 32_767 in values  # Excel's limit for one cell
    assert (
        not (tmp_path / "draft.xlsx.part").exists() and not (tmp_path / "ours.xlsx.part").exists()
    )


def test_a_value_no_cell_can_hold_is_refused(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("rows")
    cells = Cells(
        styles_for(sheet, date_format=DATE_FORMAT, moment_format=MOMENT_FORMAT), book.epoch
    )
    with pytest.raises(TypeError, match="bool"):
        list(rows_xml([(True,)], cells))
