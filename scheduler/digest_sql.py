"""The digest's queries. Counting happens in the database (GROUP BY); only lists come back as rows.

Each assignment's state as of `at` is rebuilt from its status history: the latest status
update made at or before `at` (none means not started). So a digest for a past moment, a
report at its data cut-off, shows what was known then; deadlines are the current ones.

Lead assignments (the unit that "chủ trì") are what is counted, ranked and listed; supporting
assignments ("phối hợp") are counted apart (`count_cells(..., lead=False)`).
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CTE
from sqlmodel import col

from storage.models import Area, Assignment, Person, StatusUpdate, Task, Unit
from storage.vocab import AssignmentRole, PersonRole
from storage.vocab import AssignmentStatus as S


def local_date(column: Any, offset: timedelta, dialect: str) -> ColumnElement[Any]:
    """The local calendar day of a UTC instant column, computed by the database."""
    if dialect == "sqlite":
        return func.date(column, f"{int(offset.total_seconds()):+d} seconds")
    return cast(column + literal(offset), Date)


def state_cte(plan_id: int, at: datetime) -> CTE:
    """One row per live assignment of the plan: its status and when it last changed."""
    latest = (
        select(
            col(StatusUpdate.assignment_id).label("aid"),
            func.max(col(StatusUpdate.id)).label("sid"),
        )
        .join(Assignment, col(Assignment.id) == col(StatusUpdate.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Task.plan_id) == plan_id, col(StatusUpdate.created_at) <= at)
        .group_by(col(StatusUpdate.assignment_id))
        .subquery()
    )
    update = aliased(StatusUpdate)
    return (
        select(
            col(Assignment.id).label("id"),
            col(Assignment.unit_id).label("unit_id"),
            col(Assignment.task_id).label("task_id"),
            col(Task.area_id).label("area_id"),
            col(Assignment.role).label("role"),
            col(Assignment.deadline).label("deadline"),
            col(Assignment.occurrence_key).label("occurrence_key"),
            func.coalesce(col(update.status), S.NOT_STARTED.value).label("status"),
            col(update.created_at).label("changed_at"),
        )
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .outerjoin(latest, latest.c.aid == col(Assignment.id))
        .outerjoin(update, col(update.id) == latest.c.sid)
        .where(
            col(Task.plan_id) == plan_id,
            col(Assignment.cancelled_at).is_(None),
            col(Task.cancelled_at).is_(None),
        )
        .cte("state")
    )


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def is_lead(state: CTE) -> ColumnElement[bool]:
    return state.c.role == AssignmentRole.LEAD.value


def _counted(session: AsyncSession, state: CTE, today: date, offset: timedelta) -> list[Any]:
    """The columns of `Counts`, each a sum over the grouped assignments."""
    dialect = session.get_bind().dialect.name
    c = state.c
    done = c.status == S.DONE.value
    late = and_(
        done, c.deadline.is_not(None), local_date(c.changed_at, offset, dialect) > c.deadline
    )
    return [
        func.count().label("total"),
        _count(and_(done, ~late)).label("done_on_time"),
        _count(late).label("done_late"),
        *(_count(c.status == s.value).label(s.value) for s in _OPEN),
        _count(and_(~done, c.deadline < today)).label("overdue"),
    ]


async def count_cells(
    session: AsyncSession, state: CTE, *, today: date, offset: timedelta, lead: bool = True
) -> list[Any]:
    """Lead (or supporting) assignments counted per (area, unit)."""
    c = state.c
    query = (
        select(c.area_id, c.unit_id, col(Unit.name), *_counted(session, state, today, offset))
        .join(Unit, col(Unit.id) == c.unit_id)
        .where(is_lead(state) if lead else ~is_lead(state))
        .group_by(c.area_id, c.unit_id, col(Unit.name))
    )
    return list((await session.execute(query)).all())


async def task_cells(
    session: AsyncSession, state: CTE, *, today: date, offset: timedelta
) -> list[Any]:
    """Each task's lead assignments counted by state, with the task's area: a task's own state
    is worked out from these (scheduler/digest.py, `task_counts`)."""
    c = state.c
    query = (
        select(c.area_id, c.task_id, *_counted(session, state, today, offset))
        .where(is_lead(state))
        .group_by(c.area_id, c.task_id)
    )
    return list((await session.execute(query)).all())


_OPEN = (S.IN_PROGRESS, S.NOT_STARTED, S.BLOCKED, S.EXTENSION_REQUESTED)


async def done_between(
    session: AsyncSession, state: CTE, *, start: date, end: date, offset: timedelta
) -> int:
    """Completions whose local day falls within [start, end]: a report period's output."""
    day = local_date(state.c.changed_at, offset, session.get_bind().dialect.name)
    query = select(func.count()).where(
        is_lead(state), state.c.status == S.DONE.value, day >= start, day <= end
    )
    return (await session.execute(query)).scalar_one()


