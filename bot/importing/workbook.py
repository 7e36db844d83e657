"""Reading .xlsx workbooks with openpyxl: values, cached formula results, merged ranges.

A workbook is opened up to three times, each for a reason: read-only first to refuse
an over-long sheet without loading it; then normally (formulas and merged ranges are
only visible that way); and, only when there are formulas, once more for the values
Excel cached for them.
"""

import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

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

Extent = tuple[int, int]  # last non-blank row, last non-blank column
Formulas = list[tuple[int, int]]  # (row, column), 1-based


def read_xlsx(path: Path) -> list[Sheet]:
    """Every worksheet of the workbook, in order."""
    from openpyxl import load_workbook

    try:
        with _quiet():
            extents = _measure(path)
            book = load_workbook(path)
            read = [_read_sheet(ws, extents[ws.title]) for ws in book.worksheets]
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


def _measure(path: Path) -> dict[str, Extent]:
    """The used extent of each sheet, refusing the file once a sheet is too big.

    Nothing is loaded whole before this: the zip's declared sizes are checked first, then
    each sheet is streamed, ignoring the extent it declares (a lie would pad every row to
    it), and stopped at the first row, column or cell past the limits.
    """
    from openpyxl import load_workbook

    check_archive(path)
    book = load_workbook(path, read_only=True)
    budget = [MAX_CELLS]
    try:
        return {ws.title: _extent(ws, budget) for ws in book.worksheets}
    finally:
        book.close()


def _extent(ws: "ReadOnlyWorksheet", budget: list[int]) -> Extent:
    _check_declared(ws)
    ws.reset_dimensions()  # each row then comes as long as its own cells, gaps as ()
    last_row = last_col = filled = 0
    # Closed explicitly: stopping early must not leave the sheet's XML stream open.
    sheet = cast("Worksheet", ws)  # the stubs give iter_rows to Worksheet only
    with closing(sheet.iter_rows(min_row=1, min_col=1, values_only=True)) as rows:
        for number, values in enumerate(rows, start=1):
            if number > MAX_SHEET_ROWS or len(values) > MAX_SHEET_COLUMNS:
                raise sheet_too_wide(ws.title, number, max(len(values), 1))
            budget[0] -= len(values)
            if budget[0] < 0:
                raise file_error(TOO_MANY_CELLS.format(limit=f"{MAX_CELLS:,}".replace(",", ".")))
            columns = [i for i, value in enumerate(values, start=1) if value not in (None, "")]
            if columns:
                filled += 1
                if filled > SHEET_ROW_LIMIT:
                    raise too_many_rows()
                last_row, last_col = number, max(last_col, columns[-1])
    return last_row, last_col


def _check_declared(ws: "ReadOnlyWorksheet") -> None:
    """Refuse the extent a sheet declares (`<dimension ref="A1:XFD1048576">`) if too big."""
    rows, columns = ws.max_row or 0, ws.max_column or 0
    if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
        raise sheet_too_wide(ws.title, rows, columns, exact=True)


def _read_sheet(ws: "Worksheet", extent: Extent) -> tuple[Sheet, Formulas]:
    sheet = Sheet(title=ws.title, rows={})
    sheet.merges = [
        Merge(r.min_row, r.min_col, r.max_row, r.max_col, r.coord) for r in ws.merged_cells.ranges
    ]
    formulas: Formulas = []
    last_row, last_col = extent
    if not last_row:
        return sheet, formulas
    # Every row and column from 1 on comes in order, so counting gives each cell's place.
    rows = ws.iter_rows(min_row=1, min_col=1, max_row=last_row, max_col=last_col)
    for row, cells in enumerate(rows, start=1):
        for column, cell in enumerate(cells, start=1):
            if cell.data_type == "f":
                formulas.append((row, column))
                sheet.put(row, column - 1, None)
            elif (value := cell_value(cell.value)) is not None:
                sheet.put(row, column - 1, value)
    return sheet, formulas


def _use_cached_values(path: Path, read: list[tuple[Sheet, Formulas]]) -> None:
    """Formula cells take the value Excel saved; a program that never computed it saved none."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import ERROR_CODES

    book = load_workbook(path, data_only=True)
    for sheet, formulas in read:
        ws = book[sheet.title]
        for row, column in formulas:
            value = ws.cell(row, column).value
            if value is None:
                sheet.problems[(row, column - 1)] = FORMULA_NO_VALUE
            elif isinstance(value, str) and value in ERROR_CODES:
                sheet.problems[(row, column - 1)] = FORMULA_ERROR.format(value=value)
            else:
                sheet.put(row, column - 1, cell_value(value))
