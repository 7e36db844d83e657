"""The sweep writes due reminders into the outbox once, on real SQLite files."""

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from bot.conversation.buttons import ButtonSigner
from bot.delivery.render import render
from bot.service import App
from scheduler.calendar import WorkCalendar
from scheduler.jobs import (
    DIGEST_JOB,
    SWEEP_JOB,
    add_digest_job,
    build_scheduler,
    recheck_if_rules_changed,
    run_sweep,
)
from scheduler.reminder_config import ReminderConfig, ReminderSettings
from scheduler.rules import rules_fingerprint
from scheduler.sweep import plan_reminders, sweep, write_reminders
from storage.db import create_engine, session_factory, transaction
from storage.models import (
    Assignment,
    OutboxMessage,
    Person,
    Task,
)
from storage.vocab import PersonRole
from tests import factories
from tests.fakes.clock import ManualClock

pytestmark = pytest.mark.backends("sqlite", "postgresql")

CAL = WorkCalendar.load()
RULES = ReminderSettings(ReminderConfig())


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return CAL.instant(day, time(hour, minute))


@dataclass
class World:
    assignment: int
    unit: int
    focal: int
    deputy: int
    coordinators: list[int]


async def person(session: Any, name: str, role: str, unit: int | None = None, **kw: Any) -> int:
    made = await factories.person(session, name, role, unit, channel="telegram", user_id=name, **kw)
    return made.id  # type: ignore[return-value]


async def build_world(app: App, deadline: date = date(2023, 6, 30)) -> World:
    """One plan, one task due `deadline` for Phòng Tư pháp, its focal and deputy, coordinators."""
    async with transaction(app.sessions) as s:
        plan = await factories.plan(s)
        unit = await factories.unit(s, "Phòng Tư pháp", "department")
        other = await factories.unit(s, "UBND xã Hương Trà", "commune")
        task = await factories.task(s, plan.id, "2.2")  # type: ignore[arg-type]
        a = await factories.assignment(s, task.id, unit.id, deadline)  # type: ignore[arg-type]
        await factories.assignment(s, task.id, other.id, deadline, role="support")  # type: ignore[arg-type]
        focal = await person(s, "Nguyễn Văn A", PersonRole.FOCAL, unit.id)
        deputy = await person(s, "Trần Thị B", PersonRole.FOCAL, unit.id, is_deputy=True)
        coordinators = [
            await person(s, "Lê C", PersonRole.COORDINATOR),
            await person(s, "Phạm D", PersonRole.COORDINATOR),
        ]
        await person(s, "Cũ E", PersonRole.COORDINATOR, active=False)
    return World(a.id, unit.id, focal, deputy, coordinators)


async def run(app: App, now: datetime) -> int:
    async with transaction(app.sessions) as session:
        result = await sweep(session, now=now, calendar=CAL, config_for_plan=RULES.for_plan)
    return result.written


