"""Whatever changes a schedule makes the next sweep look again: an answer, a snooze, an
extension, a re-import, someone away or registering, and new rules at start. Each is driven
through the service's own path (the conversation, the CLI, the importer, the service start)
on the example plan, and each shows a reminder that is due only because of the change."""

import asyncio
import json
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.conversation.core import Conversation
from bot.importing.service import PlanOptions, import_plan_file
from bot.service import App, open_app, serve
from bot.settings import load_settings
from scheduler.jobs import run_sweep
from scheduler.sweep import plan_reminders
from storage.models import Assignment, ChannelIdentity, OutboxMessage, Task, Unit
from storage.vocab import OutboxKind, PersonRole, ReminderKind
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import make_conversation, register, text_of
from tests.factories import EXAMPLE_PLAN, invite_code
from tests.fakes.clock import ManualClock
from tests.test_import import PLAN_YAML, UNITS, run

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TP = "Phòng Tư pháp"
Written = list[tuple[str, str, str]]  # (task code, kind, slot's local day) per new row


def at(app: App, day: date, hour: int = 9, minute: int = 0) -> datetime:
    return app.rules.calendar.instant(day, time(hour, minute))


async def sweep(app: App, when: datetime, *, person: str = "501") -> Written:
    """One sweep at `when`; the reminders it wrote for the person on Telegram as `person`."""
    assert isinstance(app.clock, ManualClock)
    app.clock.move_to(when)
    last = await last_row(app)
    await run_sweep(
        sessions=app.sessions,
        now=app.clock.now,
        calendar=app.rules.calendar,
        config_for_plan=app.rules.reminders.for_plan,
    )
    return await _written_since(app, last, person)


async def last_row(app: App) -> int:
    async with app.sessions() as s:
        query = select(OutboxMessage.id).order_by(col(OutboxMessage.id).desc())
        return (await s.execute(query)).scalars().first() or 0


async def _written_since(app: App, after: int, user_id: str) -> Written:
    query = (
        select(OutboxMessage.kind, OutboxMessage.payload, Task.code)
        .join(Assignment, Assignment.id == OutboxMessage.assignment_id)
        .join(Task, Task.id == Assignment.task_id)
        .join(ChannelIdentity, ChannelIdentity.person_id == OutboxMessage.person_id)
        .where(
            OutboxMessage.id > after,
            ChannelIdentity.user_id == user_id,
            col(OutboxMessage.kind).in_(list(ReminderKind)),
        )
        .order_by(col(Task.code), col(OutboxMessage.kind))
    )
    async with app.sessions() as s:
        rows = (await s.execute(query)).all()
    tz = app.settings.timezone
    return [
        (code, kind, str(datetime.fromisoformat(payload["slot"]).astimezone(tz).date()))
        for kind, payload, code in rows
    ]


def of(rows: Written, code: str) -> Written:
    return [r for r in rows if r[0] == code]


async def assignment_id(app: App, code: str, unit: str = TP) -> int:
    async with app.sessions() as s:
        query = (
            select(Assignment.id)
            .join(Task)
            .join(Unit)
            .where(Task.code == code, Unit.name == unit)
            .order_by(Assignment.deadline)
        )
        return (await s.execute(query)).scalars().first()  # type: ignore[return-value]


async def person_id(app: App, user_id: str) -> int:
    async with app.sessions() as s:
        query = select(ChannelIdentity.person_id).where(ChannelIdentity.user_id == user_id)
        return (await s.execute(query)).scalar_one()


async def test_a_task_reopened_after_done_is_reminded_again(app: App, lan: Phone) -> None:
    """2.1 is ongoing: a check-in on each month's first working day, none once done."""
    assert of(await sweep(app, at(app, date(2023, 3, 1))), "2.1") == [
        ("2.1", "monthly_checkin", "2023-03-01")
    ]
    await lan.send("/update 2.1 xong")
    assert of(await sweep(app, at(app, date(2023, 4, 3))), "2.1") == []  # done: no check-in
    await lan.send("/update 2.1 đang làm 50%")  # not done after all
    assert of(await sweep(app, at(app, date(2023, 4, 3), 9, 5)), "2.1") == [
        ("2.1", "monthly_checkin", "2023-04-03")
    ]


