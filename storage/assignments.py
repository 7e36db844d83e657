"""Assignments: the views people read, finding one by code or reply, and its status history."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CursorResult, bindparam
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.db import stored_id
from storage.models import AT_ONCE, Area, Assignment, Plan, StatusUpdate, Task, Unit
from storage.outbox import REPLIED_TO
from storage.vocab import AssignmentRole, AssignmentStatus


@dataclass(frozen=True)
class AssignmentView:
    """One assignment with what a person needs to read it."""

    plan_number: str
    task_code: str
    title: str
    area: str | None
    unit: str
    role: str
    deadline: date | None
    kind: str
    occurrence_key: str
    status: str
    progress: int | None

    def is_overdue(self, today: date) -> bool:
        return (
            self.deadline is not None
            and self.deadline < today
            and self.status != AssignmentStatus.DONE
        )


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort task codes as people number them: 1.2 before 1.10."""
    parts = re.split(r"[.\-/ ]+", code)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


async def list_assignments(
    session: AsyncSession,
    *,
    plan_id: int | None = None,
    unit_id: int | None = None,
    status: str | None = None,
    overdue_on: date | None = None,
) -> list[AssignmentView]:
    """Open (not cancelled) assignments, in task-code then unit order.

    Columns, not ORM objects: a province's /status reads thousands of rows, and each view
    needs eleven fields of them."""
    query = (
        sa_select(
            col(Plan.number),
            col(Task.code),
            col(Task.title),
            col(Area.name),
            col(Unit.name),
            col(Assignment.role),
            col(Assignment.deadline),
            col(Task.kind),
            col(Assignment.occurrence_key),
            col(Assignment.status),
            col(Assignment.progress),
        )
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .outerjoin(Area, col(Area.id) == Task.area_id)
        .where(col(Assignment.cancelled_at).is_(None), col(Task.cancelled_at).is_(None))
    )
    if plan_id is not None:
        query = query.where(col(Task.plan_id) == plan_id)
    if unit_id is not None:
        query = query.where(col(Assignment.unit_id) == unit_id)
    if status is not None:
        query = query.where(col(Assignment.status) == status)
    if overdue_on is not None:
        query = query.where(
            col(Assignment.deadline) < overdue_on, col(Assignment.status) != AssignmentStatus.DONE
        )
    views = [AssignmentView(*row) for row in (await session.execute(query)).all()]
    views.sort(
        key=lambda v: (v.plan_number, natural_key(v.task_code), v.deadline or date.max, v.unit)
    )
    return views


async def lead_unit_names(session: AsyncSession, *, task_id: int, occurrence_key: str) -> list[str]:
    """The units that lead ("chủ trì") one occurrence of a task, by name."""
    found = await session.execute(_LEAD_UNITS, {"task": task_id, "occurrence": occurrence_key})
    return list(found.scalars().all())


# The statements an everyday answer runs are built once, here, with parameters bound at each
# run: building a statement and its cache key anew cost about as much as executing it.
_LEAD_UNITS = (
    select(col(Unit.name))
    .join(Assignment, col(Assignment.unit_id) == col(Unit.id))
    .where(
        col(Assignment.task_id) == bindparam("task"),
        col(Assignment.occurrence_key) == bindparam("occurrence"),
        col(Assignment.role) == AssignmentRole.LEAD,
        col(Assignment.cancelled_at).is_(None),
    )
    .order_by(col(Unit.name))
)


async def open_assignments(session: AsyncSession, *, unit_id: int) -> list[tuple[Assignment, Task]]:
    """The unit's assignments not yet done, earliest deadline first."""
    query = (
        select(Assignment, Task)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(
            Assignment.unit_id == unit_id,
            col(Assignment.cancelled_at).is_(None),
            col(Task.cancelled_at).is_(None),
            Assignment.status != AssignmentStatus.DONE,
        )
        .order_by(col(Assignment.deadline), col(Task.code))
    )
    return [(a, t) for a, t in (await session.execute(query)).all()]


async def assignment_with_task(
    session: AsyncSession, *, assignment_id: int
) -> tuple[Assignment, Task] | None:
    row = (await session.execute(_WITH_TASK, {"assignment": assignment_id})).first()
    return (row[0], row[1]) if row else None


_WITH_TASK = (
    select(Assignment, Task)
    .join(Task, col(Task.id) == Assignment.task_id)
    .where(col(Assignment.id) == bindparam("assignment"))
)


async def replied_assignment(
    session: AsyncSession, *, person_id: int, message_id: str, channel: str
) -> tuple[Assignment, Task] | None:
    """The assignment (with its task) of the delivered message a person replies to on
    `channel`, in one statement: the message itself, not a later edit of it, decides."""
    found = await session.execute(
        _REPLIED, {"person": person_id, "message": message_id, "channel": channel}
    )
    row = found.first()
    return (row[0], row[1]) if row else None


_REPLIED = (
    select(Assignment, Task)
    .join(Task, col(Task.id) == Assignment.task_id)
    .where(col(Assignment.id) == REPLIED_TO.scalar_subquery())
)


