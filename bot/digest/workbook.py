"""The digest's full detail as an .xlsx: one sheet per list, ready to filter and print."""

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.texts import dates
from bot.texts import digest as t
from bot.texts.common import STATUS, task_ref
from scheduler.digest_figures import Counts, Figures, Line
from storage.textnorm import clean_text

if TYPE_CHECKING:  # openpyxl is imported by the functions that write, not by every CLI start
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell

DATE_FORMAT = "DD/MM/YYYY"
MOMENT_FORMAT = "DD/MM/YYYY HH:MM"
HEADER_FILL_COLOR = "DDEBF7"


def write_workbook(figures: Figures, path: Path) -> Path:
    """Write every figure and list of the digest into `path` (an .xlsx) and return it."""
    from openpyxl import Workbook

    # Write-only mode streams rows to the file: tens of thousands of overdue rows stay cheap.
    book = Workbook(write_only=True)
    summary = [(label, *_summary_values(key, figures)) for key, label in t.SUMMARY_ROWS]
    _table(book, t.SHEET_SUMMARY, t.SUMMARY_HEADER, summary, (34, 22, 10, 24))
    _table(book, t.SHEET_AREAS, t.AREAS_HEADER, _count_rows(figures.areas, numbered=True), (6, 44))
    _table(book, t.SHEET_UNITS, t.UNITS_HEADER, _count_rows(figures.units), (9, 40))
    _table(
        book,
        t.SHEET_OVERDUE,
        t.OVERDUE_HEADER,
        _overdue_rows(figures),
        (6, 10, 60, 30, 32, 12, 10, 12, 16),
    )
    _table(
        book,
        t.SHEET_BLOCKERS,
        t.BLOCKERS_HEADER,
        _blocker_rows(figures),
        (6, 10, 50, 32, 12, 12, 60),
    )
    _table(book, t.SHEET_DUE, t.DUE_HEADER, _due_rows(figures), (6, 10, 60, 32, 12, 16))
    _table(book, t.SHEET_WATCH, t.WATCH_HEADER, _watch_rows(figures), (36, 24, 50))
    support = _count_rows(figures.support, numbered=True)
    _table(book, t.SHEET_SUPPORT, t.SUPPORT_HEADER, support, (6, 40))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _summary_values(key: str, f: Figures) -> tuple[Any, ...]:
    if key == "plan":
        return (f.plan.number, None, None)
    if key == "at":
        return (f.at.replace(tzinfo=None), None, None)  # Excel has no time zones: local time
    if key in _ASSIGNMENTS:
        counts, done = _ASSIGNMENTS[key]
        return (counts(f).done if done else counts(f).total, None, None)
    value = f.totals.done if key == "done" else getattr(f.totals, key)
    change = None
    if f.change is not None:
        change = f.change.done if key == "done" else getattr(f.change, key)
    pct = round(100 * value / f.totals.total, 1) if f.totals.total and key != "total" else None
    return (value, pct, change)


# Summary rows that count assignments, not tasks: (which counts, done or all).
_ASSIGNMENTS: dict[str, tuple[Callable[[Figures], Counts], bool]] = {
    "lead": (lambda f: f.lead, False),
    "lead_done": (lambda f: f.lead, True),
    "support": (lambda f: f.supporting, False),
    "support_done": (lambda f: f.supporting, True),
}


def _count_rows(lines: Sequence[Line], *, numbered: bool = False) -> Iterable[tuple[Any, ...]]:
    for n, line in enumerate(lines, start=1):
        c: Counts = line.counts
        change = line.change.done if line.change is not None else None
        yield (
            n if numbered else line.rank,
            line.name,
            c.total,
            c.done_on_time,
            c.done_late,
            c.in_progress,
            c.not_started,
            c.blocked,
            c.extension_requested,
            c.overdue,
            round(100 * c.ratio, 1),
            change,
        )


def _overdue_rows(f: Figures) -> Iterable[tuple[Any, ...]]:
    for n, o in enumerate(f.overdue, start=1):
        status = _status_name(o.status)
        yield (
            n,
            task_ref(o.task_code, o.occurrence_key),
            o.title,
            o.area,
            o.unit,
            o.deadline,
            o.days,
            o.working_days,
            status,
        )