async def test_a_snoozed_reminder_comes_back_the_next_working_morning(
    app: App, lan: Phone, convo: Conversation
) -> None:
    """2.2 is due 31/03/2023: 7 days before on Friday 24/3, 3 days before on Tuesday 28/3."""
    assert of(await sweep(app, at(app, date(2023, 3, 24))), "2.2") == [
        ("2.2", "before_7d", "2023-03-24")
    ]
    snooze = convo.deps.signer.payload(
        "snooze", await assignment_id(app, "2.2"), await person_id(app, "501")
    )
    assert "08:00 27/03/2023" in text_of(await lan.press(snooze))
    assert of(await sweep(app, at(app, date(2023, 3, 24), 10)), "2.2") == []
    assert of(await sweep(app, at(app, date(2023, 3, 27), 8, 1)), "2.2") == [
        ("2.2", "snoozed", "2023-03-27")
    ]


async def test_an_approved_extension_puts_the_task_on_the_new_deadlines_reminders(
    app: App, lan: Phone, convo: Conversation
) -> None:
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    assert of(await sweep(app, at(app, date(2023, 4, 4))), "2.2") == [
        ("2.2", "overdue", "2023-04-04")  # due 31/03, 2 working days late
    ]
    sent = await lan.send("/update 2.2 xin gia hạn đến 10/4/2023")
    assert "Đã gửi đề nghị gia hạn nhiệm vụ 2.2 đến 10/04/2023" in text_of(sent)
    async with app.sessions() as s:
        query = select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.EXTENSION_REQUEST)
        request = (await s.execute(query)).scalar_one()
    approve = convo.deps.signer.payload(
        "approve", request.payload["target"], await person_id(app, "700")
    )
    app.clock.move_to(at(app, date(2023, 4, 4), 10))
    assert "đến 10/04/2023" in text_of(await boss.press(approve))
    # 7 days before 10/04 was Monday 03/04: the new deadline's latest reminder, at once.
    assert of(await sweep(app, at(app, date(2023, 4, 4), 10, 1)), "2.2") == [
        ("2.2", "before_7d", "2023-04-03")
    ]
    assert of(await sweep(app, at(app, date(2023, 4, 6))), "2.2") == []  # no longer overdue
    assert of(await sweep(app, at(app, date(2023, 4, 7))), "2.2") == [
        ("2.2", "before_1wd", "2023-04-07")  # 3 days and 1 working day before: the same day
    ]


async def test_a_reimported_deadline_is_reminded_on_its_new_dates(
    app: App, lan: Phone, tmp_path: Path
) -> None:
    assert of(await sweep(app, at(app, date(2023, 3, 1))), "2.2") == []  # due 31/03: not yet
    edited = tmp_path / "ke-hoach.yaml"
    text = EXAMPLE_PLAN.read_text(encoding="utf-8")
    marker = "dõi thi hành pháp luật\n"
    head, tail = text.split(marker, 1)
    tail = tail.replace("deadline: tháng 3/2023", "deadline: 6/3/2023", 1)
    edited.write_text(head + marker + tail, encoding="utf-8")
    await import_plan_file(app.sessions, edited, PlanOptions(), now=app.clock.now())
    # Due 06/03 now: 7 days before was Monday 27/02, the next one is Friday 03/03.
    assert of(await sweep(app, at(app, date(2023, 3, 1), 9, 5)), "2.2") == [
        ("2.2", "before_7d", "2023-02-27")
    ]
    assert of(await sweep(app, at(app, date(2023, 3, 3))), "2.2") == [
        ("2.2", "before_1wd", "2023-03-03")
    ]


async def test_new_rules_at_start_are_applied_to_every_open_schedule(
    app: App, lan: Phone, tmp_path: Path
) -> None:
    assert of(await sweep(app, at(app, date(2023, 3, 15))), "2.2") == []  # 7 days: 24/03
    rules = tmp_path / "nhac-viec.yaml"
    rules.write_text("defaults:\n  first_days_before: 20\n", encoding="utf-8")
    settings = replace(app.settings, reminder_config_file=rules)
    last = await last_row(app)
    async with open_app(settings, app.clock) as restarted:
        stop = asyncio.Event()
        stop.set()  # start, then stop at once: the start-up is what matters here
        await serve(restarted, [], stop)  # its own first sweep may run, or not
        await sweep(restarted, at(app, date(2023, 3, 15), 9, 5))
        # 20 days before 31/03 is Saturday 11/03: Friday 10/03, already past.
        assert of(await _written_since(restarted, last, "501"), "2.2") == [
            ("2.2", "before_7d", "2023-03-10")
        ]