async def find_by_code(
    session: AsyncSession, *, unit_id: int, code: str, plan_number: str | None = None
) -> list[tuple[Assignment, Task, str]]:
    """Per plan holding task `code` for the unit: its occurrence due next (or its last one,
    if all are done), with the plan's number."""
    query = (
        select(Assignment, Task, Plan.number)
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .where(
            Assignment.unit_id == unit_id,
            Task.code == code,
            col(Assignment.cancelled_at).is_(None),
            col(Task.cancelled_at).is_(None),
        )
        .order_by(col(Plan.number), col(Assignment.deadline))
    )
    if plan_number is not None:
        query = query.where(Plan.number == plan_number)
    by_plan: dict[str, list[tuple[Assignment, Task, str]]] = {}
    for a, task, number in (await session.execute(query)).all():
        by_plan.setdefault(number, []).append((a, task, number))
    chosen = []
    for rows in by_plan.values():
        open_rows = [r for r in rows if r[0].status != AssignmentStatus.DONE]
        chosen.append((open_rows or rows[-1:])[0])
    return chosen


@dataclass(frozen=True)
class Recorded:
    """A history row just written: what the answer's follow-ups need of it."""

    id: int
    assignment_id: int
    note: str | None
    proposed_deadline: date | None


async def record_status(
    session: AsyncSession,
    *,
    assignment: Assignment,
    person_id: int | None,
    status: AssignmentStatus,
    now: datetime,
    progress: int | None = None,
    note: str | None = None,
    proposed: date | None = None,
    channel: str | None = None,
    message_id: str | None = None,
    corrects_id: int | None = None,
) -> Recorded:
    """Append to the history and move the assignment to the new status (and to a deadline
    set on it beforehand, an extension's): the next sweep looks at its schedule again.

    The history row is a plain INSERT of its values (append-only, nothing reads it back as an
    object in the same turn): no model to build and check, no unit of work for it. The
    assignment's UPDATE goes with the session's next flush (the next query about it, or the
    commit), together with whatever else the turn changed."""
    assignment_id = stored_id(assignment)
    values = {
        "assignment_id": assignment_id,
        "person_id": person_id,
        "status": str(status),
        "progress": progress,
        "note": note,
        "proposed_deadline": proposed,
        "channel": channel,
        "message_id": message_id,
        "corrects_id": corrects_id,
        "created_at": now,
    }
    inserted = await session.execute(_ADD_HISTORY, values)
    assert isinstance(inserted, CursorResult) and inserted.inserted_primary_key is not None
    assignment.status = status
    if progress is not None or status != AssignmentStatus.IN_PROGRESS:
        assignment.progress = progress
    assignment.status_updated_at = now
    assignment.completed_at = now if status == AssignmentStatus.DONE else None
    # Done, reopened, a new deadline: the next sweep looks at its schedule again. Set here, it
    # is written by the same UPDATE as the status (as `reschedule` would, in one more).
    assignment.next_remind_at = AT_ONCE
    session.add(assignment)
    return Recorded(
        id=inserted.inserted_primary_key[0],
        assignment_id=assignment_id,
        note=note,
        proposed_deadline=proposed,
    )


_ADD_HISTORY = sa_insert(StatusUpdate.__table__)  # type: ignore[attr-defined]


async def last_update_by(
    session: AsyncSession, *, person_id: int, assignment_id: int
) -> StatusUpdate | None:
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.person_id == person_id, StatusUpdate.assignment_id == assignment_id)
        .order_by(col(StatusUpdate.id).desc())
    )
    return (await session.execute(query)).scalars().first()


async def previous_status(session: AsyncSession, *, assignment_id: int, before_id: int) -> str:
    """The status before a given update, to restore it when an extension is refused."""
    query = (
        select(StatusUpdate.status)
        .where(StatusUpdate.assignment_id == assignment_id, col(StatusUpdate.id) < before_id)
        .order_by(col(StatusUpdate.id).desc())
    )
    found = (await session.execute(query)).scalars().first()
    return found or AssignmentStatus.NOT_STARTED


async def updated_since(session: AsyncSession, *, assignment_id: int, update_id: int) -> bool:
    """Whether the assignment's history has moved on past the given update."""
    query = select(StatusUpdate.id).where(
        StatusUpdate.assignment_id == assignment_id, col(StatusUpdate.id) > update_id
    )
    return (await session.execute(query)).first() is not None


@dataclass(frozen=True)
class LiveAssignment:
    """A unit's place in an open task, with the texts that named it there."""

    unit_id: int
    unit: str
    plan_number: str
    task_code: str
    lead_text: str
    support_text: str | None


async def live_assignments(session: AsyncSession) -> list[LiveAssignment]:
    """Each (unit, task) of an open assignment, once: what a units register must keep naming."""
    query = (
        sa_select(
            col(Assignment.unit_id),
            col(Unit.name),
            col(Plan.number),
            col(Task.code),
            col(Task.lead_text),
            col(Task.support_text),
        )
        .distinct()
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .where(col(Assignment.cancelled_at).is_(None), col(Task.cancelled_at).is_(None))
    )
    return [LiveAssignment(*row) for row in (await session.execute(query)).all()]
