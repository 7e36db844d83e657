"""The digest workbook's rows below each header, written as SpreadsheetML text.

openpyxl (write-only mode) writes the workbook itself: its sheets, header rows, column widths,
frozen panes, filters and styles. Its per-cell path (a cell object, its coordinate, an XML
element through lxml) costs about 7 µs a cell, two seconds for the 290,000 cells of a
province's digest, so the rows under the header are written here instead: each distinct value
is formatted once, and the rows go into the sheet's part of the file openpyxl saved.

What a cell holds, as openpyxl would write it: a number; a text, always a string (an inline
string, never a formula) and, when it looks like a formula, with the quote-prefix style that
spreadsheets keep as "typed as text"; a date or a moment as an Excel serial number with its
format's style; or nothing (no cell).
"""

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from storage.textnorm import clean_text

EXCEL_TEXT_LIMIT = 32_767  # characters in one cell; openpyxl cuts there too
FORMULA_START = ("=", "+", "-", "@", "\t")
_SHEET_DATA_END = b"</sheetData>"
_CHUNK_ROWS = 2_000


@dataclass(frozen=True)
class Styles:
    """The workbook's style ids (cellXfs) for dates, moments and formula-looking text."""

    date: int
    moment: int
    quoted: int


def styles_for(sheet: Any, *, date_format: str, moment_format: str) -> Styles:
    """The workbook's style ids for dates, moments and formula-looking text: asking a cell of
    `sheet` for its style id adds the style to the workbook (the cells are not written)."""
    from openpyxl.cell import WriteOnlyCell

    date_cell, moment_cell, quoted_cell = (WriteOnlyCell(sheet) for _ in range(3))
    date_cell.number_format = date_format
    moment_cell.number_format = moment_format
    quoted_cell.quotePrefix = True
    return Styles(date_cell.style_id, moment_cell.style_id, quoted_cell.style_id)


class Cells:
    """Each distinct value's cell, after its reference: tens of thousands of rows repeat a few
    hundred dates, titles and unit names."""

    def __init__(self, styles: Styles, epoch: datetime) -> None:
        self.styles = styles
        self.epoch = epoch
        self.known: dict[type, dict[Any, str]] = {
            kind: {} for kind in (str, int, float, date, datetime)
        }

    def of(self, value: Any) -> str:
        known = self.known.get(type(value))
        if known is None:
            raise TypeError(f"a digest cell cannot hold {type(value).__name__}")
        found = known.get(value)
        if found is None:
            found = known[value] = self._made(value)
        return found

    def _made(self, value: Any) -> str:
        from openpyxl.utils.datetime import to_excel

        if isinstance(value, str):
            return _text(value, self.styles.quoted)
        if isinstance(value, date):  # a datetime too: a moment, with its own format
            style = self.styles.moment if isinstance(value, datetime) else self.styles.date
            return f' s="{style}" t="n"><v>{_number(to_excel(value, self.epoch))}</v></c>'
        return f' t="n"><v>{_number(value)}</v></c>'


def _number(value: float) -> str:
    return f"{value:.16g}"  # as openpyxl writes numbers ("%.16g")


def _text(value: str, quoted: int) -> str:
    value = clean_text(value)[:EXCEL_TEXT_LIMIT]
    style = f' s="{quoted}"' if value.startswith(FORMULA_START) else ""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'{style} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def rows_xml(rows: Iterable[Sequence[Any]], cells: Cells, *, first: int = 2) -> Iterator[bytes]:
    """`rows` as <row> elements numbered from `first`, in chunks of UTF-8; None is no cell."""
    from openpyxl.utils import get_column_letter

    letters: list[str] = []
    chunk: list[str] = []
    for number, row in enumerate(rows, start=first):
        while len(letters) < len(row):
            letters.append(get_column_letter(len(letters) + 1))
        found = [
            f'<c r="{letter}{number}"{cells.of(value)}'
            for letter, value in zip(letters, row, strict=False)
            if value is not None
        ]
        chunk.append(f'<row r="{number}">{"".join(found)}</row>')
        if len(chunk) == _CHUNK_ROWS:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def put_rows(saved: Path, path: Path, bodies: dict[str, Iterable[bytes]]) -> None:
    """Write the workbook openpyxl `saved` into `path`, each sheet part named in `bodies` (e.g.
    "xl/worksheets/sheet4.xml") with those rows after the ones openpyxl wrote. `path` appears
    only complete: it is written beside and renamed."""
    written = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(saved) as draft, zipfile.ZipFile(written, "w") as out:
            for info in draft.infolist():
                data = draft.read(info)
                body = bodies.get(info.filename)
                if body is None:
                    out.writestr(info, data)
                    continue
                head, end, tail = data.partition(_SHEET_DATA_END)
                if not end:
                    raise ValueError(f"{info.filename} has no sheetData to add rows to")
                with out.open(info, "w") as part:
                    part.write(head)
                    for chunk in body:
                        part.write(chunk)
                    part.write(end + tail)
        written.replace(path)
    finally:
        written.unlink(missing_ok=True)
