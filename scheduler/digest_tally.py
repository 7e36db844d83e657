"""Counting the plan's assignment states (scheduler/digest_sql.py) in one pass, in Python.

Per assignment (one unit's share of one occurrence of a task), as scheduler/digest.py defines:
done on time or late by the local day of its completion against its deadline, the open states
by status, and overdue when not done and its deadline is before the digest's day. The
counts are kept as plain lists while counting and become `Counts` at the end.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from scheduler.digest_figures import COUNT_FIELDS, Counts
from storage.vocab import AssignmentRole
from storage.vocab import AssignmentStatus as S

_INDEX = {name: i for i, name in enumerate(COUNT_FIELDS)}
_TOTAL, _ON_TIME, _LATE, _OVERDUE = (
    _INDEX[k] for k in ("total", "done_on_time", "done_late", "overdue")
)
# A status outside the vocabulary counts in the total only, as the SQL sums did.
_OPEN = {
    s.value: _INDEX[s.value]
    for s in (S.IN_PROGRESS, S.NOT_STARTED, S.BLOCKED, S.EXTENSION_REQUESTED)
}
LEAD, _DONE, _BLOCKED = AssignmentRole.LEAD.value, S.DONE.value, S.BLOCKED.value


@dataclass
class Tally:
    """The plan's assignments counted: lead ones by unit and by task, supporting ones by unit,
    and the lead rows each list is made of (in the assignments' order)."""

    units: dict[int, list[int]] = field(default_factory=dict)
    support: dict[int, list[int]] = field(default_factory=dict)
    tasks: dict[int, tuple[int | None, list[int]]] = field(default_factory=dict)
    overdue: list[Any] = field(default_factory=list)
    blocked: list[Any] = field(default_factory=list)
    due: list[Any] = field(default_factory=list)
    done_in: int = 0


def tally(
    rows: Iterable[Any],
    *,
    today: date,
    offset: timedelta,
    next_week: tuple[date, date],
    period: tuple[date, date] | None = None,
) -> Tally:
    """Count `rows` (digest_sql.assignment_states) as of the local day `today`; completion days
    are the UTC moments shifted by `offset`; `period` counts lead completions within it."""
    found = Tally()
    first, last = next_week
    start, end = period or (None, None)
    slot: int | None
    for row in rows:
        _id, unit, task, area, role, deadline, _key, status, changed_at, _note = row
        if status == _DONE:
            late = deadline is not None and (changed_at + offset).date() > deadline
            slot, overdue = (_LATE if late else _ON_TIME), False
        else:
            slot, overdue = _OPEN.get(status), deadline is not None and deadline < today
        if role != LEAD:
            _add(found.support.setdefault(unit, [0] * 8), slot, overdue)
            continue
        _add(found.units.setdefault(unit, [0] * 8), slot, overdue)
        _add(found.tasks.setdefault(task, (area, [0] * 8))[1], slot, overdue)
        if overdue:
            found.overdue.append(row)
        if status != _DONE and deadline is not None and first <= deadline <= last:
            found.due.append(row)
        if status == _BLOCKED:
            found.blocked.append(row)
        if status == _DONE and start is not None and end is not None:
            found.done_in += start <= (changed_at + offset).date() <= end
    return found


def _add(counts: list[int], slot: int | None, overdue: bool) -> None:
    counts[_TOTAL] += 1
    if slot is not None:
        counts[slot] += 1
    if overdue:
        counts[_OVERDUE] += 1


def as_counts(counts: list[int]) -> Counts:
    return Counts(*counts)