def _status_name(status: str) -> str:
    """The status as people read it; a value outside the vocabulary as it is stored."""
    return STATUS.get(status, status)


def _blocker_rows(f: Figures) -> Iterable[tuple[Any, ...]]:
    for n, b in enumerate(f.blockers, start=1):
        yield (
            n,
            task_ref(b.task_code, b.occurrence_key),
            b.title,
            b.unit,
            b.deadline,
            b.since,
            b.note,
        )


def _due_rows(f: Figures) -> Iterable[tuple[Any, ...]]:
    for n, d in enumerate(f.due_next_week, start=1):
        status = _status_name(d.status)
        yield (n, task_ref(d.task_code, d.occurrence_key), d.title, d.unit, d.deadline, status)


def _watch_rows(f: Figures) -> Iterable[tuple[Any, ...]]:
    for s in f.silent:
        last = t.WATCH_LAST.format(day=dates.day(s.last_update)) if s.last_update else t.WATCH_NEVER
        yield (s.unit, t.WATCH_SILENT, last)
    for u in f.unreachable:
        people = ", ".join(u.people)
        yield (
            u.unit,
            t.WATCH_UNREACHABLE,
            t.WATCH_SINCE.format(people=people, day=dates.day(u.since)),
        )
    for name in f.no_focal:
        yield (name, t.WATCH_NO_FOCAL, None)


def _table(
    book: "Workbook",
    title: str,
    header: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    widths: Sequence[int],
) -> None:
    """Header row frozen and filterable; dates as real dates shown dd/mm/yyyy."""
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    listed = list(rows)
    # Streamed sheets take their layout before the first row.
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(listed) + 1}"
    sheet.append([_header_cell(sheet, text) for text in header])
    cells = _Cells(sheet)
    for row in listed:
        sheet.append([cells.of(value) for value in row])


class _Cells:
    """One sheet's cell values. A write-only sheet writes each row out as it is appended,
    so one styled cell per date (and the cleaned form of each text) serves every row that
    shows it: tens of thousands of rows repeat a few hundred dates, titles and unit names."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.dates: dict[date, Any] = {}
        self.texts: dict[str, Any] = {}

    def of(self, value: Any) -> Any:
        if isinstance(value, str):
            found = self.texts.get(value)
            if found is None:
                found = self.texts[value] = _text_cell(self.sheet, value)
            return found
        if isinstance(value, date):  # a datetime too, with its own format
            found = self.dates.get(value)
            if found is None:
                found = self.dates[value] = _cell(self.sheet, value)
            return found
        return value


FORMULA_START = ("=", "+", "-", "@", "\t")


def _header_cell(sheet: Any, text: str) -> "Cell":
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = _string_cell(sheet, clean_text(text))
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor=HEADER_FILL_COLOR)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MOMENT_FORMAT
        return cell
    if isinstance(value, date):
        # types-openpyxl leaves date out of WriteOnlyCell's value, which Cell takes as a date.
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        return _text_cell(sheet, value)
    return value


def _text_cell(sheet: Any, text: str) -> "Cell | str":
    """Text, never a formula, whoever wrote it (titles, unit names, notes come from people).

    Stored as a string cell, which no spreadsheet evaluates; and when it looks like a formula
    (=, +, -, @, tab), also with the quote-prefix style, Excel's and LibreOffice's own mark of
    "typed as text": editing the cell then keeps it text instead of turning it into a live
    formula. The text itself is kept as written: a visible apostrophe would change it.
    """
    from openpyxl.cell.cell import ERROR_CODES

    text = clean_text(text)
    if not text.startswith(FORMULA_START) and text not in ERROR_CODES:
        return text  # openpyxl writes a plain str as a string cell: no cell object needed
    return _string_cell(sheet, text)


def _string_cell(sheet: Any, text: str) -> "Cell":
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = text.startswith(FORMULA_START)
    return cell
