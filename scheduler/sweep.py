"""The sweep: write the reminders due now into the outbox, once each, however often it runs.

Each open assignment carries the moment the sweep must next look at it (`next_remind_at`,
from the policy's `next_due_at`). A sweep reads only the assignments whose moment has come,
in bounded batches along the index on that moment. For each batch it asks the policy what is
due, resolves who receives each reminder, inserts the outbox rows keyed by
`remind:{assignment}:{kind}:{slot}:{person}` with ON CONFLICT DO NOTHING and moves the
moments on, in one transaction: a second run, or a run on another machine at the same
moment, adds nothing. Whatever changes a schedule sends its moment back to AT_ONCE
(storage.schedules.reschedule), so the next sweep looks again. After downtime, the first
sweep writes each assignment's latest slot: one reminder per assignment, not one per slot.

One assignment whose dates the rules cannot work with (a deadline outside the calendar's
years, written before import checked them) is logged and left aside until its schedule
changes; one plan that fails is logged and left for the next sweep: the other plans'
reminders are written all the same.

`plan_reminders` asks the policy about every open assignment: the CLI's preview.
"""

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from scheduler.calendar import WorkCalendar
from scheduler.policy import (
    AssignmentFacts,
    Due,
    Lookahead,
    SlotKey,
    in_window,
    latest_slots,
    window_opens,
)
from scheduler.recipients import Recipient, load_audience
from scheduler.reminder_config import MAX_DAYS_BEFORE, ReminderConfig
from storage.models import Assignment, OutboxMessage, Plan, Task, Unit
from storage.outbox import enqueue
from storage.schedules import Cursor, Scheduled, due_for_reminders, set_next_reminders
from storage.vocab import AssignmentStatus, OutboxStatus, ReminderKind, TaskKind

log = logging.getLogger(__name__)
ConfigForPlan = Callable[[str], ReminderConfig]
# An ongoing task's last check-in stays catchable for a month after its period ends.
_ONGOING_TAIL = timedelta(days=45)
_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit
BATCH = 1000  # assignments per batch: one transaction, a few statements


@dataclass(frozen=True)
class Target:
    """One open assignment, with what a reader needs to recognise it."""

    facts: AssignmentFacts
    plan: str
    task_code: str
    unit_id: int
    unit: str
    unit_active: bool = True


SkippedTarget = Callable[[Target, Exception], None]


def log_skipped(target: Target, error: Exception) -> None:
    """The default for a skipped assignment: one warning saying which, and why."""
    log.warning(
        "assignment %d (plan %s, task %s, unit %s, deadline %s) skipped: %s: %s",
        target.facts.id,
        target.plan,
        target.task_code,
        target.unit,
        target.facts.deadline,
        type(error).__name__,
        error,
    )


@dataclass(frozen=True)
class Planned:
    """One reminder due now and who gets it; `recipient` None means nobody (see `gap`)."""

    due: Due
    target: Target
    recipient: Recipient | None
    gap: str | None = None

    @property
    def dedupe_key(self) -> str:
        assert self.recipient is not None
        due = self.due
        slot = due.slot.isoformat()
        return f"remind:{due.assignment_id}:{due.kind.value}:{slot}:{self.recipient.person_id}"


@dataclass(frozen=True)
class SweepResult:
    written: int  # rows actually inserted; 0 when another run got there first
    planned: int = 0  # reminders due, one per recipient (or per unit nobody receives for)
    unreached: int = 0  # of those, reminders nobody receives (see Planned.gap)
    looked_at: int = 0  # assignments whose moment had come

    def __add__(self, other: "SweepResult") -> "SweepResult":
        return SweepResult(
            self.written + other.written,
            self.planned + other.planned,
            self.unreached + other.unreached,
            self.looked_at + other.looked_at,
        )


@dataclass(frozen=True)
class Batch:
    planned: tuple[Planned, ...]
    written: int
    looked_at: int
    cursor: Cursor | None  # where the next batch starts; None after the last one

    def result(self) -> SweepResult:
        unreached = sum(p.recipient is None for p in self.planned)
        return SweepResult(self.written, len(self.planned), unreached, self.looked_at)


class PlanRules:
    """The calendar, and each plan's rules and lookahead, for one sweep."""

    def __init__(self, calendar: WorkCalendar, config_for_plan: ConfigForPlan) -> None:
        self.calendar = calendar
        self._config_for_plan = config_for_plan
        self._ahead: dict[str, Lookahead] = {}

    def ahead(self, plan: str) -> Lookahead:
        if plan not in self._ahead:
            self._ahead[plan] = Lookahead(self.calendar, self._config_for_plan(plan))
        return self._ahead[plan]


SessionScope = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def sweep(
    session: AsyncSession,
    *,
    now: datetime,
    calendar: WorkCalendar,
    config_for_plan: ConfigForPlan,
    size: int = BATCH,
) -> SweepResult:
    """Write every reminder due at `now`, every batch in the caller's transaction."""

    @asynccontextmanager
    async def same() -> AsyncIterator[AsyncSession]:
        yield session

    return await sweep_batches(
        same, now=now, calendar=calendar, config_for_plan=config_for_plan, size=size
    )