def _sweep_in_cli(when: str, user_id: str) -> Written:
    async def go() -> Written:
        clock = ManualClock(datetime.fromisoformat(when))
        async with open_app(load_settings(env_file=None), clock) as app:
            return await sweep(app, clock.now(), person=user_id)

    return asyncio.run(go())


def _register_in_cli(tmp_path: Path, user_id: str, *, deputy: bool) -> None:
    async def go() -> None:
        async with open_app(load_settings(env_file=None)) as app:
            code = await invite_code(app, TP, PersonRole.FOCAL, deputy=deputy)
            answer = await Phone(make_conversation(app, tmp_path), user_id).send(f"/start {code}")
            assert "đã được đăng ký" in text_of(answer)

    asyncio.run(go())


def test_reminders_nobody_could_receive_go_to_whoever_can_once_they_can(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "units", "import", UNITS)[0] == 0
    assert run(capsys, "import", str(PLAN_YAML))[0] == 0
    _register_in_cli(cli_env, "11", deputy=False)
    lan = next(p["id"] for p in json.loads(run(capsys, "people", "list", "--json")[1]))
    assert run(capsys, "people", "away", str(lan))[0] == 0  # away, and no deputy yet
    assert of(_sweep_in_cli("2023-03-24T09:00+07:00", "11"), "2.2") == []
    assert run(capsys, "people", "away", str(lan), "--back")[0] == 0
    assert of(_sweep_in_cli("2023-03-24T09:05+07:00", "11"), "2.2") == [
        ("2.2", "before_7d", "2023-03-24")
    ]
    assert run(capsys, "people", "away", str(lan))[0] == 0
    assert of(_sweep_in_cli("2023-03-28T09:00+07:00", "11"), "2.2") == []
    _register_in_cli(cli_env, "12", deputy=True)  # a deputy registers: it goes to them
    assert of(_sweep_in_cli("2023-03-28T09:05+07:00", "12"), "2.2") == [
        ("2.2", "before_3d", "2023-03-28")
    ]


async def test_after_a_week_down_one_reminder_per_assignment_as_the_policy_says(
    app: App, lan: Phone, convo: Conversation
) -> None:
    await register(app, convo, "700", None, PersonRole.COORDINATOR)
    await sweep(app, at(app, date(2023, 3, 31)))  # the first quarter's tasks are due today
    back = at(app, date(2023, 4, 10))  # down from 31/03 to 10/04: overdue, and escalated
    async with app.sessions() as s:
        planned = await plan_reminders(
            s, now=back, calendar=app.rules.calendar, config_for_plan=app.rules.reminders.for_plan
        )
    expected = {p.dedupe_key for p in planned if p.recipient is not None}
    app.clock.move_to(back)
    last = await last_row(app)
    result = await run_sweep(
        sessions=app.sessions,
        now=app.clock.now,
        calendar=app.rules.calendar,
        config_for_plan=app.rules.reminders.for_plan,
    )
    async with app.sessions() as s:
        rows = (
            (await s.execute(select(OutboxMessage).where(col(OutboxMessage.id) > last)))
            .scalars()
            .all()
        )
    assert {r.dedupe_key for r in rows} == expected and result.written == len(rows) > 20
    tracks = [(r.assignment_id, r.kind == "escalation", r.person_id) for r in rows]
    assert len(tracks) == len(set(tracks))  # one per assignment (and one escalation), not per slot
    kinds = {(r.kind, r.payload["slot"]) for r in rows}
    # 04/04 and 06/04 were overdue days too: only the latest one, and the escalation of 07/04.
    assert kinds == {
        ("monthly_checkin", "2023-04-03T01:00:00+00:00"),
        ("overdue", "2023-04-10T01:00:00+00:00"),
        ("escalation", "2023-04-07T01:00:00+00:00"),
    }
