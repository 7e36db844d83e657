"""The digest as a chat message: Telegram HTML or plain text, in parts that fit the channel."""

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.channels.base import Capabilities
from bot.texts import dates
from bot.texts import digest as t
from bot.texts.common import task_ref
from scheduler.digest_figures import Counts, Figures, Line

SHOWN = 10  # rows of each list a phone screen gets; the Excel file has them all
UNITS_EACH_END = 5


@dataclass(frozen=True)
class Format:
    """How a channel takes text: HTML or plain, and its limit in UTF-16 units."""

    html: bool
    limit: int


PLAIN = Format(html=False, limit=100_000)  # the terminal


def text_format(caps: Capabilities) -> Format:
    """The format a channel's capabilities call for."""
    return Format(html=caps.html, limit=caps.max_text)


def utf16_len(text: str) -> int:
    """Chat platforms count UTF-16 code units (an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def message(figures: Figures, fmt: Format) -> list[str]:
    """The digest in one or more parts, each within `fmt.limit`, split between lines."""
    esc: Callable[[str], str] = (lambda s: html.escape(s, quote=False)) if fmt.html else str
    bold: Callable[[str], str] = (lambda s: f"<b>{s}</b>") if fmt.html else str
    sections = [
        _opening(figures, esc, bold),
        _areas(figures.areas, esc, bold),
        _units(figures.units, esc, bold),
        _support(figures, bold),
        _overdue(figures, esc, bold),
        _blockers(figures, esc, bold),
        _attention(figures, esc, bold),
        _due(figures, esc, bold),
    ]
    lines: list[str] = []
    for section in filter(None, sections):
        lines += ([""] if lines else []) + section
    return split_lines(lines, fmt.limit)


def split_lines(lines: Sequence[str], limit: int) -> list[str]:
    """Pack whole lines into parts of at most `limit`; only an over-long line is broken, at spaces."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in [piece for raw in lines for piece in _fit(raw, limit)]:
        extra = utf16_len(line) + (1 if current else 0)
        if current and size + extra > limit:
            parts.append("\n".join(current).strip("\n"))
            current, size, extra = [], 0, utf16_len(line)
        current.append(line)
        size += extra
    if current:
        parts.append("\n".join(current).strip("\n"))
    return [p for p in parts if p]


def _fit(line: str, limit: int) -> list[str]:
    """A line longer than a whole part (never made here, but possible in data) goes at spaces."""
    if utf16_len(line) <= limit:
        return [line]
    pieces, current = [], ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and utf16_len(candidate) > limit:
            pieces.append(current)
            candidate = word
        current = candidate
    return [*pieces, current]


def _opening(f: Figures, esc: Callable[[str], str], bold: Callable[[str], str]) -> list[str]:
    totals = f.totals
    head = t.HEAD.format(
        first=dates.day_month(f.week[0]), last=dates.day(f.week[1]), plan=f.plan.number
    )
    change = ""
    if f.change is not None:
        change = t.DONE_CHANGE.format(delta=_signed(f.change.done))
    done = t.DONE.format(done=totals.done, total=totals.total, pct=totals.pct_done, change=change)
    done += t.DONE_LATE.format(late=totals.done_late) if totals.done_late else "."
    lines = [bold(esc(head)), esc(done), _breakdown(totals, bold)]
    if f.silent:
        names = _names([s.unit for s in f.silent])
        lines.append(esc(t.SILENT.format(names=names)))
    return [*lines, t.ATTACHED]


def _breakdown(c: Counts, bold: Callable[[str], str]) -> str:
    template = t.BREAKDOWN if c.extension_requested else t.BREAKDOWN_NO_EXTENSION
    text = template.format(
        in_progress=c.in_progress,
        blocked=c.blocked,
        extension=c.extension_requested,
        not_started=c.not_started,
    )
    return f"{text} · {bold(t.OVERDUE_TOTAL.format(overdue=c.overdue))}"


def _signed(delta: int) -> str:
    return f"{delta:+d}"


def _names(names: Sequence[str], shown: int = SHOWN) -> str:
    listed = ", ".join(names[:shown])
    if len(names) > shown:
        listed += " " + t.MORE_NAMES.format(count=len(names) - shown)
    return listed


def _with_overdue(c: Counts) -> str:
    return t.LINE_OVERDUE.format(count=c.overdue) if c.overdue else ""


