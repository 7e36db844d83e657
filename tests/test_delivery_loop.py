"""The service's delivery loop: a pass longer than its period is followed by the next one,
with no warning logged every period (APScheduler's "skipped: maximum number of running
instances reached" while the delivery job was an interval job)."""

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.channels.base import (
    Attachment,
    Capabilities,
    InboundHandler,
    Outbound,
    Sent,
)
from bot.service import App, load_rules, serve
from storage.db import transaction
from storage.outbox import enqueue, message_row
from storage.vocab import OutboxKind, PersonRole
from tests import factories
from tests.fakes import ManualClock
from tests.service_kit import any_hour

pytestmark = pytest.mark.backends("sqlite", "postgresql")

PEOPLE = 20


class SlowNetwork:
    """A channel whose every send takes a little real time, as a real network's does."""

    name = "slow"
    capabilities = Capabilities(
        buttons=False, max_text=4096, files=False, overall_per_second=1000, per_chat_per_second=1000
    )

    def __init__(self, expected: int) -> None:
        self.sent: list[str] = []
        self.expected = expected
        self.all_sent = asyncio.Event()

    async def start(self, handler: InboundHandler) -> None: ...

    async def stop(self) -> None: ...

    async def watch(self) -> None:
        await asyncio.get_running_loop().create_future()

    async def send(self, chat_id: str, message: Outbound) -> Sent:
        await asyncio.sleep(0.02)  # the network's time: the pass outlasts its 0.05 s period
        self.sent.append(chat_id)
        if len(self.sent) >= self.expected:
            self.all_sent.set()
        return Sent(str(len(self.sent)))

    async def download(self, attachment: Attachment, limit: int) -> bytes:
        raise NotImplementedError

    def invite_link(self, code: str) -> str | None:
        return None

    def is_group(self, chat_id: str) -> bool:
        return False


@pytest.fixture
def today_app(app: App, tmp_path: Path) -> App:
    """The app on a clock at the real moment, the sending window open all day: APScheduler
    runs in real time, and a sweep first due in 2023 would count every minute since."""
    files = {name.lower(): Path(path) for name, path in any_hour(tmp_path).items()}
    settings = replace(app.settings, **files)
    return replace(
        app, settings=settings, clock=ManualClock(datetime.now(UTC)), rules=load_rules(settings)
    )


async def test_a_long_delivery_pass_logs_no_warning_and_delivers_everything(
    today_app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app = today_app
    now = app.clock.now()
    async with transaction(app.sessions) as session:
        for n in range(PEOPLE):
            person = await factories.person(
                session, f"Người {n}", PersonRole.COORDINATOR, channel="slow", user_id=str(n)
            )
            row = message_row(
                key=f"notice:{n}",
                person_id=person.id,
                kind=OutboxKind.UNREACHABLE,
                text="Tin",
                now=now,
            )
            await enqueue(session, [row])
    network, stop = SlowNetwork(PEOPLE), asyncio.Event()
    caplog.set_level(logging.WARNING)
    service = asyncio.create_task(serve(app, [network], stop, delivery_every=0.05))
    await asyncio.wait_for(network.all_sent.wait(), 10)
    await asyncio.sleep(0.1)  # two more periods of the (real-time) loop, now idle
    stop.set()
    await asyncio.wait_for(service, 10)
    assert sorted(network.sent, key=int) == [str(n) for n in range(PEOPLE)]  # each once
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
