"""The whole bot on Telegram, in-process: a real PTB Application polling the fake Bot API."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from bot.channels.telegram import TelegramChannel, build_telegram_channel
from bot.conversation.core import Conversation
from bot.delivery.worker import Delivery
from bot.service import App, build_delivery, build_deps, start_channels
from storage.db import transaction
from tests import factories
from tests.fakes import Chat, FakeBotApi, User
from tests.fakes.clock import ManualClock


@dataclass
class Bot:
    app: App
    api: FakeBotApi
    channel: TelegramChannel
    conversation: Conversation
    delivery: Delivery


@asynccontextmanager
async def running_bot(
    app: App, clock: ManualClock, *, rate_limits: bool = True
) -> AsyncIterator[Bot]:
    async with FakeBotApi(clock=clock, rate_limits=rate_limits) as api:
        settings = replace(
            app.settings,
            telegram_bot_token=api.token,
            telegram_api_base_url=api.base_url,
            telegram_file_base_url=api.base_file_url,
        )
        app = replace(app, settings=settings)
        channel = build_telegram_channel(settings, clock, poll_timeout=1.0, sleep=clock.sleep)
        deps = build_deps(app, [channel])
        conversation = Conversation(deps)
        delivery = build_delivery(app, deps, [channel])
        delivery.sleep = clock.sleep
        await start_channels(conversation, [channel])
        try:
            yield Bot(app, api, channel, conversation, delivery)
        finally:
            await channel.stop()


async def telegram_person(
    app: App, api: FakeBotApi, user: User, *, role: str = "focal", unit_id: int | None = None
) -> int:
    """Someone already registered on Telegram (for delivery tests that need many people)."""
    api.add_chat(Chat.private(user))
    async with transaction(app.sessions) as session:
        person = await factories.person(
            session, user.first_name, role, unit_id, channel="telegram", user_id=str(user.id)
        )
    return person.id  # type: ignore[return-value]


async def queue_reminder(
    app: App, *, person_id: int, assignment_id: int, kind: str = "before_7d", key: str = ""
) -> None:
    async with transaction(app.sessions) as session:
        await factories.outbox(
            session,
            dedupe_key=f"test:{person_id}:{assignment_id}:{kind}:{key}",
            person_id=person_id,
            kind=kind,
            assignment_id=assignment_id,
            not_before=app.clock.now(),
        )
