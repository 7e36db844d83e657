"""Plans: finding one by number, counting them, the ones still in play, and a plan's areas,
tasks and assignments as an import rewrites them."""

from datetime import date
from typing import Any

from sqlalchemy import exists, func, insert, or_, update
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Area, Assignment, Plan, Task
from storage.vocab import AssignmentStatus


async def find_plan(session: AsyncSession, *, number: str) -> Plan | None:
    """A plan by its exact number, e.g. 32/KH-UBND."""
    return (await session.execute(select(Plan).where(Plan.number == number))).scalar_one_or_none()


async def count_plans(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(Plan))).scalar_one()


async def plan_numbers(session: AsyncSession) -> list[str]:
    """Every plan's number, in order."""
    query = select(Plan.number).order_by(col(Plan.number))
    return list((await session.execute(query)).scalars())


async def active_plans(session: AsyncSession, *, today: date) -> list[Plan]:
    """Plans of this year, and older ones that still have work not done."""
    open_work = exists(
        select(Assignment.id)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(
            Task.plan_id == Plan.id,
            col(Assignment.cancelled_at).is_(None),
            col(Task.cancelled_at).is_(None),
            Assignment.status != AssignmentStatus.DONE,
        )
    )
    query = (
        select(Plan).where(or_(col(Plan.year) >= today.year, open_work)).order_by(col(Plan.number))
    )
    return list((await session.execute(query)).scalars())


async def plan_areas(session: AsyncSession, *, plan_id: int) -> list[Area]:
    """Every area of the plan."""
    return list((await session.execute(select(Area).where(Area.plan_id == plan_id))).scalars())


async def plan_tasks(session: AsyncSession, *, plan_id: int) -> list[Task]:
    """Every task of the plan, cancelled ones included."""
    return list((await session.execute(select(Task).where(Task.plan_id == plan_id))).scalars())


async def plan_assignments(session: AsyncSession, *, plan_id: int) -> list[Assignment]:
    """Every assignment of the plan's tasks, cancelled ones included."""
    query = (
        select(Assignment)
        .join(Task, col(Task.id) == Assignment.task_id)
        .where(Task.plan_id == plan_id)
    )
    return list((await session.execute(query)).scalars())


async def plan_assignment_rows(session: AsyncSession, *, plan_id: int) -> list[Any]:
    """Every assignment of the plan's tasks, cancelled ones included, as plain rows: id,
    task_id, unit_id, occurrence_key, role, period_start, original_deadline, cancelled_at
    (an import compares tens of thousands of them; ORM objects would cost seconds)."""
    query = (
        select_columns(
            col(Assignment.id),
            col(Assignment.task_id),
            col(Assignment.unit_id),
            col(Assignment.occurrence_key),
            col(Assignment.role),
            col(Assignment.period_start),
            col(Assignment.original_deadline),
            col(Assignment.cancelled_at),
        )
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(col(Task.plan_id) == plan_id)
    )
    return list((await session.execute(query)).all())


async def add_assignments(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert assignments in bulk (one executemany); every non-null column given."""
    if rows:
        await session.execute(insert(Assignment), rows)


async def change_assignments(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Update assignments in bulk by primary key: each dict holds "id" and the new values."""
    if changes:
        await session.execute(update(Assignment), changes)
