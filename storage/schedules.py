"""When the sweep next looks at each assignment (`Assignment.next_remind_at`), and the
fingerprint of the rules those moments were computed from.

The moments are computed by the reminder policy (scheduler/); here they are read in index
order, written back in bulk, and sent back to AT_ONCE by anything that changes a schedule:
an answer, a snooze, an extension, a re-import, who receives a unit's reminders, the rules.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import AT_ONCE, Assignment, Person, Plan, ScheduleRules, Task, Unit
from storage.vocab import AssignmentRole, AssignmentStatus, PersonRole

Cursor = tuple[datetime, int]  # (next_remind_at, id) of the last row a batch read


@dataclass(frozen=True)
class Scheduled:
    """One assignment whose moment has come, with what the policy and a log line need."""

    id: int
    next_remind_at: datetime
    plan: str
    task_code: str
    task_kind: str
    task_cancelled: bool
    unit_id: int
    unit: str
    unit_active: bool
    role: str
    deadline: date | None
    period_start: date | None
    status: str
    snoozed_until: datetime | None
    cancelled: bool


async def due_for_reminders(
    session: AsyncSession, *, now: datetime, after: Cursor | None, limit: int
) -> list[Scheduled]:
    """Up to `limit` assignments whose moment is not after `now`, in (moment, id) order,
    starting past `after`: a range of the index on the moment, never the whole table."""
    query = due_query(now=now, after=after, limit=limit)
    rows: list[tuple[Any, ...]] = [tuple(row) for row in (await session.execute(query)).all()]
    return [Scheduled(*row) for row in rows]


def due_query(*, now: datetime, after: Cursor | None, limit: int) -> Select[*tuple[Any, ...]]:
    """The statement of `due_for_reminders` (benchmarks/bench_sweep.py shows its plan)."""
    a = Assignment
    query: Select[*tuple[Any, ...]] = (
        select(
            col(a.id),
            col(a.next_remind_at),
            col(Plan.number),
            col(Task.code),
            col(Task.kind),
            col(Task.cancelled_at).is_not(None),
            col(a.unit_id),
            col(Unit.name),
            col(Unit.active),
            col(a.role),
            col(a.deadline),
            col(a.period_start),
            col(a.status),
            col(a.snoozed_until),
            col(a.cancelled_at).is_not(None),
        )
        .join(Task, col(Task.id) == col(a.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Unit, col(Unit.id) == col(a.unit_id))
        .where(col(a.next_remind_at) <= now)
        .order_by(col(a.next_remind_at), col(a.id))
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(col(a.next_remind_at), col(a.id)) > tuple_(*after))
    return query


async def set_next_reminders(session: AsyncSession, moments: Mapping[int, datetime | None]) -> None:
    """Write each assignment's next moment (None: nothing more will come), one statement per
    distinct moment: the rows of a batch mostly share a few."""
    by_moment: dict[datetime | None, list[int]] = {}
    for assignment_id, moment in moments.items():
        by_moment.setdefault(moment, []).append(assignment_id)
    for moment, ids in by_moment.items():
        for start in range(0, len(ids), _CHUNK):
            await session.execute(
                update(Assignment)
                .where(col(Assignment.id).in_(ids[start : start + _CHUNK]))
                .values(next_remind_at=moment)
                .execution_options(synchronize_session=False)
            )


_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


async def reschedule(
    session: AsyncSession,
    *,
    assignment_ids: Collection[int] | None = None,
    plan_id: int | None = None,
    unit_id: int | None = None,
    leads: bool = False,
    every_open: bool = False,
) -> None:
    """A schedule changed: the next sweep looks at these assignments again (exactly one
    selector: some assignments, a plan's, a unit's, the lead ones, or all open ones)."""
    chosen = [
        assignment_ids is not None,
        plan_id is not None,
        unit_id is not None,
        leads,
        every_open,
    ]
    if sum(chosen) != 1:
        raise ValueError("reschedule takes exactly one selector")
    if assignment_ids is not None:
        ids = list(assignment_ids)
        for start in range(0, len(ids), _CHUNK):
            await _at_once(session, col(Assignment.id).in_(ids[start : start + _CHUNK]))
        return
    where: list[Any] = [
        col(Assignment.cancelled_at).is_(None),
        col(Assignment.status) != AssignmentStatus.DONE,
    ]
    if plan_id is not None:
        where.append(
            col(Assignment.task_id).in_(select(col(Task.id)).where(col(Task.plan_id) == plan_id))
        )
    if unit_id is not None:
        where.append(col(Assignment.unit_id) == unit_id)
    if leads:
        where.append(col(Assignment.role) == AssignmentRole.LEAD)
    await _at_once(session, *where)


async def reschedule_for_person(session: AsyncSession, *, person: Person) -> None:
    """Who receives reminders changed with `person` (registered, away or back): a focal
    person's unit, or for a coordinator every lead assignment (its escalation)."""
    if person.role == PersonRole.FOCAL and person.unit_id is not None:
        await reschedule(session, unit_id=person.unit_id)
    elif person.role == PersonRole.COORDINATOR:
        await reschedule(session, leads=True)


async def _at_once(session: AsyncSession, *where: Any) -> None:
    await session.execute(
        update(Assignment)
        .where(*where)
        .values(next_remind_at=AT_ONCE)
        .execution_options(synchronize_session=False)
    )


RULES_NAME = "reminders"


async def rules_fingerprint(session: AsyncSession) -> str | None:
    """The fingerprint of the rules the stored moments were computed from; None at first."""
    row = await session.get(ScheduleRules, RULES_NAME)
    return row.fingerprint if row else None


async def save_rules_fingerprint(session: AsyncSession, *, fingerprint: str, now: datetime) -> None:
    row = await session.get(ScheduleRules, RULES_NAME)
    if row is None:
        row = ScheduleRules(name=RULES_NAME, fingerprint=fingerprint, changed_at=now)
    row.fingerprint, row.changed_at = fingerprint, now
    session.add(row)
    await session.flush()
