"""An answer is never acknowledged before it is stored: while another connection holds
SQLite's write lock, an update stays unconfirmed (no apology, nothing half done) and is
answered, once, when the lock is gone."""

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.channels.base import NotStored
from bot.service import App
from bot.texts import chat as words
from storage.db import create_engine, session_factory
from storage.models import ProcessedInbound
from storage.vocab import PersonRole
from tests.conversation_kit import assignment_of, make_conversation, register, text_of
from tests.factories import invite_code, load_example
from tests.fakes import ManualClock, User
from tests.telegram_kit import running_bot

LAN = User(5001, "Lan", "Nguyễn Thị")
TP = "Phòng Tư pháp"


@pytest.fixture
async def impatient(app: App) -> AsyncIterator[App]:
    """The same database, with a busy timeout of 0.1 s instead of 10 s."""
    engine = create_engine(app.settings.database_url, busy_timeout_ms=100)
    yield replace(app, engine=engine, sessions=session_factory(engine))
    await engine.dispose()


@contextmanager
def write_lock_held(app: App) -> Iterator[None]:
    """Another process's long write: `BEGIN EXCLUSIVE` on its own connection."""
    path = app.settings.database_url.removeprefix("sqlite+aiosqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


async def stored(app: App, update_id: int) -> int:
    async with app.sessions() as session:
        query = select(func.count()).where(ProcessedInbound.update_id == str(update_id))
        return (await session.execute(query)).scalar_one()


async def test_a_status_asked_under_a_held_write_lock_is_answered_once_it_is_gone(
    impatient: App, clock: ManualClock
) -> None:
    app = impatient
    await load_example(app)
    async with running_bot(app, clock) as bot:
        api = bot.api
        api.user_sends(LAN, None, f"/start {await invite_code(app, TP, PersonRole.FOCAL)}")
        await api.next_messages(LAN.id)
        polls = len(api.calls_to("getUpdates"))
        with write_lock_held(app):
            posted = api.user_sends(LAN, None, "/status")
            # Fetched, refused by the busy database, not confirmed, fetched again.
            await api.wait_until(lambda: len(api.calls_to("getUpdates")) >= polls + 3, within=10)
            assert [u["update_id"] for u in api.pending_updates] == [posted.update_id]
            assert await stored(app, posted.update_id) == 0
            assert len(api.sent_to(LAN.id)) == 1  # the welcome only: no apology
        [answer] = await api.next_messages(LAN.id, within=10)
        assert "Phòng Tư pháp — Kế hoạch 32/KH-UBND" in (answer.text or "")
        await api.wait_until(lambda: not api.pending_updates)
        assert await stored(app, posted.update_id) == 1
        assert [m.text for m in api.sent_to(LAN.id)].count(answer.text) == 1
        assert all(m.text != words.HANDLER_FAILED for m in api.sent_to(LAN.id))


async def test_the_conversation_stores_nothing_and_says_not_stored_until_the_lock_goes(
    impatient: App, tmp_path: Path
) -> None:
    app = impatient
    await load_example(app)
    lan = await register(app, make_conversation(app, tmp_path), "501", TP, PersonRole.FOCAL)
    done = lan.inbound(text="/xong 1.7")
    with write_lock_held(app), pytest.raises(NotStored):
        await lan.conversation.handle(done, lan.caps, lan._download)
    assert await stored(app, int(done.update_id)) == 0
    assert (await assignment_of(app, "1.7", TP)).status == "not_started"
    answer = await lan.conversation.handle(done, lan.caps, lan._download)  # offered again
    assert "1.7 (quý I/2023) — Hoàn thành" in text_of(answer)
    assert (await assignment_of(app, "1.7", TP)).status == "done"
    again = await lan.conversation.handle(done, lan.caps, lan._download)
    assert again.messages == [] and await stored(app, int(done.update_id)) == 1
