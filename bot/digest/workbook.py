"""The digest's full detail as an .xlsx: one sheet per list, ready to filter and print."""

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.digest.sheet_rows import Cells, put_rows, rows_xml, styles_for
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

    # Write-only mode streams the sheets to the file; the rows under each header are written
    # by bot/digest/sheet_rows.py, without a cell object each.
    book = Workbook(write_only=True)
    summary = [(label, *_summary_values(key, figures)) for key, label in t.SUMMARY_ROWS]
    support = _count_rows(figures.support, numbered=True)
    tables = (
        (t.SHEET_SUMMARY, t.SUMMARY_HEADER, summary, (34, 22, 10, 24)),
        (t.SHEET_AREAS, t.AREAS_HEADER, _count_rows(figures.areas, numbered=True), (6, 44)),
        (t.SHEET_UNITS, t.UNITS_HEADER, _count_rows(figures.units), (9, 40)),
        (t.SHEET_OVERDUE, t.OVERDUE_HEADER, _overdue_rows(figures), OVERDUE_WIDTHS),
        (t.SHEET_BLOCKERS, t.BLOCKERS_HEADER, _blocker_rows(figures), BLOCKERS_WIDTHS),
        (t.SHEET_DUE, t.DUE_HEADER, _due_rows(figures), (6, 10, 60, 32, 12, 16)),
        (t.SHEET_WATCH, t.WATCH_HEADER, _watch_rows(figures), (36, 24, 50)),
        (t.SHEET_SUPPORT, t.SUPPORT_HEADER, support, (6, 40)),
    )
    bodies = [
        _table(book, title, header, list(rows), widths) for title, header, rows, widths in tables
    ]
    styles = styles_for(bodies[0][0], date_format=DATE_FORMAT, moment_format=MOMENT_FORMAT)
    cells = Cells(styles, book.epoch)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(path.name + ".draft")
    try:
        book.save(draft)
        # A sheet's place in the file is known once it is saved.
        put_rows(draft, path, {sheet.path[1:]: rows_xml(rows, cells) for sheet, rows in bodies})
    finally:
        draft.unlink(missing_ok=True)
    return path


OVERDUE_WIDTHS = (6, 10, 60, 30, 32, 12, 10, 12, 16)
BLOCKERS_WIDTHS = (6, 10, 50, 32, 12, 12, 60)


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
    rows: list[tuple[Any, ...]],
    widths: Sequence[int],
) -> tuple[Any, list[tuple[Any, ...]]]:
    """A sheet with its header row, frozen and filterable over `rows`, which are written
    under it once the workbook is saved."""
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    # Streamed sheets take their layout before the first row.
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    sheet.append([_header_cell(sheet, text) for text in header])
    return sheet, rows


def _header_cell(sheet: Any, text: str) -> "Cell":
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = WriteOnlyCell(sheet, value=clean_text(text))
    cell.data_type = "s"
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor=HEADER_FILL_COLOR)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell
