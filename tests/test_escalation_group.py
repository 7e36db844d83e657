"""Escalations that fall due together reach each coordinator as one message, by unit, split only
at the channel's length limit; after downtime, one catch-up message. Real sweep, real outbox,
real delivery worker, a recording channel and the test clock."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from bot.channels.base import Capabilities, InboundHandler, Outbound, Sent
from bot.conversation.buttons import ButtonSigner
from bot.delivery.worker import Delivery
from bot.service import App
from scheduler.calendar import WorkCalendar
from scheduler.reminder_config import ReminderConfig, ReminderSettings
from scheduler.sweep import sweep
from storage.db import transaction
from storage.models import OutboxMessage
from storage.vocab import PersonRole
from tests import factories
from tests.fakes.clock import ManualClock

pytestmark = pytest.mark.backends("sqlite", "postgresql")

CAL = WorkCalendar.load()
RULES = ReminderSettings(ReminderConfig())
UNITS = ("Phòng Tư pháp", "Phòng Tài chính - Kế hoạch", "UBND xã Hương Trà")


def at(day: date, hour: int = 9) -> datetime:
    return CAL.instant(day, time(hour, 0))


@dataclass
class Recording:
    """A channel that keeps what it is asked to send."""

    capabilities: Capabilities = Capabilities(buttons=False, max_text=4096, files=False)
    name: str = "telegram"
    sent: list[tuple[str, str]] = field(default_factory=list)

    async def start(self, handler: InboundHandler) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, chat_id: str, message: Outbound) -> Sent:
        self.sent.append((chat_id, message.text))
        return Sent(message_id=str(len(self.sent)))

    async def download(self, attachment: object, limit: int) -> bytes:
        raise NotImplementedError

    def invite_link(self, code: str) -> str | None:
        return None

    def is_group(self, chat_id: str) -> bool:
        return False


async def world(app: App, deadlines: dict[str, date]) -> None:
    """Each unit leads each task (code → deadline) and has a focal person; two coordinators."""
    async with transaction(app.sessions) as s:
        plan = await factories.plan(s)
        units = [await factories.unit(s, name) for name in UNITS]
        for code, deadline in deadlines.items():
            task = await factories.task(s, plan.id, code, title=f"Nhiệm vụ {code}")  # type: ignore[arg-type]
            for unit in units:
                await factories.assignment(s, task.id, unit.id, deadline)  # type: ignore[arg-type]
        for n, unit in enumerate(units):
            await factories.person(s, f"Đầu mối {n}", PersonRole.FOCAL, unit.id, channel="telegram")
        for name in ("Lê C", "Phạm D"):
            await factories.person(
                s, name, PersonRole.COORDINATOR, channel="telegram", user_id=name
            )


async def run_sweep(app: App, now: datetime) -> None:
    async with transaction(app.sessions) as s:
        await sweep(s, now=now, calendar=CAL, config_for_plan=RULES.for_plan)


def delivery(app: App, clock: ManualClock, channel: Recording) -> Delivery:
    made = Delivery(
        sessions=app.sessions,
        channels={channel.name: channel},
        signer=ButtonSigner(b"k" * 32),
        clock=clock,
        timezone=CAL.timezone,
        days_late=app.rules.days_late,
    )
    made.sleep = clock.sleep  # waits on the test clock: no real waiting
    return made


def to(channel: Recording, who: str) -> list[str]:
    return [text for chat, text in channel.sent if chat == who]


async def escalations(app: App) -> list[OutboxMessage]:
    async with app.sessions() as s:
        query = select(OutboxMessage).where(OutboxMessage.kind == "escalation")
        return list((await s.execute(query)).scalars())


async def test_escalations_due_together_go_out_as_one_message_by_unit(
    app: App, clock: ManualClock
) -> None:
    await world(app, {"1.1": date(2023, 6, 30), "1.2": date(2023, 6, 30)})
    channel = Recording()
    now = at(date(2023, 7, 7))  # 5 working days after 30/06
    clock.move_to(now)
    await run_sweep(app, now)
    assert len(await escalations(app)) == 2 * 3 * 2  # still one row per (escalation, person)
    await delivery(app, clock, channel).run_once()
    (message,) = to(channel, "Lê C")
    assert len(to(channel, "Phạm D")) == 1
    lines = message.splitlines()
    assert lines[0].startswith("🔺 6 lượt giao quá hạn chưa hoàn thành của 3 đơn vị chủ trì")
    assert lines[1:4] == [
        "Phòng Tài chính - Kế hoạch (2):",
        "• 1.1 Nhiệm vụ 1.1 — quá hạn 5 ngày làm việc (hạn 30/06/2023)",
        "• 1.2 Nhiệm vụ 1.2 — quá hạn 5 ngày làm việc (hạn 30/06/2023)",
    ]
    assert "Phòng Tư pháp (2):" in lines and "UBND xã Hương Trà (2):" in lines
    rows = await escalations(app)
    assert {r.status for r in rows} == {"sent"}
    assert len({(r.person_id, r.message_id) for r in rows}) == 2  # one message each
    # Sweeping and delivering again adds nothing: the dedupe keys still hold.
    await run_sweep(app, now)
    await delivery(app, clock, channel).run_once()
    assert len(to(channel, "Lê C")) == 1


async def test_a_long_group_is_split_only_at_the_channel_limit(
    app: App, clock: ManualClock
) -> None:
    await world(app, {f"2.{n}": date(2023, 6, 30) for n in range(1, 9)})  # 24 escalations
    channel = Recording(Capabilities(buttons=False, max_text=600, files=False))
    now = at(date(2023, 7, 7))
    clock.move_to(now)
    await run_sweep(app, now)
    await delivery(app, clock, channel).run_once()
    parts = to(channel, "Lê C")
    assert 2 < len(parts) < 6 and all(len(p.encode("utf-16-le")) // 2 <= 600 for p in parts)
    shown = [line for p in parts for line in p.splitlines() if line.startswith("• ")]
    assert len(shown) == 24  # every escalation once, none twice
    assert all(len(p.splitlines()) > 6 for p in parts[:-1])  # each part filled before the next


async def test_after_downtime_each_coordinator_gets_one_catch_up_message(
    app: App, clock: ManualClock
) -> None:
    # Deadlines a week apart: their escalations fall on different days while nothing is sent.
    await world(app, {"3.1": date(2023, 6, 23), "3.2": date(2023, 6, 30)})
    channel = Recording()
    for day in (date(2023, 6, 30), date(2023, 7, 7)):
        await run_sweep(app, at(day))  # the sweep ran; the sender was down
    clock.move_to(at(date(2023, 7, 10)))
    await delivery(app, clock, channel).run_once()
    (catch_up,) = to(channel, "Lê C")
    assert catch_up.startswith("🔺 6 lượt giao quá hạn")
    assert "• 3.1 Nhiệm vụ 3.1 — quá hạn 11 ngày làm việc (hạn 23/06/2023)" in catch_up