async def outbox(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list(
            (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        )


async def test_a_due_reminder_is_written_once_however_often_the_sweep_runs(app: App) -> None:
    world = await build_world(app)
    now = at(date(2023, 6, 23), 8, 0)
    assert await run(app, now) == 1
    assert await run(app, now) == 0
    assert await run(app, at(date(2023, 6, 23), 8, 1)) == 0
    (row,) = await outbox(app)
    slot = "2023-06-23T01:00:00+00:00"
    assert row.dedupe_key == f"remind:{world.assignment}:before_7d:{slot}:{world.focal}"
    assert (row.kind, row.person_id, row.assignment_id, row.status) == (
        "before_7d",
        world.focal,
        world.assignment,
        "pending",
    )
    assert row.not_before == now
    assert row.payload == {
        "kind": "before_7d",
        "slot": slot,
        "assignment_id": world.assignment,
        "deadline": "2023-06-30",
    }
    # The next rung of the ladder is a new slot, hence a new row.
    assert await run(app, at(date(2023, 6, 27), 9)) == 1


async def test_two_machines_sweeping_the_same_database_write_each_reminder_once(
    app: App, settings: Any
) -> None:
    world = await build_world(app)
    engines = [create_engine(settings.database_url) for _ in range(2)]
    try:
        makers = [session_factory(e) for e in engines]
        now = at(date(2023, 7, 7), 9)  # overdue to the unit and an escalation to coordinators

        async def one(maker: Any) -> int:
            return await run_sweep(
                sessions=maker, now=lambda: now, calendar=CAL, config_for_plan=RULES.for_plan
            )

        results = await asyncio.gather(*(one(m) for m in makers))
        # The focal person's overdue reminder, and the lead's escalation to 2 coordinators (the
        # supporting unit is not escalated).
        assert sum(r.written for r in results) == 3
        # The worst interleaving: both read before either writes.
        async with makers[0]() as first, makers[1]() as second:
            args = {
                "now": at(date(2023, 7, 10), 9),
                "calendar": CAL,
                "config_for_plan": RULES.for_plan,
            }
            planned = [await plan_reminders(s, **args) for s in (first, second)]
            assert planned[0] == planned[1] and len(planned[0]) == 2  # overdue; no focal for xã
            assert await write_reminders(first, planned[0], now=args["now"]) == 1
            await first.commit()
            assert await write_reminders(second, planned[1], now=args["now"]) == 0
            await second.commit()
    finally:
        for engine in engines:
            await engine.dispose()
    rows = await outbox(app)
    assert len(rows) == len({r.dedupe_key for r in rows}) == 4
    assert {r.person_id for r in rows if r.kind == "escalation"} == set(world.coordinators)


async def test_an_away_focal_person_hands_reminders_to_the_deputy(app: App) -> None:
    world = await build_world(app)
    async with transaction(app.sessions) as s:
        await s.execute(update(Person).where(Person.id == world.focal).values(away=True))
    async with app.sessions() as s:
        planned = await plan_reminders(
            s, now=at(date(2023, 6, 23)), calendar=CAL, config_for_plan=RULES.for_plan
        )
    mine = [p for p in planned if p.target.unit_id == world.unit]
    assert [(p.recipient.person_id, p.recipient.stands_in_for) for p in mine] == [  # type: ignore[union-attr]
        (world.deputy, "Nguyễn Văn A")
    ]
    assert await run(app, at(date(2023, 6, 23))) == 1
    assert [r.person_id for r in await outbox(app)] == [world.deputy]


async def test_escalation_goes_to_every_active_coordinator(app: App) -> None:
    world = await build_world(app)
    await run(app, at(date(2023, 7, 6), 9))  # the overdue reminder of that day
    assert await run(app, at(date(2023, 7, 7), 9)) == 2  # the lead's, never the supporting unit's
    rows = [
        r
        for r in await outbox(app)
        if r.kind == "escalation" and r.assignment_id == world.assignment
    ]
    assert sorted(r.person_id for r in rows) == sorted(world.coordinators)
    assert {r.payload["slot"] for r in rows} == {"2023-07-07T01:00:00+00:00"}


async def test_a_done_assignment_gets_nothing(app: App) -> None:
    world = await build_world(app)
    async with transaction(app.sessions) as s:
        await s.execute(
            update(Assignment).where(Assignment.id == world.assignment).values(status="done")
        )
    for day in (date(2023, 6, 23), date(2023, 6, 30), date(2023, 7, 7), date(2023, 12, 1)):
        await run(app, at(day, 10))
    assert [r for r in await outbox(app) if r.assignment_id == world.assignment] == []
    async with app.sessions() as s:  # the supporting unit's share is still told (it has nobody)
        planned = await plan_reminders(
            s, now=at(date(2023, 6, 23)), calendar=CAL, config_for_plan=RULES.for_plan
        )
    assert [(p.target.unit, p.due.kind) for p in planned] == [
        ("UBND xã Hương Trà", "support_notice")
    ]


async def test_a_unit_without_a_focal_person_is_reported_not_written(app: App) -> None:
    await build_world(app)
    async with app.sessions() as s:
        planned = await plan_reminders(
            s, now=at(date(2023, 6, 23)), calendar=CAL, config_for_plan=RULES.for_plan
        )
    gaps = [(p.target.unit, p.gap) for p in planned if p.recipient is None]
    assert gaps == [("UBND xã Hương Trà", "no_focal")]
    assert await run(app, at(date(2023, 6, 23))) == 1


async def test_nothing_is_written_outside_the_sending_window(app: App) -> None:
    await build_world(app)
    assert await run(app, at(date(2023, 6, 23), 7, 0)) == 0
    assert await run(app, at(date(2023, 6, 24), 9, 0)) == 0  # Saturday
    assert await run(app, at(date(2023, 6, 26), 7, 30)) == 1  # Monday: the waiting one goes


async def test_the_scheduler_has_fixed_jobs_and_the_sweep_job_reads_the_injected_clock(
    app: App,
) -> None:
    await build_world(app)
    clock = ManualClock(at(date(2023, 6, 23), 9))
    scheduler = build_scheduler(
        app.settings.timezone,
        sessions=app.sessions,
        now=clock.now,
        calendar=CAL,
        config_for_plan=RULES.for_plan,
    )

    async def digest() -> None: ...

    add_digest_job(scheduler, digest, every=300, kwargs={})
    add_digest_job(scheduler, digest, every=300, kwargs={})  # a restart: not added twice
    assert str(scheduler.timezone) == "Asia/Ho_Chi_Minh"
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {SWEEP_JOB, DIGEST_JOB}
    sweep_job = jobs[SWEEP_JOB]
    assert (sweep_job.coalesce, sweep_job.max_instances) == (True, 1)
    assert sweep_job.trigger.interval.total_seconds() == 60
    result = await sweep_job.func(**sweep_job.kwargs)
    assert result.written == 1
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    async with app.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one() == 1


@pytest.mark.parametrize("hour", [7, 18])
async def test_a_sweep_job_outside_the_window_reads_nothing_it_does_not_need(
    app: App, hour: int
) -> None:
    await build_world(app)
    async with app.sessions() as s:
        planned = await plan_reminders(
            s, now=at(date(2023, 6, 23), hour), calendar=CAL, config_for_plan=RULES.for_plan
        )
    assert planned == []


async def test_a_cancelled_task_gets_nothing(app: App) -> None:
    await build_world(app)
    async with transaction(app.sessions) as s:
        await s.execute(update(Task).values(cancelled_at=at(date(2023, 6, 1))))
    assert await run(app, at(date(2023, 7, 7), 9)) == 0


async def test_a_supporting_unit_is_told_once_whom_it_supports(app: App) -> None:
    world = await build_world(app)
    async with transaction(app.sessions) as s:
        other = (
            await s.execute(select(Assignment).where(Assignment.role == "support"))
        ).scalar_one()
        helper = await person(s, "Hồ F", PersonRole.FOCAL, other.unit_id)
    for day in (date(2023, 6, 23), date(2023, 6, 27), date(2023, 7, 7), date(2023, 8, 1)):
        await run(app, at(day, 9))
    mine = [(r.kind, r.payload["slot"]) for r in await outbox(app) if r.person_id == helper]
    assert mine == [("support_notice", "2023-06-23T01:00:00+00:00")]
    escalated = {r.assignment_id for r in await outbox(app) if r.kind == "escalation"}
    assert escalated == {world.assignment}
    (row,) = [r for r in await outbox(app) if r.person_id == helper]
    async with app.sessions() as session:
        who = await session.get(Person, helper)
        shown = await render(
            session,
            row,
            who,
            ButtonSigner(b"k" * 32),
            at(date(2023, 6, 23), 9),
            CAL.timezone,  # type: ignore[arg-type]
            app.rules.days_late,
        )
    assert shown.text.startswith("🤝 Nhiệm vụ 2.2 do Phòng Tư pháp chủ trì (hạn 30/06/2023)")
    assert "Đơn vị: UBND xã Hương Trà (phối hợp với Phòng Tư pháp là đơn vị chủ trì)" in shown.text


async def test_a_plan_may_remind_its_supporting_units_or_leave_them_out(app: App) -> None:
    await build_world(app)
    async with transaction(app.sessions) as s:
        other = (
            await s.execute(select(Assignment).where(Assignment.role == "support"))
        ).scalar_one()
        helper = await person(s, "Hồ F", PersonRole.FOCAL, other.unit_id)
    day0 = date(2023, 6, 1)
    for rule, kinds in (("none", []), ("remind", ["before_7d", "before_3d", "overdue"])):
        settings = ReminderSettings(ReminderConfig(supporting=rule))
        # The service started with these rules: every open schedule is computed again.
        fingerprint = rules_fingerprint(CAL, settings)
        assert await recheck_if_rules_changed(app.sessions, fingerprint=fingerprint, now=at(day0))
        async with transaction(app.sessions) as s:
            await s.execute(delete(OutboxMessage))
            for day in (date(2023, 6, 23), date(2023, 6, 27), date(2023, 7, 7)):
                await sweep(s, now=at(day, 9), calendar=CAL, config_for_plan=settings.for_plan)
        assert [r.kind for r in await outbox(app) if r.person_id == helper] == kinds