async def sweep_batches(
    scope: SessionScope,
    *,
    now: datetime,
    calendar: WorkCalendar,
    config_for_plan: ConfigForPlan,
    size: int = BATCH,
) -> SweepResult:
    """Write every reminder due at `now`, one batch in each session `scope` opens."""
    rules = PlanRules(calendar, config_for_plan)
    total, cursor = SweepResult(0), None
    while True:
        async with scope() as session:
            batch = await sweep_batch(session, now=now, rules=rules, after=cursor, size=size)
        total += batch.result()
        if batch.cursor is None:
            return total
        cursor = batch.cursor


async def sweep_batch(
    session: AsyncSession,
    *,
    now: datetime,
    rules: PlanRules,
    after: Cursor | None,
    size: int,
    skipped: SkippedTarget = log_skipped,
) -> Batch:
    """Up to `size` assignments whose moment has come, past `after`: their reminders written
    and their moments moved on, in `session`."""
    rows = await due_for_reminders(session, now=now, after=after, limit=size)
    targets = {row.id: _scheduled_target(row) for row in rows}
    by_plan: dict[str, list[Target]] = defaultdict(list)
    for target in targets.values():
        by_plan[target.plan].append(target)
    candidates: list[Due] = []
    moments: dict[int, datetime | None] = {}
    for number, group in by_plan.items():
        looked = _look_at_plan(number, group, rules, now, skipped)
        if looked is not None:  # else the plan failed: its moments stay, the next sweep retries
            candidates.extend(looked[0])
            moments.update(looked[1])
    written = await written_slots(session, candidates)
    due = [d for d in candidates if d.key not in written]
    planned = await _address(session, due, targets)
    count = await write_reminders(session, planned, now=now)
    await set_next_reminders(session, moments)
    cursor = (rows[-1].next_remind_at, rows[-1].id) if len(rows) == size else None
    return Batch(tuple(planned), count, len(rows), cursor)


def _look_at_plan(
    number: str, group: list[Target], rules: PlanRules, now: datetime, skipped: SkippedTarget
) -> tuple[list[Due], dict[int, datetime | None]] | None:
    """One plan's slots due at `now` and each assignment's next moment; None if it failed."""
    ahead = rules.ahead(number)
    if not in_window(now, rules.calendar, ahead.config):  # look again when sending may start
        opens = window_opens(now, rules.calendar, ahead.config)
        return [], {t.facts.id: opens if t.facts.is_open else None for t in group}
    by_id = {t.facts.id: t for t in group}
    left_out: set[int] = set()

    def skip(facts: AssignmentFacts, error: Exception) -> None:
        left_out.add(facts.id)
        skipped(by_id[facts.id], error)

    reachable = [t.facts for t in group if t.unit_active]
    try:
        due = latest_slots(
            reachable, calendar=rules.calendar, config=ahead.config, now=now, skipped=skip
        )
    except Exception:  # a plan's failure must not hold back the other plans' reminders
        log.exception("plan %s left out of the reminders at %s", number, now.isoformat())
        return None
    moments: dict[int, datetime | None] = {}
    for target in group:
        facts = target.facts
        try:
            moments[facts.id] = None if facts.id in left_out else ahead.next_due_at(facts, now)
        except Exception as exc:  # left aside until its schedule changes, logged once
            skip(facts, exc)
            moments[facts.id] = None
    return [d for d in due if d.assignment_id not in left_out], moments


def _scheduled_target(row: Scheduled) -> Target:
    facts = AssignmentFacts(
        id=row.id,
        task_kind=row.task_kind,
        deadline=row.deadline,
        period_start=row.period_start,
        status=row.status,
        snoozed_until=row.snoozed_until,
        cancelled=row.cancelled,
        task_cancelled=row.task_cancelled,
        role=row.role,
    )
    return Target(facts, row.plan, row.task_code, row.unit_id, row.unit, row.unit_active)


async def plan_reminders(
    session: AsyncSession,
    *,
    now: datetime,
    calendar: WorkCalendar,
    config_for_plan: ConfigForPlan,
    plan: str | None = None,
    skipped: SkippedTarget = log_skipped,
) -> list[Planned]:
    """What the sweep would write at `now`, and the units it cannot reach; writes nothing."""
    numbers = (await session.execute(select(col(Plan.number)))).scalars().all()
    configs = {n: config_for_plan(n) for n in numbers if plan is None or n == plan}
    live = {n: c for n, c in configs.items() if in_window(now, calendar, c)}
    if not live:
        return []
    targets = await load_targets(session, today=calendar.local(now).date(), plans=list(live))
    by_plan: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        by_plan[target.plan].append(target)
    candidates = [
        due
        for number, group in by_plan.items()
        for due in _plan_slots(number, group, calendar, live[number], now, skipped)
    ]
    written = await written_slots(session, candidates)
    due = [d for d in candidates if d.key not in written]
    return await _address(session, due, {t.facts.id: t for t in targets})


