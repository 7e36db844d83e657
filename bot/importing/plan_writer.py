"""Plan import, second half: write checked specs in one transaction.

Re-importing an edited file updates tasks in place by code, keeps their history, and marks
tasks that left the file as cancelled instead of deleting them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.plan_import import PlanInfo, TaskSpec
from scheduler.deadlines import Occurrence
from storage.assignments import natural_key
from storage.models import Area, AuditLog, Plan, Task
from storage.plans import (
    add_assignments,
    change_assignments,
    find_plan,
    plan_areas,
    plan_assignment_rows,
    plan_tasks,
)
from storage.schedules import reschedule
from storage.textnorm import fold_words
from storage.units import all_units
from storage.vocab import AssignmentRole, AssignmentStatus

Wanted = dict[tuple[int, str], tuple[AssignmentRole, Occurrence]]


@dataclass(frozen=True)
class PlanReport:
    plan_number: str
    tasks_created: int
    tasks_updated: int
    tasks_cancelled: int
    assignments_active: int
    units: int
    cancelled_codes: tuple[str, ...] = ()  # tasks that left the file
    cancelled_work: tuple[tuple[str, str], ...] = ()  # (unit, task code) of each cancellation
    assignments_cancelled: int = 0  # one per unit, task and period


async def apply_plan(
    session: AsyncSession, *, info: PlanInfo, tasks: list[TaskSpec], now: datetime, actor: str
) -> PlanReport:
    """Write the checked plan in the caller's transaction.

    Tasks are ORM rows (a few thousand, flushed once so new ones get their ids together);
    assignments (tens of thousands) are compared as plain rows and written in bulk."""
    plan = await _upsert_plan(session, info, now)
    assert plan.id is not None  # flushed
    areas = await _upsert_areas(session, plan.id, tasks)
    existing = {t.code: t for t in await plan_tasks(session, plan_id=plan.id)}
    current = await _assignments_by_task(session, plan.id)
    created = active = 0
    units: set[int] = set()
    filled: list[tuple[Task, TaskSpec]] = []
    for spec in tasks:
        task = existing.pop(spec.code, None)
        created += task is None
        task = _fill_task(task or _new_task(plan.id, spec), spec, areas, now)
        session.add(task)
        filled.append((task, spec))
    await session.flush()
    writes = Writes()
    dropped: list[Any] = []
    for task, spec in filled:
        assert task.id is not None  # flushed
        wanted = _wanted(spec)
        active += len(wanted)
        units.update(unit_id for unit_id, _ in wanted)
        dropped += _sync(writes, task.id, wanted, current.get(task.id, []), now)
    gone = _cancel_tasks(session, existing.values(), now)
    dropped += _cancel_work(writes, gone, current, now)
    await add_assignments(session, writes.added)
    await change_assignments(session, writes.changed)
    work = await _named(session, plan.id, dropped)
    await reschedule(session, plan_id=plan.id)  # new, moved, cancelled: the sweep looks again
    detail = {
        "plan": plan.number,
        "tasks": len(tasks),
        "created": created,
        "cancelled": len(gone),
        "assignments_cancelled": len(dropped),
    }
    session.add(AuditLog(at=now, actor=actor, action="plan.import", detail=detail))
    await session.flush()
    codes = tuple(sorted((t.code for t in gone), key=natural_key))
    counts = (created, len(tasks) - created, len(gone), active, len(units))
    return PlanReport(
        plan.number,
        *counts,
        cancelled_codes=codes,
        cancelled_work=work,
        assignments_cancelled=len(dropped),
    )


@dataclass
class Writes:
    """The assignment rows an import inserts, and the changes it makes to existing ones."""

    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)


async def _named(
    session: AsyncSession, plan_id: int, dropped: list[Any]
) -> tuple[tuple[str, str], ...]:
    """(unit, task code) of each cancelled assignment, once per unit and task, in order."""
    if not dropped:
        return ()
    names = {u.id: u.name for u in await all_units(session)}
    codes = {t.id: t.code for t in await plan_tasks(session, plan_id=plan_id)}
    pairs = {(names[a.unit_id], codes[a.task_id]) for a in dropped}
    return tuple(sorted(pairs, key=lambda pair: (pair[0], natural_key(pair[1]))))


async def _upsert_plan(session: AsyncSession, info: PlanInfo, now: datetime) -> Plan:
    plan = await find_plan(session, number=info.number)
    if plan is None:
        plan = Plan(number=info.number, title=info.title or info.number, year=info.year)
    plan.year = info.year
    plan.title = info.title or plan.title
    plan.issued_on = info.issued_on or plan.issued_on
    plan.issuing_body = info.issuing_body or plan.issuing_body
    plan.updated_at = now
    session.add(plan)
    await session.flush()
    return plan


async def _upsert_areas(
    session: AsyncSession, plan_id: int, tasks: list[TaskSpec]
) -> dict[str, int]:
    existing = {a.name_key: a for a in await plan_areas(session, plan_id=plan_id)}
    first: dict[str, TaskSpec] = {}
    for spec in tasks:
        if spec.area:
            first.setdefault(fold_words(spec.area), spec)
    for position, (key, spec) in enumerate(first.items(), start=1):
        name = spec.area
        assert name is not None  # `first` holds only specs with an area
        area = existing.setdefault(key, Area(plan_id=plan_id, name=name, name_key=key))
        area.name, area.code, area.position = name, spec.area_code, position
        session.add(area)
    await session.flush()
    return {key: area.id for key, area in existing.items() if area.id is not None}


async def _assignments_by_task(session: AsyncSession, plan_id: int) -> dict[int, list[Any]]:
    by_task: dict[int, list[Any]] = {}
    for a in await plan_assignment_rows(session, plan_id=plan_id):
        by_task.setdefault(a.task_id, []).append(a)
    return by_task


def _new_task(plan_id: int, spec: TaskSpec) -> Task:
    return Task(
        plan_id=plan_id,
        title=spec.title,
        lead_text=spec.lead_text,
        deadline_spec=spec.deadline_text,
    )


def _fill_task(task: Task, spec: TaskSpec, areas: dict[str, int], now: datetime) -> Task:
    task.code, task.title = spec.code, spec.title
    task.area_id = areas.get(fold_words(spec.area)) if spec.area else None
    task.lead_text, task.support_text = spec.lead_text, spec.support_text
    task.deadline_spec, task.kind = spec.deadline_text, spec.deadline.kind
    task.expected_output, task.note, task.source_row = spec.output, spec.note, spec.row
    task.cancelled_at, task.updated_at = None, now
    return task


def _wanted(spec: TaskSpec) -> Wanted:
    wanted: Wanted = {}
    for role, unit_ids in (
        (AssignmentRole.LEAD, spec.lead_ids),
        (AssignmentRole.SUPPORT, spec.support_ids),
    ):
        for unit_id in unit_ids:
            for occurrence in spec.deadline.occurrences:
                wanted.setdefault((unit_id, occurrence.key), (role, occurrence))
    return wanted


def _sync(
    writes: Writes, task_id: int, wanted: Wanted, current: list[Any], now: datetime
) -> list[Any]:
    """Update kept assignments in place, add new ones, cancel the ones that left (returned)."""
    by_key = {(a.unit_id, a.occurrence_key): a for a in current}
    for key, (role, occurrence) in wanted.items():
        a = by_key.pop(key, None)
        if a is None:
            writes.added.append(_new_assignment(task_id, key, role, occurrence, now))
            continue
        values: dict[str, Any] = {}
        if a.role != role:
            values["role"] = role
        if a.period_start != occurrence.start:
            values["period_start"] = occurrence.start
        if a.cancelled_at is not None:
            values["cancelled_at"] = None
        # An approved extension moves `deadline` away from `original_deadline`; a re-import
        # with the plan's unchanged date must not undo it, a changed date in the plan wins.
        if a.original_deadline != occurrence.due:
            values["original_deadline"] = values["deadline"] = occurrence.due
        if values:
            writes.changed.append({"id": a.id, **values})
    cancelled = [a for a in by_key.values() if a.cancelled_at is None]
    writes.changed += [{"id": a.id, "cancelled_at": now} for a in cancelled]
    return cancelled


def _new_assignment(
    task_id: int, key: tuple[int, str], role: AssignmentRole, occurrence: Occurrence, now: datetime
) -> dict[str, Any]:
    unit_id, occurrence_key = key
    return {
        "task_id": task_id,
        "unit_id": unit_id,
        "occurrence_key": occurrence_key,
        "role": role.value,
        "period_start": occurrence.start,
        "deadline": occurrence.due,
        "original_deadline": occurrence.due,
        "status": AssignmentStatus.NOT_STARTED.value,
        "created_at": now,
    }


def _cancel_tasks(session: AsyncSession, gone: Iterable[Task], now: datetime) -> list[Task]:
    """Cancel the open tasks that left the file; the tasks cancelled."""
    cancelled = [task for task in gone if task.cancelled_at is None]
    for task in cancelled:
        task.cancelled_at = task.updated_at = now
        session.add(task)
    return cancelled


def _cancel_work(
    writes: Writes, gone: list[Task], current: dict[int, list[Any]], now: datetime
) -> list[Any]:
    """Cancel the assignments of the cancelled tasks; those cancelled by this import."""
    dropped = []
    for task in gone:
        for a in current.get(task.id or 0, []):
            if a.cancelled_at is None:
                writes.changed.append({"id": a.id, "cancelled_at": now})
            if a.cancelled_at in (None, now):
                dropped.append(a)
    return dropped
