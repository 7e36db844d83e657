"""Read-only views for people (Vietnamese tables) and for scripts (JSON)."""

import json
import textwrap
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.texts import cli as words
from bot.texts import dates
from bot.texts.common import ASSIGNMENT_ROLE, STATUS, UNIT_KIND
from storage.assignments import AssignmentView
from storage.models import Unit


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> str:
    """A plain-text table whose long cells wrap inside their column instead of being cut."""
    lines = [_line(headers, widths), "  ".join("─" * w for w in widths)]
    for row in rows:
        cells = [textwrap.wrap(cell, w) or [""] for cell, w in zip(row, widths, strict=True)]
        for i in range(max(len(c) for c in cells)):
            lines.append(_line([c[i] if i < len(c) else "" for c in cells], widths))
    return "\n".join(lines)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()


def _days_past(deadline: date | None, today: date) -> int:
    """Days from the deadline to today; 0 without a deadline."""
    return (today - deadline).days if deadline is not None else 0


def status_label(view: AssignmentView) -> str:
    label = STATUS.get(view.status, view.status)
    return f"{label} ({view.progress}%)" if view.progress is not None else label


def assignments_text(views: list[AssignmentView], today: date) -> str:
    if not views:
        return words.NO_ASSIGNMENTS
    rows = [
        [
            v.task_code,
            v.title,
            v.area or "",
            v.unit,
            ASSIGNMENT_ROLE.get(v.role, v.role),
            dates.day(v.deadline),
            status_label(v),
            words.overdue_days(_days_past(v.deadline, today)) if v.is_overdue(today) else "",
        ]
        for v in views
    ]
    overdue = sum(v.is_overdue(today) for v in views)
    footer = words.ASSIGNMENTS_TOTAL.format(count=len(views), overdue=overdue, day=dates.day(today))
    return table(words.ASSIGNMENT_HEADERS, rows, [6, 40, 18, 24, 8, 10, 16, 14]) + "\n" + footer


def overdue_text(views: list[AssignmentView], today: date, at: datetime) -> str:
    moment = dates.moment(at)
    if not views:
        return words.NO_OVERDUE.format(at=moment)
    units = len({v.unit for v in views})
    rows = [
        [
            str(i),
            v.task_code,
            v.title,
            v.unit,
            dates.day(v.deadline),
            words.overdue_days(_days_past(v.deadline, today)),
            status_label(v),
        ]
        for i, v in enumerate(views, start=1)
    ]
    title = words.OVERDUE_TITLE.format(at=moment, count=len(views), units=units)
    return title + "\n" + table(words.OVERDUE_HEADERS, rows, [4, 6, 44, 26, 10, 14, 16])


def assignment_json(view: AssignmentView, today: date) -> dict[str, Any]:
    overdue = view.is_overdue(today)
    return {
        "plan": view.plan_number,
        "task_code": view.task_code,
        "title": view.title,
        "area": view.area,
        "unit": view.unit,
        "role": view.role,
        "deadline": view.deadline.isoformat() if view.deadline else None,
        "kind": view.kind,
        "occurrence": view.occurrence_key,
        "status": view.status,
        "progress": view.progress,
        "overdue": overdue,
        "days_overdue": _days_past(view.deadline, today) if overdue else 0,
    }


def to_json(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2)


def units_text(units: list[tuple[Unit, list[str], list[str]]]) -> str:
    if not units:
        return words.NO_UNITS
    rows = [
        [u.name, UNIT_KIND.get(u.kind, u.kind), "; ".join(groups), "; ".join(aliases)]
        for u, groups, aliases in units
    ]
    body = table(words.UNIT_HEADERS, rows, [36, 16, 40, 30])
    return body + "\n" + words.UNITS_TOTAL.format(count=len(units))


def units_json(units: list[tuple[Unit, list[str], list[str]]]) -> str:
    return to_json(
        [{"name": u.name, "kind": u.kind, "groups": g, "aliases": a} for u, g, a in units]
    )
