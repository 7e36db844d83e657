"""The digest's queries: one read of the plan's assignments with their state, then names.

Each assignment's state as of `at` is rebuilt from its status history: the latest status
update made at or before `at` (none means not started). So a digest for a past moment, a
report at its data cut-off, shows what was known then; deadlines are the current ones.

The history is read once, by one statement: for each live assignment of the plan, its latest
update up to `at` is found through the (assignment, moment) index, and for a blocked one the
latest note too. Counting those rows by area, unit and task is plain Python
(scheduler/digest_tally.py): 50,000 rows count in a fraction of the time the database would
spend recomputing the state for each of several GROUP BY statements. Everything here is
portable SQLAlchemy (correlated scalar subqueries, LIMIT): the same on SQLite and PostgreSQL.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import NullType
from sqlmodel import col

from storage.models import Area, Assignment, Person, StatusUpdate, Task, Unit
from storage.vocab import AssignmentStatus as S
from storage.vocab import PersonRole


def _latest_update_id(at: datetime) -> ColumnElement[Any]:
    """The id of the assignment's latest status update made at or before `at` (or NULL)."""
    made = aliased(StatusUpdate)
    return (
        select(func.max(col(made.id)))
        .where(col(made.assignment_id) == col(Assignment.id), col(made.created_at) <= at)
        .correlate(Assignment)
        .scalar_subquery()
    )


def _latest_note(at: datetime) -> ColumnElement[Any]:
    """The latest note written on the assignment at or before `at` (or NULL)."""
    noted = aliased(StatusUpdate)
    return (
        select(col(noted.note))
        .where(
            col(noted.assignment_id) == col(Assignment.id),
            col(noted.created_at) <= at,
            col(noted.note).is_not(None),
        )
        .order_by(col(noted.id).desc())
        .limit(1)
        .correlate(Assignment)
        .scalar_subquery()
    )


# One live assignment of the plan and its state as of the digest's moment: (id, unit_id,
# task_id, area_id, role, deadline, occurrence_key, status, changed_at, note). A plain tuple:
# the garbage collector stops tracking a tuple of plain values, where 50,000 named tuples
# stayed tracked and cost the digest one or two full collections (0.1-0.2 s).
State = tuple[int, int, int, int | None, str, date | None, str, str, datetime | None, str | None]


async def assignment_states(session: AsyncSession, *, plan_id: int, at: datetime) -> list[State]:
    """One State per live assignment of the plan, by id; status "not started" and no
    changed_at (aware UTC) when it has no update up to `at`; the note only on a blocked one."""
    update = aliased(StatusUpdate)
    status = func.coalesce(col(update.status), S.NOT_STARTED.value)
    query = (
        select(
            col(Assignment.id),
            col(Assignment.unit_id),
            col(Assignment.task_id),
            col(Task.area_id),
            col(Assignment.role),
            # The two dates come as the driver gives them and are turned into values below:
            # 50,000 rows repeat a few hundred deadlines (SQLAlchemy's per-value processing
            # was a third of the digest's time on SQLite).
            type_coerce(col(Assignment.deadline), NullType()),
            col(Assignment.occurrence_key),
            status,
            type_coerce(col(update.created_at), NullType()),
            case((status == S.BLOCKED.value, _latest_note(at)), else_=None),
        )
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .outerjoin(update, col(update.id) == _latest_update_id(at))
        .where(
            col(Task.plan_id) == plan_id,
            col(Assignment.cancelled_at).is_(None),
            col(Task.cancelled_at).is_(None),
        )
        .order_by(col(Assignment.id))
    )
    # Through the session's connection: plain rows, without the ORM's result processing.
    result = await (await session.connection()).execute(query)
    days = _Days()
    return [
        (
            i,
            unit,
            task,
            area,
            role,
            days[deadline],
            key,
            state,
            None if changed is None else _utc(changed),
            note,
        )
        for i, unit, task, area, role, deadline, key, state, changed, note in result
    ]


class _Days(dict[Any, date | None]):
    """Each distinct DATE as the driver gives it, a date (PostgreSQL) or ISO text (SQLite),
    turned into a date the first time it is asked for."""

    def __missing__(self, value: Any) -> date | None:
        found = value if value is None or isinstance(value, date) else date.fromisoformat(value)
        self[value] = found
        return found


def _utc(value: Any) -> datetime:
    """A stored instant (naive UTC, storage/types.py) as the driver gives it: a datetime
    (PostgreSQL) or ISO text (SQLite); aware UTC, as UTCDateTime reads it."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def plan_tasks(session: AsyncSession, *, plan_id: int) -> dict[int, tuple[str, str]]:
    """Each task of the plan: its code and title."""
    query = select(col(Task.id), col(Task.code), col(Task.title)).where(
        col(Task.plan_id) == plan_id
    )
    rows = (await session.execute(query)).all()
    return {i: (code, title) for i, code, title in rows if i is not None}


async def unit_names(session: AsyncSession) -> dict[int, str]:
    """Every unit's name by id."""
    rows = await session.execute(select(col(Unit.id), col(Unit.name)))
    return {i: name for i, name in rows.all() if i is not None}


async def areas_of(session: AsyncSession, plan_id: int) -> list[tuple[int, str]]:
    """The plan's areas in the plan's order."""
    query = select(col(Area.id), col(Area.name)).where(col(Area.plan_id) == plan_id)
    rows = await session.execute(query.order_by(col(Area.position), col(Area.id)))
    return [(i, n) for i, n in rows if i is not None]


async def last_answers(session: AsyncSession, *, at: datetime) -> dict[int, datetime]:
    """Each unit's latest status update made by one of its own people, up to `at`.

    Per assignment, its history is walked back from `at` through the (assignment, moment)
    index until an update by the unit's own people: usually the first one looked at."""
    made, by = aliased(StatusUpdate), aliased(Person)
    own = (
        select(col(made.created_at))
        .join(by, col(by.id) == col(made.person_id))
        .where(
            col(made.assignment_id) == col(Assignment.id),
            col(made.created_at) <= at,
            col(by.unit_id) == col(Assignment.unit_id),
        )
        .order_by(col(made.created_at).desc())
        .limit(1)
        .correlate(Assignment)
        .scalar_subquery()
    )
    query = select(col(Assignment.unit_id), func.max(own)).group_by(col(Assignment.unit_id))
    rows = (await session.execute(query)).all()
    return {unit: last for unit, last in rows if last is not None}


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
