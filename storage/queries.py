"""Small keyword-only query functions; each takes the session of the caller's unit of work."""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Area, Assignment, Plan, Task, Unit, UnitGroup, UnitGroupMember, UnitName
from storage.textnorm import fold_words
from storage.vocab import AssignmentStatus


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
    """Open (not cancelled) assignments, in task-code then unit order."""
    query = (
        select(Plan.number, Task, Area.name, Unit.name, Assignment)
        .join(Task, Task.id == Assignment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .outerjoin(Area, Area.id == Task.area_id)
        .where(Assignment.cancelled_at.is_(None), Task.cancelled_at.is_(None))
    )
    if plan_id is not None:
        query = query.where(Task.plan_id == plan_id)
    if unit_id is not None:
        query = query.where(Assignment.unit_id == unit_id)
    if status is not None:
        query = query.where(Assignment.status == status)
    if overdue_on is not None:
        query = query.where(
            Assignment.deadline < overdue_on, Assignment.status != AssignmentStatus.DONE
        )
    rows = (await session.execute(query)).all()
    views = [_view(*row) for row in rows]
    views.sort(
        key=lambda v: (v.plan_number, natural_key(v.task_code), v.deadline or date.max, v.unit)
    )
    return views


def _view(number: str, task: Task, area: str | None, unit: str, a: Assignment) -> AssignmentView:
    return AssignmentView(
        plan_number=number,
        task_code=task.code,
        title=task.title,
        area=area,
        unit=unit,
        role=a.role,
        deadline=a.deadline,
        kind=task.kind,
        occurrence_key=a.occurrence_key,
        status=a.status,
        progress=a.progress,
    )


async def list_units(session: AsyncSession) -> list[tuple[Unit, list[str], list[str]]]:
    """Every unit with its group names and aliases."""
    units = (await session.execute(select(Unit).order_by(Unit.kind, Unit.name))).scalars().all()
    groups = (
        await session.execute(
            select(UnitGroupMember.unit_id, UnitGroup.name).join(
                UnitGroup, UnitGroup.id == UnitGroupMember.group_id
            )
        )
    ).all()
    aliases = (
        (await session.execute(select(UnitName).where(UnitName.unit_id.is_not(None))))
        .scalars()
        .all()
    )
    by_unit_groups: dict[int, list[str]] = {}
    for unit_id, name in groups:
        by_unit_groups.setdefault(unit_id, []).append(name)
    by_unit_aliases: dict[int, list[str]] = {}
    names = {u.id: u.name for u in units}
    for alias in aliases:
        if alias.unit_id is not None and alias.label != names.get(alias.unit_id):
            by_unit_aliases.setdefault(alias.unit_id, []).append(alias.label)
    return [
        (u, sorted(by_unit_groups.get(u.id or 0, [])), sorted(by_unit_aliases.get(u.id or 0, [])))
        for u in units
    ]


async def find_plan(session: AsyncSession, *, number: str) -> Plan | None:
    return (await session.execute(select(Plan).where(Plan.number == number))).scalar_one_or_none()


async def count_plans(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(Plan))).scalar_one()


async def find_unit(session: AsyncSession, *, name: str) -> Unit | None:
    """A unit by its name or any alias, matched loosely."""
    query = (
        select(Unit)
        .join(UnitName, UnitName.unit_id == Unit.id)
        .where(UnitName.key == fold_words(name))
    )
    return (await session.execute(query)).scalar_one_or_none()