def _plan_slots(
    number: str,
    group: list[Target],
    calendar: WorkCalendar,
    config: ReminderConfig,
    now: datetime,
    skipped: SkippedTarget,
) -> list[Due]:
    """One plan's latest slots; its failure is logged and costs only this plan."""
    by_id = {t.facts.id: t for t in group}
    try:
        return latest_slots(
            [t.facts for t in group],
            calendar=calendar,
            config=config,
            now=now,
            skipped=lambda facts, error: skipped(by_id[facts.id], error),
        )
    except Exception:  # a plan's failure must not hold back the other plans' reminders
        log.exception("plan %s left out of the reminders at %s", number, now.isoformat())
        return []


async def load_targets(
    session: AsyncSession, *, today: date | None, plans: Sequence[str] | None = None
) -> list[Target]:
    """Open assignments of active units; with `today`, only those a reminder may concern now."""
    query = (
        select(Assignment, col(Task.kind), col(Task.code), col(Plan.number), col(Unit.name))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Unit, col(Unit.id) == col(Assignment.unit_id))
        .where(
            col(Assignment.cancelled_at).is_(None),
            col(Task.cancelled_at).is_(None),
            col(Assignment.status) != AssignmentStatus.DONE,
            col(Assignment.deadline).is_not(None),
            col(Unit.active).is_(True),
        )
    )
    if plans is not None:
        query = query.where(col(Plan.number).in_(plans))
    if today is not None:
        query = query.where(_near(today))
    rows = (await session.execute(query)).all()
    return [_target(*row) for row in rows]


def _near(today: date) -> Any:
    # Overdue reminders have no end, so past deadlines always stay in.
    ongoing = col(Task.kind) == TaskKind.ONGOING
    return or_(
        and_(~ongoing, col(Assignment.deadline) <= today + timedelta(days=MAX_DAYS_BEFORE + 1)),
        and_(ongoing, col(Assignment.deadline) >= today - _ONGOING_TAIL),
    )


def _target(a: Assignment, kind: str, code: str, number: str, unit: str) -> Target:
    facts = AssignmentFacts(
        id=a.id or 0,
        task_kind=kind,
        deadline=a.deadline,
        period_start=a.period_start,
        status=a.status,
        snoozed_until=a.snoozed_until,
        role=a.role,
    )
    return Target(facts, plan=number, task_code=code, unit_id=a.unit_id, unit=unit)


async def written_slots(session: AsyncSession, candidates: Sequence[Due]) -> set[SlotKey]:
    """Which of `candidates` already have a live outbox row (for anyone)."""
    found: set[SlotKey] = set()
    ordered = sorted(candidates, key=lambda d: d.slot)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        # A row for slot S was written at or after S; bounding not_before (with the status
        # that leads that index) reads only recent rows instead of the whole outbox.
        query = select(
            col(OutboxMessage.assignment_id), col(OutboxMessage.kind), col(OutboxMessage.payload)
        ).where(
            # A row that failed (its person left, or blocked the bot) does not count: the
            # slot is written again for whoever now answers for the unit.
            col(OutboxMessage.status) != OutboxStatus.FAILED,
            col(OutboxMessage.not_before) >= chunk[0].slot,
            col(OutboxMessage.assignment_id).in_({d.assignment_id for d in chunk}),
            col(OutboxMessage.kind).in_([k.value for k in ReminderKind]),
        )
        for assignment_id, kind, payload in (await session.execute(query)).all():
            found.add((assignment_id, kind, datetime.fromisoformat(payload["slot"])))
    return found


async def _address(
    session: AsyncSession, due: list[Due], targets: dict[int, Target]
) -> list[Planned]:
    if not due:
        return []
    audience = await load_audience(session, {targets[d.assignment_id].unit_id for d in due})
    planned: list[Planned] = []
    for d in due:
        target = targets[d.assignment_id]
        people, gap = audience.of(target.unit_id, escalation=d.kind == ReminderKind.ESCALATION)
        planned.extend(Planned(d, target, p) for p in people)
        if not people:
            planned.append(Planned(d, target, None, gap))
    return planned


async def write_reminders(
    session: AsyncSession, planned: Sequence[Planned], *, now: datetime
) -> int:
    """Insert the outbox rows, skipping any whose key exists; returns how many were new."""
    return await enqueue(session, [_row(p, now) for p in planned if p.recipient is not None])


def _row(p: Planned, now: datetime) -> dict[str, Any]:
    assert p.recipient is not None and p.target.facts.deadline is not None
    return {
        "dedupe_key": p.dedupe_key,
        "person_id": p.recipient.person_id,
        "kind": p.due.kind.value,
        "assignment_id": p.due.assignment_id,
        "payload": {
            "kind": p.due.kind.value,
            "slot": p.due.slot.isoformat(),
            "assignment_id": p.due.assignment_id,
            "deadline": p.target.facts.deadline.isoformat(),
        },
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }
