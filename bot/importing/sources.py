"""Files to sheets of cells: checks common to every format, and .csv reading.

A `Sheet` is what the table readers see whatever the format: cells keyed by the row
number a person sees in a spreadsheet app, with merged ranges and per-cell problems.
"""

import codecs
import csv
import io
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path

from bot.importing.errors import ImportFileError, RowError, file_error
from bot.importing.limits import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, column_letter
from bot.texts.import_errors import (
    CELL_TOO_LONG,
    CSV_BROKEN,
    CSV_ENCODING,
    FILE_EMPTY,
    FILE_MISSING,
    FILE_TOO_BIG,
    FILE_UNREADABLE,
    OLD_EXCEL,
    SHEET_ROWS_FROM,
    SHEET_TOO_WIDE,
    TOO_MANY_ROWS,
    UNSUPPORTED_FORMAT,
)
from storage.textnorm import clean_text

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000  # data rows
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
HEADER_SCAN_ROWS = 15  # the header is looked for among the first non-blank rows
SHEET_ROW_LIMIT = MAX_ROWS + HEADER_SCAN_ROWS  # non-blank rows a sheet may hold at all

FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}
CSV_DELIMITERS = ",;\t"
_SNIFF_CHARS = 64 * 1024

Cell = str | date | None


@dataclass(frozen=True)
class Merge:
    """A merged range, 1-based and inclusive."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int
    cells: str  # as Excel shows it: "D7:E7"


@dataclass
class Sheet:
    title: str
    rows: dict[int, list[Cell]]  # row number -> cells, index 0 is column A
    merges: list[Merge] = field(default_factory=list)
    problems: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, index) -> reason

    def put(self, row: int, index: int, value: Cell) -> None:
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            self.problems[(row, index)] = CELL_TOO_LONG.format(
                length=_number(len(value)), limit=_number(MAX_CELL_CHARS)
            )
            value = None
        cells = self.rows.setdefault(row, [])
        cells.extend([None] * (index + 1 - len(cells)))
        cells[index] = value


def check_file(path: Path) -> str:
    """The format of `path` ("xlsx", "csv" or "yaml"), or ImportFileError if unusable."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise file_error(OLD_EXCEL)
    kind = FORMATS.get(suffix)
    if kind is None:
        raise file_error(UNSUPPORTED_FORMAT)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise file_error(FILE_MISSING.format(name=path.name)) from None
    except OSError:
        raise file_error(FILE_UNREADABLE.format(name=path.name)) from None
    if not path.is_file():
        raise file_error(FILE_MISSING.format(name=path.name))
    if size == 0:
        raise file_error(FILE_EMPTY)
    if size > MAX_FILE_BYTES:
        mb = 1024 * 1024
        size_mb = f"{size / mb:.1f}".replace(".", ",")  # Vietnamese decimal comma
        raise file_error(FILE_TOO_BIG.format(size=size_mb, limit=MAX_FILE_BYTES // mb))
    return kind


def too_many_rows() -> ImportFileError:
    return file_error(TOO_MANY_ROWS.format(limit=_number(MAX_ROWS)))


def sheet_too_wide(title: str, row: int, column: int, *, exact: bool = False) -> ImportFileError:
    """A cell past the rows and columns a sheet may use; unless `exact`, a row past the limit
    may be a gap before the cell, so the first row past it is named instead."""
    if row > MAX_SHEET_ROWS and not exact:
        where = SHEET_ROWS_FROM.format(row=_number(MAX_SHEET_ROWS + 1))
    else:
        where = f"{column_letter(column)}{row}"
    rows, columns = _number(MAX_SHEET_ROWS), MAX_SHEET_COLUMNS
    return file_error(SHEET_TOO_WIDE.format(sheet=title, cell=where, rows=rows, columns=columns))


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Vietnamese thousands separator


def cell_value(value: object) -> Cell:
    """A spreadsheet value as text or a date; numbers as written ("1", not "1.0")."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, time):
        return value.strftime("%H:%M")
    text = clean_text(str(value)).strip()
    return text or None


def read_csv(path: Path) -> Sheet:
    """Read a .csv into one sheet, stopping as soon as it is too long."""
    text = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(text))
    sheet = Sheet(title=path.stem, rows={})
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = [cell_value(value) for value in record]
            if any(cell is not None for cell in cells):
                width = max(i for i, cell in enumerate(cells, start=1) if cell is not None)
                if width > MAX_SHEET_COLUMNS:
                    raise sheet_too_wide(sheet.title, number, width)
                sheet.rows[number] = []
                for index, value in enumerate(cells):
                    sheet.put(number, index, value)
                if len(sheet.rows) > SHEET_ROW_LIMIT:
                    raise too_many_rows()
    except csv.Error:
        raise ImportFileError([RowError(number + 1, None, CSV_BROKEN)]) from None
    return sheet


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1258; UTF-16 when the bytes say so."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1258")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            # Windows-1258 writes tone marks as combining characters.
            return unicodedata.normalize("NFC", text)
    raise file_error(CSV_ENCODING)


def _sniff(text: str) -> str:
    """The delimiter that splits the most records into the same number of fields."""
    head = text[:_SNIFF_CHARS]

    def score(delimiter: str) -> tuple[int, int]:
        records = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        try:
            widths = Counter(len(record) for record in islice(records, 50) if len(record) > 1)
        except csv.Error:
            return (0, 0)
        if not widths:
            return (0, 0)
        width, count = widths.most_common(1)[0]
        return (count, width)

    return max(CSV_DELIMITERS, key=score)