def _areas(
    areas: Sequence[Line], esc: Callable[[str], str], bold: Callable[[str], str]
) -> list[str]:
    if not areas:
        return []
    rows = [
        t.AREA_LINE.format(
            n=n,
            name=short(a.name),
            done=a.counts.done,
            total=a.counts.total,
            pct=a.counts.pct_done,
            overdue=_with_overdue(a.counts),
        )
        for n, a in enumerate(areas, start=1)
    ]
    return [bold(t.BY_AREA), *(esc(r) for r in rows)]


def _unit_row(u: Line) -> str:
    c = u.counts
    return t.UNIT_LINE.format(
        rank=u.rank,
        name=short(u.name),
        done=c.done,
        total=c.total,
        pct=c.pct_done,
        overdue=_with_overdue(c),
    )


def _units(
    units: Sequence[Line], esc: Callable[[str], str], bold: Callable[[str], str]
) -> list[str]:
    if not units:
        return []
    if len(units) <= 2 * UNITS_EACH_END:
        return [bold(t.BY_UNIT), *(esc(_unit_row(u)) for u in units)]
    top, bottom = units[:UNITS_EACH_END], units[-UNITS_EACH_END:]
    return [
        bold(t.BY_UNIT),
        t.BY_UNIT_TOP,
        *(esc(_unit_row(u)) for u in top),
        t.BY_UNIT_BOTTOM,
        *(esc(_unit_row(u)) for u in bottom),
    ]


def _support(f: Figures, bold: Callable[[str], str]) -> list[str]:
    """Supporting units' share in one line: counted apart, never ranked."""
    if not f.support:
        return []
    c = f.supporting
    line = t.SUPPORT_LINE.format(
        total=c.total, units=len(f.support), done=c.done, open=c.total - c.done
    )
    return [bold(t.SUPPORT_HEAD), line]


def _more(total: int) -> list[str]:
    return [t.MORE_ROWS.format(count=total - SHOWN)] if total > SHOWN else []


def _overdue(f: Figures, esc: Callable[[str], str], bold: Callable[[str], str]) -> list[str]:
    if not f.overdue:
        return []
    rows = [
        t.OVERDUE_LINE.format(
            n=n,
            code=task_ref(o.task_code, o.occurrence_key),
            title=short(o.title, 50),
            unit=short(o.unit),
            days=o.working_days,
        )
        for n, o in enumerate(f.overdue[:SHOWN], start=1)
    ]
    return [
        bold(t.OVERDUE_HEAD.format(count=len(f.overdue))),
        *map(esc, rows),
        *_more(len(f.overdue)),
    ]


def _blockers(f: Figures, esc: Callable[[str], str], bold: Callable[[str], str]) -> list[str]:
    if not f.blockers:
        return []
    rows = [
        t.BLOCKER_LINE.format(
            code=task_ref(b.task_code, b.occurrence_key),
            title=short(b.title, 50),
            unit=short(b.unit),
            note=t.BLOCKER_NOTE.format(note=short(b.note, 120)) if b.note else "",
        )
        for b in f.blockers[:SHOWN]
    ]
    head = bold(t.BLOCKERS_HEAD.format(count=len(f.blockers)))
    return [head, *map(esc, rows), *_more(len(f.blockers))]


def _attention(f: Figures, esc: Callable[[str], str], bold: Callable[[str], str]) -> list[str]:
    rows = []
    if f.unreachable:
        rows.append(t.UNREACHABLE.format(names=_names([u.unit for u in f.unreachable])))
    if f.no_focal:
        rows.append(t.NO_FOCAL.format(names=_names(list(f.no_focal))))
    return [bold(t.ATTENTION_HEAD), *map(esc, rows)] if rows else []


def _due(f: Figures, esc: Callable[[str], str], bold: Callable[[str], str]) -> list[str]:
    head = bold(
        t.DUE_HEAD.format(first=dates.day_month(f.next_week[0]), last=dates.day(f.next_week[1]))
    )
    if not f.due_next_week:
        return [head, t.NOTHING_DUE]
    rows = [
        t.DUE_LINE.format(
            code=task_ref(d.task_code, d.occurrence_key),
            title=short(d.title, 50),
            unit=short(d.unit),
            day=dates.day_month(d.deadline),
        )
        for d in f.due_next_week[:SHOWN]
    ]
    return [head, *map(esc, rows), *_more(len(f.due_next_week))]