async def areas_of(session: AsyncSession, plan_id: int) -> list[tuple[int, str]]:
    """The plan's areas in the plan's order."""
    query = select(col(Area.id), col(Area.name)).where(col(Area.plan_id) == plan_id)
    rows = await session.execute(query.order_by(col(Area.position), col(Area.id)))
    return [(i, n) for i, n in rows if i is not None]


def _listed(state: CTE) -> Any:
    """The columns a list row shows, joined to the names."""
    c = state.c
    return (
        select(
            col(Task.code),
            col(Task.title),
            col(Area.name),
            col(Unit.name),
            c.deadline,
            c.status,
            c.id,
            c.occurrence_key,
        )
        .join(Task, col(Task.id) == c.task_id)
        .join(Unit, col(Unit.id) == c.unit_id)
        .outerjoin(Area, col(Area.id) == c.area_id)
        .where(is_lead(state))
    )


async def overdue_rows(session: AsyncSession, state: CTE, *, today: date) -> list[Any]:
    """Not done and past the deadline, earliest deadline first."""
    c = state.c
    query = _listed(state).where(c.status != S.DONE.value, c.deadline < today)
    return list(
        (await session.execute(query.order_by(c.deadline, col(Task.code), col(Unit.name)))).all()
    )


async def due_rows(session: AsyncSession, state: CTE, *, first: date, last: date) -> list[Any]:
    c = state.c
    query = _listed(state).where(c.status != S.DONE.value, c.deadline >= first, c.deadline <= last)
    return list(
        (await session.execute(query.order_by(c.deadline, col(Task.code), col(Unit.name)))).all()
    )


async def blocker_rows(session: AsyncSession, state: CTE, *, at: datetime) -> list[Any]:
    """Blocked assignments with the day they were blocked and their latest note."""
    c = state.c
    noted = (
        select(
            col(StatusUpdate.assignment_id).label("aid"),
            func.max(col(StatusUpdate.id)).label("sid"),
        )
        .join(state, state.c.id == col(StatusUpdate.assignment_id))
        .where(
            state.c.status == S.BLOCKED.value,
            col(StatusUpdate.note).is_not(None),
            col(StatusUpdate.created_at) <= at,
        )
        .group_by(col(StatusUpdate.assignment_id))
        .subquery()
    )
    note = aliased(StatusUpdate)
    query = (
        select(
            col(Task.code),
            col(Task.title),
            col(Unit.name),
            c.deadline,
            c.changed_at,
            col(note.note),
            c.occurrence_key,
        )
        .join(Task, col(Task.id) == c.task_id)
        .join(Unit, col(Unit.id) == c.unit_id)
        .outerjoin(noted, noted.c.aid == c.id)
        .outerjoin(note, col(note.id) == noted.c.sid)
        .where(is_lead(state), c.status == S.BLOCKED.value)
        .order_by(c.changed_at, col(Task.code), col(Unit.name))
    )
    return list((await session.execute(query)).all())


async def last_answers(session: AsyncSession, *, at: datetime) -> dict[int, datetime]:
    """Each unit's latest status update made by one of its own people, up to `at`."""
    query = (
        select(col(Assignment.unit_id), func.max(col(StatusUpdate.created_at)))
        .join(Assignment, col(Assignment.id) == col(StatusUpdate.assignment_id))
        .join(Person, col(Person.id) == col(StatusUpdate.person_id))
        .where(col(Person.unit_id) == col(Assignment.unit_id), col(StatusUpdate.created_at) <= at)
        .group_by(col(Assignment.unit_id))
    )
    return {unit: last for unit, last in (await session.execute(query)).all()}


async def focal_people(session: AsyncSession) -> list[Any]:
    """Every active focal person: unit, name, and since when unreachable (if so)."""
    query = select(col(Person.unit_id), col(Person.full_name), col(Person.unreachable_at)).where(
        col(Person.role) == PersonRole.FOCAL,
        col(Person.active).is_(True),
        col(Person.unit_id).is_not(None),
    )
    return list((await session.execute(query.order_by(col(Person.unit_id), col(Person.id)))).all())


async def registered_since(session: AsyncSession) -> dict[int, datetime]:
    """Each unit's earliest registration of an active focal person: its silence counts from it."""
    query = (
        select(col(Person.unit_id), func.min(col(Person.created_at)))
        .where(
            col(Person.role) == PersonRole.FOCAL,
            col(Person.active).is_(True),
            col(Person.unit_id).is_not(None),
        )
        .group_by(col(Person.unit_id))
    )
    rows = (await session.execute(query)).all()
    return {unit: since for unit, since in rows if unit is not None}
