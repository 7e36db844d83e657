"""Reading .xlsx workbooks with openpyxl: values, cached formula results, merged ranges.

A workbook is read in openpyxl's read-only mode, each sheet streamed once: the size limits
are enforced row by row as it comes (nothing is loaded whole), values and formulas are
taken in the same pass, and the merged ranges are read from the end of the sheet's XML,
which read-only mode does not parse. Only a workbook with formulas is streamed again, for
the values Excel cached for them.
"""

import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from xml.etree import ElementTree

from bot.importing.errors import ImportFileError, file_error
from bot.importing.limits import MAX_CELLS, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, check_archive
from bot.importing.sources import (
    SHEET_ROW_LIMIT,
    Merge,
    Sheet,
    cell_value,
    sheet_too_wide,
    too_many_rows,
)
from bot.texts.import_errors import (
    FORMULA_ERROR,
    FORMULA_NO_VALUE,
    LOCKED_XLSX,
    NOT_XLSX,
    TOO_MANY_CELLS,
)

if TYPE_CHECKING:  # openpyxl is imported when a workbook is read, not by every CLI start
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # password-protected .xlsx, or a renamed .xls

Formulas = list[tuple[int, int]]  # (row, column), 1-based


def read_xlsx(path: Path) -> list[Sheet]:
    """Every worksheet of the workbook, in order."""
    from openpyxl import load_workbook

    try:
        with _quiet():
            check_archive(path)
            book = load_workbook(path, read_only=True)
            try:
                budget = [MAX_CELLS]
                read = [_read_sheet(ws, budget) for ws in book.worksheets]
            finally:
                book.close()
            if any(formulas for _, formulas in read):
                _use_cached_values(path, read)
    except ImportFileError:
        raise
    except Exception as exc:  # a foreign or broken file fails deep in zipfile/XML code
        with path.open("rb") as stream:
            old = stream.read(len(_OLE_MAGIC)) == _OLE_MAGIC
        raise file_error(LOCKED_XLSX if old else NOT_XLSX) from exc
    return [sheet for sheet, _ in read]


@contextmanager
def _quiet() -> Iterator[None]:
    # openpyxl warns about workbook features it drops (data validation, default styles,
    # extensions): none of them changes a cell value.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        yield


def _read_sheet(ws: "ReadOnlyWorksheet", budget: list[int]) -> tuple[Sheet, Formulas]:
    """The sheet's values, formulas and merges, refusing it once it is too big.

    The extent a sheet declares is ignored (a lie would pad every row to it); each row comes
    as long as its own cells, and reading stops at the first row, column or cell past the
    limits."""
    _check_declared(ws)
    ws.reset_dimensions()
    sheet = Sheet(title=ws.title, rows={})
    formulas: Formulas = []
    filled = 0
    # Closed explicitly: stopping early must not leave the sheet's XML stream open.
    rows = cast("Worksheet", ws).iter_rows(min_row=1, min_col=1)  # stubs: Worksheet only
    with closing(rows):
        for number, cells in enumerate(rows, start=1):
            if number > MAX_SHEET_ROWS or len(cells) > MAX_SHEET_COLUMNS:
                raise sheet_too_wide(ws.title, number, max(len(cells), 1))
            budget[0] -= len(cells)
            if budget[0] < 0:
                raise file_error(TOO_MANY_CELLS.format(limit=f"{MAX_CELLS:,}".replace(",", ".")))
            if _take_row(sheet, formulas, number, cells):
                filled += 1
                if filled > SHEET_ROW_LIMIT:
                    raise too_many_rows()
    sheet.merges = _merges(ws)
    return sheet, formulas


def _take_row(sheet: Sheet, formulas: Formulas, row: int, cells: tuple[Any, ...]) -> bool:
    """Put the row's values in `sheet`; whether it has any."""
    found = False
    for column, cell in enumerate(cells, start=1):
        value = cell.value
        if value is None or value == "":
            continue
        found = True
        if cell.data_type == "f":
            formulas.append((row, column))
            sheet.put(row, column - 1, None)
        elif (value := cell_value(value)) is not None:
            sheet.put(row, column - 1, value)
    return found


def _merges(ws: "ReadOnlyWorksheet") -> list[Merge]:
    """The sheet's merged ranges (`<mergeCell ref="D7:E7"/>`, after the cells)."""
    from openpyxl.worksheet.cell_range import CellRange

    found = []
    with ws._get_source() as source:  # type: ignore[attr-defined]  # read-only's XML stream
        for _event, element in ElementTree.iterparse(source):
            if element.tag.endswith("}mergeCell") and (ref := element.get("ref")):
                r = CellRange(ref)
                found.append(Merge(r.min_row, r.min_col, r.max_row, r.max_col, r.coord))
            element.clear()
    return found


def _check_declared(ws: "ReadOnlyWorksheet") -> None:
    """Refuse the extent a sheet declares (`<dimension ref="A1:XFD1048576">`) if too big."""
    rows, columns = ws.max_row or 0, ws.max_column or 0
    if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
        raise sheet_too_wide(ws.title, rows, columns, exact=True)


def _use_cached_values(path: Path, read: list[tuple[Sheet, Formulas]]) -> None:
    """Formula cells take the value Excel saved; a program that never computed it saved none."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import ERROR_CODES

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet, formulas in read:
            if not formulas:
                continue
            wanted = set(formulas)
            ws = cast("Worksheet", book[sheet.title])
            last = max(row for row, _ in formulas)
            for row, values in enumerate(ws.iter_rows(max_row=last, values_only=True), start=1):
                for column, value in enumerate(values, start=1):
                    if (row, column) in wanted:
                        _cached(sheet, row, column, value, ERROR_CODES)
    finally:
        book.close()


def _cached(sheet: Sheet, row: int, column: int, value: Any, errors: Any) -> None:
    if value is None:
        sheet.problems[(row, column - 1)] = FORMULA_NO_VALUE
    elif isinstance(value, str) and value in errors:
        sheet.problems[(row, column - 1)] = FORMULA_ERROR.format(value=value)
    else:
        sheet.put(row, column - 1, cell_value(value))
