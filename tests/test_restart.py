"""A real service process killed with SIGKILL in the middle of a concurrent delivery burst (a
network 150 ms away, so several sends are in flight at once), then started again: every
reminder is delivered, and at most the messages in flight are repeated."""

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.delivery.worker import MAX_IN_FLIGHT
from bot.service import App
from storage.models import OutboxMessage
from tests.conversation_kit import assignment_of
from tests.factories import load_example
from tests.fakes import FakeBotApi, User
from tests.service_kit import start_service
from tests.telegram_kit import queue_reminder, telegram_person

pytestmark = pytest.mark.backends("sqlite", "postgresql")

PEOPLE = 40
CODES = ("1.1", "2.1")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    # Real time: a real process is on the other side.
    async with FakeBotApi(latency=0.15) as server:
        yield server


def delivered(api: FakeBotApi) -> Counter[tuple[int, str]]:
    return Counter(
        (7000 + i, message.text or "") for i in range(PEOPLE) for message in api.sent_to(7000 + i)
    )


def serving(api: FakeBotApi, *, processes: int) -> bool:
    """The n-th process polls: its channel and signal handlers are in place."""
    methods = [call.method.lower() for call in api.calls]
    starts = [i for i, method in enumerate(methods) if method == "deletewebhook"]
    return len(starts) >= processes and "getupdates" in methods[starts[processes - 1] :]


async def until_all_recorded(app: App, total: int, *, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        async with app.sessions() as session:
            statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
        if statuses.count("sent") == total:
            return
        await asyncio.sleep(0.2)  # a real process on the other side: real time passes


async def backlog(app: App, api: FakeBotApi) -> int:
    """Two reminders for each of PEOPLE people, queued; returns how many."""
    await load_example(app)
    people = [await telegram_person(app, api, User(7000 + i, f"Người {i}")) for i in range(PEOPLE)]
    for code in CODES:  # one round over everybody, then the next, as the sweep writes them
        target = await assignment_of(app, code, "Phòng Tư pháp")
        for person_id in people:
            await queue_reminder(app, person_id=person_id, assignment_id=target.id)
    return PEOPLE * len(CODES)


async def test_a_killed_service_loses_no_reminder(
    app: App, api: FakeBotApi, tmp_path: Path
) -> None:
    total = await backlog(app, api)

    first = start_service(api, app.settings.database_url, tmp_path)
    try:
        await api.wait_until(lambda: sum(delivered(api).values()) >= 15, within=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert sum(delivered(api).values()) < total, "the burst ended before the kill"

    second = start_service(api, app.settings.database_url, tmp_path)
    try:
        await api.wait_until(lambda: len(delivered(api)) >= total, within=90)
        # Rows in flight at the kill were sent but never recorded: once their lease runs
        # out the new process takes them back and sends them again (the repeats allowed).
        await until_all_recorded(app, total, within=60)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, (tmp_path / "service.log").read_text()

    counts = delivered(api)
    assert len(counts) == total
    # Only messages in flight may repeat: sent, their answer or their record not yet back.
    assert sum(counts.values()) - total <= MAX_IN_FLIGHT
    # The new process cannot know what the killed one sent in its last second, so chats
    # reached in that second (30 at most) may answer 429; each is waited out, nothing is lost.
    assert api.rejected_429 <= 30
    async with app.sessions() as session:
        statuses = Counter((await session.execute(select(OutboxMessage.status))).scalars().all())
    assert statuses == {"sent": total}


async def test_a_second_process_on_the_same_machine_sends_nothing_twice(
    app: App, api: FakeBotApi, tmp_path: Path
) -> None:
    """A restart overlapping the old process, or two systemd units by mistake: the newcomer
    never takes the running one's rows in flight (only leases that ran out)."""
    total = await backlog(app, api)
    first = start_service(api, app.settings.database_url, tmp_path)
    second = None
    try:
        await api.wait_until(lambda: sum(delivered(api).values()) >= 10, within=60)
        second = start_service(api, app.settings.database_url, tmp_path)
        await api.wait_until(lambda: serving(api, processes=2), within=60)
        await api.wait_until(lambda: len(delivered(api)) >= total, within=90)
        await until_all_recorded(app, total, within=30)
    finally:
        for process in (first, second):
            if process is not None:
                process.send_signal(signal.SIGTERM)
        log = (tmp_path / "service.log").read_text
        assert first.wait(timeout=30) == 0, log()
        assert second is not None and second.wait(timeout=30) == 0, log()
    counts = delivered(api)
    assert len(counts) == total and set(counts.values()) == {1}  # every one, each once
