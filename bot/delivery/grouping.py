"""Escalations due together for one coordinator go out as one message, by unit.

The sweep still writes one outbox row per (escalation, coordinator): the dedupe keys, the
sweep's check of what is already written and the restart guarantee stay those of every other
reminder. Grouping happens here, at delivery, because only delivery knows what is waiting for a
person right now (after downtime: everything since, hence one catch-up message) and the
channel's length limit. The worker claims the person's other due escalations with the first
one; what does not fit in one message goes back to the queue and becomes the next message.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest.text import utf16_len
from bot.texts import chat as t
from bot.texts import dates
from bot.texts.common import task_ref
from storage.db import existing
from storage.models import Assignment, OutboxMessage, Task, Unit


@dataclass(frozen=True)
class Overdue:
    row_id: int
    unit: str
    code: str
    title: str
    deadline: date
    days: int  # working days past the deadline


async def overdue_items(
    session: AsyncSession,
    row_ids: Sequence[int],
    today: date,
    days_late: Callable[[date, date], int],
) -> list[Overdue]:
    """The escalated assignments behind `row_ids`, by unit, most overdue first."""
    items = []
    for row_id in row_ids:
        row = await existing(session, OutboxMessage, row_id)
        a = await existing(session, Assignment, row.assignment_id)
        task = await existing(session, Task, a.task_id)
        unit = await existing(session, Unit, a.unit_id)
        deadline = a.deadline or today
        late = days_late(deadline, today)
        code = task_ref(task.code, a.occurrence_key)  # task 1.7 of each quarter apart
        items.append(Overdue(row_id, unit.name, code, task.title, deadline, late))
    return sorted(items, key=lambda i: (i.unit, -i.days, i.code))


def grouped_text(items: Sequence[Overdue], limit: int) -> tuple[str, list[int]]:
    """As many of `items` as fit in `limit` UTF-16 units (at least one), and their row ids."""
    best = _text(items[:1])
    taken = 1
    for count in range(2, len(items) + 1):
        text = _text(items[:count])
        if utf16_len(text) > limit:
            break
        best, taken = text, count
    return best, [i.row_id for i in items[:taken]]


def _text(items: Sequence[Overdue]) -> str:
    units = sorted({i.unit for i in items})
    lines = [t.ESCALATION_GROUP_HEAD.format(count=len(items), units=len(units))]
    for unit in units:
        mine = [i for i in items if i.unit == unit]
        lines.append(t.ESCALATION_GROUP_UNIT.format(unit=unit, count=len(mine)))
        lines += [
            t.ESCALATION_GROUP_LINE.format(
                code=i.code, title=_short(i.title), days=i.days, due=dates.day(i.deadline)
            )
            for i in mine
        ]
    return "\n".join(lines)


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
