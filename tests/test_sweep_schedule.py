"""The sweep reads only the assignments whose moment has come, yet writes exactly what asking
the policy about every open assignment says is due: random plans, answers, snoozes,
extensions, people and rules changes, at random moments, on a real SQLite file."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.service import App
from scheduler.calendar import WorkCalendar
from scheduler.jobs import recheck_if_rules_changed
from scheduler.policy import AssignmentFacts, latest_slots, snooze_until
from scheduler.recipients import load_audience
from scheduler.reminder_config import ReminderConfig, ReminderSettings, Supporting
from scheduler.rules import rules_fingerprint
from scheduler.sweep import sweep_batches
from storage.assignments import record_status
from storage.db import transaction
from storage.models import (
    Assignment,
    ChannelIdentity,
    OutboxMessage,
    Person,
    Plan,
    ScheduleRules,
    StatusUpdate,
    Task,
    Unit,
)
from storage.schedules import reschedule, reschedule_for_person
from storage.vocab import AssignmentStatus, OutboxStatus, PersonRole, ReminderKind, TaskKind
from tests import factories

pytestmark = pytest.mark.backends("sqlite", "postgresql")

CAL = WorkCalendar.load()
START = datetime(2023, 2, 20, tzinfo=UTC)  # deadlines fall from February to May
SWEEP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

configs = st.builds(
    ReminderConfig,
    send_at=st.sampled_from([time(8, 0), time(9, 30)]),
    first_days_before=st.none() | st.integers(1, 20),
    second_days_before=st.none() | st.integers(1, 10),
    working_days_before=st.none() | st.integers(1, 5),
    on_deadline=st.booleans(),
    overdue_every_working_days=st.none() | st.integers(1, 4),
    escalate_after_working_days=st.none() | st.integers(1, 6),
    monthly_checkin=st.booleans(),
    supporting=st.sampled_from(Supporting.ALL),
)


@dataclass(frozen=True)
class Spec:
    kind: str
    deadline: date
    lead: bool
    unit: int  # 0: a focal person and a deputy from the start; 1: nobody at first


specs = st.builds(
    Spec,
    kind=st.sampled_from([TaskKind.ONCE, TaskKind.ONCE, TaskKind.ONGOING]),
    deadline=st.dates(date(2023, 2, 1), date(2023, 5, 31)),
    lead=st.booleans(),
    unit=st.sampled_from([0, 0, 1]),
)
# What happens between sweeps: each changes a schedule the way the service changes it. The
# changes to one assignment come more often than those that send a whole unit back.
answers = st.tuples(st.just("answer"), st.integers(0, 7), st.sampled_from(list(AssignmentStatus)))
snoozes = st.tuples(st.just("snooze"), st.integers(0, 7), st.just(0))
extensions = st.tuples(st.just("extend"), st.integers(0, 7), st.integers(1, 30))
events = st.one_of(
    answers,
    answers,
    snoozes,
    extensions,
    extensions,
    extensions,
    st.tuples(st.just("register"), st.sampled_from([PersonRole.FOCAL, PersonRole.COORDINATOR])),
    st.tuples(st.just("away"), st.booleans()),
    st.tuples(st.just("rules"), st.integers(0, 1)),
)
# A step: the clock moves on (to a time of day the sending window makes interesting), some
# schedules change, and the sweep runs; several days at once are downtime.
times = st.sampled_from(
    [time(h, m) for h, m in ((7, 0), (8, 0), (8, 1), (9, 31), (13, 0), (18, 0))]
)
steps = st.lists(
    st.tuples(st.sampled_from([0, 0, 1, 1, 2, 3, 8]), times, st.lists(events, max_size=2)),
    min_size=2,
    max_size=12,
)


@SWEEP
@given(
    plan=st.lists(specs, min_size=2, max_size=8),
    rules=st.tuples(configs, configs),
    story=steps,
    size=st.integers(1, 4),
)
async def test_the_sweep_writes_exactly_what_the_policy_says_is_due(
    app: App,
    plan: list[Spec],
    rules: tuple[ReminderConfig, ReminderConfig],
    story: list[tuple[int, time, list[Any]]],
    size: int,
) -> None:
    await _empty(app)
    ids, people = await _build(app, plan)
    config = rules[0]
    await recheck_if_rules_changed(app.sessions, fingerprint=_print(config), now=START)
    now = START
    for days, at, changes in story:
        moment = CAL.instant(CAL.local(now).date() + timedelta(days=days), at)
        now = moment if moment > now else moment + timedelta(days=1)
        for change in changes:
            config = await _happen(app, change, ids, people, config, rules, now)
        expected = await _reference(app, now, config)
        before = await _keys(app)
        await sweep_batches(
            lambda: transaction(app.sessions),
            now=now,
            calendar=CAL,
            config_for_plan=ReminderSettings(config).for_plan,
            size=size,  # small batches: the cursor is crossed many times
        )
        assert await _keys(app) - before == expected, now


def _print(config: ReminderConfig) -> str:
    return rules_fingerprint(CAL, ReminderSettings(config))


async def _empty(app: App) -> None:
    async with transaction(app.sessions) as s:
        for table in (
            OutboxMessage,
            StatusUpdate,
            Assignment,
            Task,
            Plan,
            ChannelIdentity,
            Person,
            Unit,
            ScheduleRules,
        ):
            await s.execute(delete(table))


async def _build(app: App, plan: list[Spec]) -> tuple[list[int], dict[str, int]]:
    async with transaction(app.sessions) as s:
        made = await factories.plan(s)
        units = [await factories.unit(s, "Phòng Tư pháp"), await factories.unit(s, "Xã Trà")]
        ids = []
        for n, spec in enumerate(plan):
            task = await factories.task(s, made.id, f"1.{n}")  # type: ignore[arg-type]
            task.kind = spec.kind
            a = await factories.assignment(
                s,
                task.id,  # type: ignore[arg-type]
                units[spec.unit].id,  # type: ignore[arg-type]
                spec.deadline,
                role="lead" if spec.lead else "support",
                period_start=spec.deadline - timedelta(days=90),
            )
            ids.append(a.id)
        focal = await factories.person(s, "Lan", PersonRole.FOCAL, units[0].id, channel="telegram")
        await factories.person(s, "Phó", PersonRole.FOCAL, units[0].id, is_deputy=True)
    people = {"focal": focal.id, "unit0": units[0].id, "unit1": units[1].id}
    return ids, people  # type: ignore[return-value]


async def _happen(
    app: App,
    event: tuple[Any, ...],
    ids: list[int],
    people: dict[str, int],
    config: ReminderConfig,
    rules: tuple[ReminderConfig, ReminderConfig],
    now: datetime,
) -> ReminderConfig:
    """One change, made as the service makes it (the storage calls its code makes)."""
    what = event[0]
    if what == "rules":  # the service restarted with the other rules file
        config = rules[event[1]]
        await recheck_if_rules_changed(app.sessions, fingerprint=_print(config), now=now)
        return config
    async with transaction(app.sessions) as s:
        if what in ("answer", "snooze", "extend"):
            a = await s.get(Assignment, ids[event[1] % len(ids)])
            assert a is not None and a.deadline is not None
            if what == "snooze":  # bot.conversation.actions._snooze
                a.snoozed_until = snooze_until(now, CAL, config)
                s.add(a)
                await reschedule(s, assignment_ids=[a.id])  # type: ignore[list-item]
            else:  # an answer; an approved extension sets the deadline first
                if what == "extend":
                    a.deadline = a.deadline + timedelta(days=event[2])
                status = AssignmentStatus(event[2]) if what == "answer" else a.status
                await record_status(s, assignment=a, person_id=None, status=status, now=now)
        elif what == "register":  # bot.conversation.invites.redeem
            unit = people["unit1"] if event[1] == PersonRole.FOCAL else None
            person = await factories.person(s, "Mới", event[1], unit, channel="telegram")
            await reschedule_for_person(s, person=person)
        else:  # `nhacviec people away`
            person = await s.get(Person, people["focal"])
            assert person is not None
            person.away = event[1]
            await reschedule_for_person(s, person=person)
    return config


async def _keys(app: App) -> set[str]:
    async with app.sessions() as s:
        return set((await s.execute(select(OutboxMessage.dedupe_key))).scalars())


async def _reference(app: App, now: datetime, config: ReminderConfig) -> set[str]:
    """The outbox rows due at `now` by asking the policy about every open assignment, minus
    the slots already written (for anyone), addressed to whoever receives each now."""
    async with app.sessions() as s:
        rows = (await s.execute(select(Assignment, Task.kind, Task.cancelled_at).join(Task))).all()
        facts = {a.id: _facts(a, kind, cancelled) for a, kind, cancelled in rows}
        units = {a.id: a.unit_id for a, _, _ in rows}
        latest = latest_slots(facts.values(), calendar=CAL, config=config, now=now)
        written = await _written(s)
        due = [d for d in latest if d.key not in written]
        audience = await load_audience(s, {units[d.assignment_id] for d in due})
    keys = set()
    for d in due:
        escalation = d.kind == ReminderKind.ESCALATION
        for person in audience.of(units[d.assignment_id], escalation=escalation)[0]:
            slot = d.slot.isoformat()
            keys.add(f"remind:{d.assignment_id}:{d.kind.value}:{slot}:{person.person_id}")
    return keys


def _facts(a: Assignment, kind: str, cancelled: datetime | None) -> AssignmentFacts:
    return AssignmentFacts(
        id=a.id,  # type: ignore[arg-type]
        task_kind=kind,
        deadline=a.deadline,
        period_start=a.period_start,
        status=a.status,
        snoozed_until=a.snoozed_until,
        cancelled=a.cancelled_at is not None,
        task_cancelled=cancelled is not None,
        role=a.role,
    )


async def _written(s: AsyncSession) -> set[tuple[int, str, datetime]]:
    rows = (await s.execute(select(OutboxMessage))).scalars()
    return {
        (r.assignment_id, r.kind, datetime.fromisoformat(r.payload["slot"]))  # type: ignore[misc]
        for r in rows
        if r.status != OutboxStatus.FAILED and r.kind in set(ReminderKind)
    }
