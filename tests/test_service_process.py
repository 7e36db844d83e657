"""A real `nhacviec run` process seen from outside: SIGTERM with a backlog ends it within
10 s with nothing left claimed, and a refused token ends it non-zero, saying why."""

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.service import App
from storage.models import OutboxMessage
from tests.conversation_kit import assignment_of
from tests.factories import load_example
from tests.fakes import FakeBotApi, User
from tests.service_kit import start_service
from tests.telegram_kit import queue_reminder, telegram_person

PEOPLE, EACH = 20, 15  # 300 rows: at one message a second per chat, 15 s of sending


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:  # real time: a real process is on the other side
        yield server


def sent(api: FakeBotApi) -> int:
    return sum(len(api.sent_to(7000 + i)) for i in range(PEOPLE))


async def statuses(app: App) -> Counter[str]:
    async with app.sessions() as session:
        return Counter((await session.execute(select(OutboxMessage.status))).scalars().all())


async def test_sigterm_with_a_backlog_stops_sending_and_exits_within_10_s(
    app: App, api: FakeBotApi, tmp_path: Path
) -> None:
    await load_example(app)
    target = await assignment_of(app, "1.1", "Phòng Tư pháp")
    people = [await telegram_person(app, api, User(7000 + i, f"Người {i}")) for i in range(PEOPLE)]
    for n in range(EACH):  # a round over everybody, then the next, as the sweep writes them
        for person in people:
            await queue_reminder(app, person_id=person, assignment_id=target.id, key=str(n))

    service = start_service(api, app.settings.database_url, tmp_path)
    try:
        await api.wait_until(lambda: sent(api) >= 30, within=60)
    finally:
        signalled = time.monotonic()
        service.send_signal(signal.SIGTERM)
        # Waited in a thread: the fake Bot API runs in this loop and must go on answering.
        code = await asyncio.to_thread(service.wait, 30)
    took = time.monotonic() - signalled
    sent_at_exit = sent(api)

    log = (tmp_path / "service.log").read_text()
    assert code == 0, log
    assert took < 10, f"exit took {took:.1f} s"
    left = await statuses(app)
    assert left["sending"] == 0, left
    assert left["pending"] > 0  # there was a backlog, and it waits for the next start
    assert left["sent"] + left["pending"] == PEOPLE * EACH
    assert sent_at_exit <= left["sent"] + 1  # at most the row in flight went unrecorded
    assert "Traceback" not in log


async def test_a_refused_token_ends_the_service_non_zero_saying_why(
    app: App, api: FakeBotApi, tmp_path: Path
) -> None:
    service = start_service(api, app.settings.database_url, tmp_path)
    try:
        await api.wait_until(lambda: api.long_polls >= 1, within=60)
        token = api.token
        api.revoke_token()  # as after /revoke in @BotFather
        api.user_sends(User(7100, "Ai đó"), None, "/help")  # ends the poll in progress
        code = await asyncio.to_thread(service.wait, 30)
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
    log = (tmp_path / "service.log").read_text()
    assert code == 1, log
    assert "the service stops: the Bot API refused TELEGRAM_BOT_TOKEN" in log
    assert token not in log
