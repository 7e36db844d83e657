"""Persistence for answers: status history, evidence, and what a reply refers to."""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Assignment,
    ChannelIdentity,
    OutboxMessage,
    Person,
    Plan,
    StatusUpdate,
    Task,
)
from storage.vocab import AssignmentStatus, PersonRole


async def identity_of(
    session: AsyncSession, *, channel: str, user_id: str
) -> tuple[ChannelIdentity, Person] | None:
    query = (
        select(ChannelIdentity, Person)
        .join(Person, Person.id == ChannelIdentity.person_id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def open_assignments(session: AsyncSession, *, unit_id: int) -> list[tuple[Assignment, Task]]:
    """The unit's assignments not yet done, earliest deadline first."""
    query = (
        select(Assignment, Task)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.unit_id == unit_id,
            Assignment.cancelled_at.is_(None),
            Task.cancelled_at.is_(None),
            Assignment.status != AssignmentStatus.DONE,
        )
        .order_by(Assignment.deadline, Task.code)
    )
    return [(a, t) for a, t in (await session.execute(query)).all()]


async def assignment_with_task(
    session: AsyncSession, *, assignment_id: int
) -> tuple[Assignment, Task] | None:
    query = select(Assignment, Task).join(Task, Task.id == Assignment.task_id)
    row = (await session.execute(query.where(Assignment.id == assignment_id))).first()
    return (row[0], row[1]) if row else None


async def find_by_code(
    session: AsyncSession, *, unit_id: int, code: str, plan_number: str | None = None
) -> list[tuple[Assignment, Task, str]]:
    """Per plan holding task `code` for the unit: its occurrence due next (or its last one,
    if all are done), with the plan's number."""
    query = (
        select(Assignment, Task, Plan.number)
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Assignment.unit_id == unit_id,
            Task.code == code,
            Assignment.cancelled_at.is_(None),
            Task.cancelled_at.is_(None),
        )
        .order_by(Plan.number, Assignment.deadline)
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


async def assignment_for_message(
    session: AsyncSession, *, person_id: int, message_id: str
) -> int | None:
    """The assignment a delivered reminder was about, to read a reply to it."""
    query = select(OutboxMessage.assignment_id).where(
        OutboxMessage.person_id == person_id, OutboxMessage.message_id == message_id
    )
    return (await session.execute(query)).scalars().first()


async def outbox_for_message(
    session: AsyncSession, *, person_id: int, message_id: str
) -> OutboxMessage | None:
    """The delivered outbox row a person is replying to."""
    query = select(OutboxMessage).where(
        OutboxMessage.person_id == person_id, OutboxMessage.message_id == message_id
    )
    return (await session.execute(query)).scalars().first()


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
) -> StatusUpdate:
    """Append to the history and move the assignment to the new status."""
    update = StatusUpdate(
        assignment_id=assignment.id,
        person_id=person_id,
        status=status,
        progress=progress,
        note=note,
        proposed_deadline=proposed,
        channel=channel,
        message_id=message_id,
        corrects_id=corrects_id,
        created_at=now,
    )
    session.add(update)
    assignment.status = status
    if progress is not None or status != AssignmentStatus.IN_PROGRESS:
        assignment.progress = progress
    assignment.status_updated_at = now
    assignment.completed_at = now if status == AssignmentStatus.DONE else None
    session.add(assignment)
    await session.flush()
    return update


async def last_update_by(
    session: AsyncSession, *, person_id: int, assignment_id: int
) -> StatusUpdate | None:
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.person_id == person_id, StatusUpdate.assignment_id == assignment_id)
        .order_by(StatusUpdate.id.desc())
    )
    return (await session.execute(query)).scalars().first()


async def previous_status(session: AsyncSession, *, assignment_id: int, before_id: int) -> str:
    """The status before a given update, to restore it when an extension is refused."""
    query = (
        select(StatusUpdate.status)
        .where(StatusUpdate.assignment_id == assignment_id, StatusUpdate.id < before_id)
        .order_by(StatusUpdate.id.desc())
    )
    found = (await session.execute(query)).scalars().first()
    return found or AssignmentStatus.NOT_STARTED


async def people_with_role(session: AsyncSession, *, role: PersonRole) -> list[Person]:
    query = select(Person).where(Person.role == role, Person.active.is_(True))
    return list((await session.execute(query)).scalars())


async def focal_people(session: AsyncSession, *, unit_id: int) -> list[Person]:
    query = select(Person).where(
        Person.unit_id == unit_id, Person.role == PersonRole.FOCAL, Person.active.is_(True)
    )
    return list((await session.execute(query)).scalars())
