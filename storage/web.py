"""Web sign-in: one-time login tokens and browser sessions, found by the hash of their secret.

The secrets themselves (the token in the link, the session id in the cookie) are never
stored: a copy of the database signs nobody in.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.assignments import natural_key
from storage.db import rowcount
from storage.models import (
    Area,
    Assignment,
    AuditLog,
    Evidence,
    Person,
    Plan,
    StatusUpdate,
    Task,
    Unit,
    WebLoginToken,
    WebSession,
)
from storage.vocab import AssignmentRole, AssignmentStatus

SEEN_EVERY = timedelta(minutes=1)


async def add_login_token(
    session: AsyncSession, *, token_hash: str, person_id: int, now: datetime, ttl: timedelta
) -> None:
    session.add(
        WebLoginToken(
            token_hash=token_hash, person_id=person_id, expires_at=now + ttl, created_at=now
        )
    )
    await session.flush()


async def use_login_token(
    session: AsyncSession, *, token_hash: str, now: datetime
) -> Person | None:
    """The active person a valid token signs in, marking it used; None for an unknown, used
    or expired token. One UPDATE with its conditions: two clicks at once sign in once."""
    query = (
        update(WebLoginToken)
        .where(col(WebLoginToken.token_hash) == token_hash)
        .where(col(WebLoginToken.used_at).is_(None))
        .where(col(WebLoginToken.expires_at) > now)
        .values(used_at=now)
    )
    if rowcount(await session.execute(query)) != 1:
        return None
    found = select(Person).join(WebLoginToken).where(WebLoginToken.token_hash == token_hash)
    person = (await session.execute(found)).scalar_one()
    return person if person.active else None


async def open_session(
    session: AsyncSession,
    *,
    session_hash: str,
    person_id: int,
    now: datetime,
    ip: str | None,
    user_agent: str | None,
) -> None:
    session.add(
        WebSession(
            session_hash=session_hash,
            person_id=person_id,
            last_seen_at=now,
            created_at=now,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    await session.flush()


async def live_session(
    session: AsyncSession, *, session_hash: str, now: datetime, idle: timedelta, most: timedelta
) -> tuple[WebSession, Person] | None:
    """The session and its active person, if it is open, seen within `idle` and younger than
    `most`; its last-seen moment moves to `now` (written at most once a minute, so reading
    pages seldom takes the database's write lock)."""
    query = (
        select(WebSession, Person)
        .join(Person)
        .where(WebSession.session_hash == session_hash)
        .where(col(WebSession.ended_at).is_(None))
    )
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    web_session, person = row
    if now - web_session.last_seen_at > idle or now - web_session.created_at > most:
        return None
    if not person.active:
        return None
    if now - web_session.last_seen_at >= SEEN_EVERY:
        web_session.last_seen_at = now
        session.add(web_session)
    return web_session, person


async def end_sessions(session: AsyncSession, *, person_id: int, now: datetime) -> int:
    """Sign a person out of every browser; how many sessions were open."""
    query = (
        update(WebSession)
        .where(col(WebSession.person_id) == person_id)
        .where(col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    return rowcount(await session.execute(query))


# What the web page shows of a unit and a task.


async def unit_work(session: AsyncSession, *, unit_id: int) -> list[tuple[Assignment, Task, str]]:
    """The unit's assignments (done ones too, not cancelled) with their task and plan number."""
    query = (
        select(Assignment, Task, col(Plan.number))
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .where(
            col(Assignment.unit_id) == unit_id,
            col(Assignment.cancelled_at).is_(None),
            col(Task.cancelled_at).is_(None),
        )
    )
    rows = [(a, t, n) for a, t, n in (await session.execute(query)).all()]
    rows.sort(key=lambda r: (r[2], natural_key(r[1].code), r[0].deadline or date.max))
    return rows


async def task_work(session: AsyncSession, *, task_id: int) -> list[tuple[Assignment, Unit]]:
    """A task's assignments (not cancelled) with their unit, by period then unit."""
    query = (
        select(Assignment, Unit)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .where(col(Assignment.task_id) == task_id, col(Assignment.cancelled_at).is_(None))
    )
    rows = [(a, u) for a, u in (await session.execute(query)).all()]
    rows.sort(key=lambda r: (r[0].deadline or date.max, r[0].occurrence_key, r[0].role, r[1].name))
    return rows


async def histories(
    session: AsyncSession, *, assignment_ids: Sequence[int]
) -> dict[int, list[tuple[StatusUpdate, str | None]]]:
    """Each assignment's status updates, oldest first, with who wrote them."""
    query = (
        select(StatusUpdate, col(Person.full_name))
        .outerjoin(Person, col(Person.id) == StatusUpdate.person_id)
        .where(col(StatusUpdate.assignment_id).in_(assignment_ids))
        .order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))
    )
    found: dict[int, list[tuple[StatusUpdate, str | None]]] = {}
    for update_row, name in (await session.execute(query)).all():
        found.setdefault(update_row.assignment_id, []).append((update_row, name))
    return found


async def evidence_of(
    session: AsyncSession, *, assignment_ids: Sequence[int]
) -> dict[int, list[Evidence]]:
    query = (
        select(Evidence)
        .where(col(Evidence.assignment_id).in_(assignment_ids))
        .order_by(col(Evidence.created_at), col(Evidence.id))
    )
    found: dict[int, list[Evidence]] = {}
    for row in (await session.execute(query)).scalars():
        found.setdefault(row.assignment_id, []).append(row)
    return found


async def evidence_unit(session: AsyncSession, *, evidence_id: int) -> tuple[Evidence, int] | None:
    """An evidence file with the unit whose assignment it belongs to."""
    query = (
        select(Evidence, col(Assignment.unit_id))
        .join(Assignment, col(Assignment.id) == Evidence.assignment_id)
        .where(col(Evidence.id) == evidence_id)
    )
    row = (await session.execute(query)).one_or_none()
    return (row[0], row[1]) if row else None


async def open_requests(
    session: AsyncSession, *, unit_id: int | None = None, limit: int | None = None
) -> tuple[list[tuple[StatusUpdate, Assignment, Task, Unit]], int]:
    """Extension requests waiting for a decision (each assignment's latest request while it
    is still "xin gia hạn"), oldest first: at most `limit`, and how many there are; one
    unit's only if given."""
    where = [
        col(Assignment.status) == AssignmentStatus.EXTENSION_REQUESTED,
        col(Assignment.cancelled_at).is_(None),
    ]
    if unit_id is not None:
        where.append(col(Assignment.unit_id) == unit_id)
    waiting = select(Assignment.id).where(*where).order_by(col(Assignment.id)).limit(limit)
    ids = list((await session.execute(waiting)).scalars())
    total = (
        await session.execute(select(func.count()).select_from(Assignment).where(*where))
    ).scalar_one()
    query = (
        select(StatusUpdate, Assignment, Task, Unit)
        .join(Assignment, col(Assignment.id) == StatusUpdate.assignment_id)
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .where(
            col(StatusUpdate.assignment_id).in_(ids),
            col(StatusUpdate.status) == AssignmentStatus.EXTENSION_REQUESTED,
        )
        .order_by(col(StatusUpdate.id))
    )
    latest: dict[int, tuple[StatusUpdate, Assignment, Task, Unit]] = {}
    for u, a, t, unit in (await session.execute(query)).all():
        latest[u.assignment_id] = (u, a, t, unit)  # ordered by id: the last one wins
    return [latest[i] for i in ids if i in latest], total


async def record_audit(
    session: AsyncSession, *, at: datetime, actor: str, action: str, detail: dict[str, Any]
) -> None:
    session.add(AuditLog(at=at, actor=actor, action=action, detail=detail))
    await session.flush()


@dataclass(frozen=True)
class LeadRow:
    """One lead assignment as the overview's filtered list shows it."""

    task_code: str
    title: str
    occurrence_key: str
    unit: str
    area: str | None
    deadline: date | None
    status: str


async def lead_rows(
    session: AsyncSession,
    *,
    plan_id: int,
    unit_id: int | None = None,
    area_id: int | None = None,
    without_area: bool = False,
    status: str | None = None,
    overdue_on: date | None = None,
    limit: int,
) -> tuple[list[LeadRow], int]:
    """A plan's open lead assignments that pass the filters, earliest deadline first: at
    most `limit` of them, and how many there are."""
    where = [
        col(Task.plan_id) == plan_id,
        col(Assignment.role) == AssignmentRole.LEAD,
        col(Assignment.cancelled_at).is_(None),
        col(Task.cancelled_at).is_(None),
    ]
    if unit_id is not None:
        where.append(col(Assignment.unit_id) == unit_id)
    if area_id is not None or without_area:
        where.append(
            col(Task.area_id) == area_id if area_id is not None else col(Task.area_id).is_(None)
        )
    if status is not None:
        where.append(col(Assignment.status) == status)
    if overdue_on is not None:
        where.append(col(Assignment.deadline) < overdue_on)
        where.append(col(Assignment.status) != AssignmentStatus.DONE)
    joined = (
        sa_select(
            col(Task.code),
            col(Task.title),
            col(Assignment.occurrence_key),
            col(Unit.name),
            col(Area.name),
            col(Assignment.deadline),
            col(Assignment.status),
        )
        .join(Task, col(Task.id) == Assignment.task_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .outerjoin(Area, col(Area.id) == Task.area_id)
        .where(*where)
    )
    total = select(func.count()).select_from(Assignment).join(Task).where(*where)
    query = joined.order_by(col(Assignment.deadline), col(Task.code), col(Unit.name)).limit(limit)
    rows = [LeadRow(*row) for row in (await session.execute(query)).all()]
    return rows, (await session.execute(total)).scalar_one()
