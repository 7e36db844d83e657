"""Telegram by webhook: the fake Bot API posts updates to the service's own HTTP server, as
Telegram does after setWebhook; only calls with the secret token are read, and /healthz says
how the process is."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_webhook import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramWebhookChannel,
    build_telegram_webhook_channel,
)
from bot.service import App, build_telegram, build_web_server, serve
from storage.models import ChannelIdentity, ProcessedInbound
from storage.vocab import PersonRole
from tests.factories import invite_code, load_example
from tests.fakes import FakeBotApi, ManualClock, User
from tests.fakes.bot_api_webhook import push_updates
from tests.pg_kit import free_port

SECRET = "webhook-secret-0123456789abcdef"
LAN = User(5001, "Lan", "Nguyễn Thị")


def webhook_app(app: App, api: FakeBotApi) -> App:
    port = free_port()
    settings = replace(
        app.settings,
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_file_base_url=api.base_file_url,
        telegram_mode="webhook",
        telegram_webhook_secret=SECRET,
        public_base_url=f"http://127.0.0.1:{port}",
        http_port=port,
    )
    return replace(app, settings=settings)


@asynccontextmanager
async def webhook_service(app: App, api: FakeBotApi, clock: ManualClock) -> AsyncIterator[App]:
    """The service running with Telegram by webhook, until the block ends.

    The clock is moved to the wall clock's time first: the scheduler's jobs run on real time,
    and from a clock years behind APScheduler would count every minute missed since."""
    clock.move_to(datetime.now(UTC))
    app = webhook_app(app, api)
    web = build_web_server(app.settings)
    channel = build_telegram_webhook_channel(app.settings, app.clock, web, sleep=clock.sleep)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(app, [channel], stop, web=web, delivery_every=0.05))
    await api.wait_until(lambda: api.webhook is not None or running.done(), within=10)
    try:
        yield app
    finally:
        stop.set()
        await running


async def post(app: App, body: object, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(app.settings.public_base_url + WEBHOOK_PATH, json=body, headers=headers) as r,
    ):
        return r.status


async def handled(app: App) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(ProcessedInbound))).scalar()


async def test_an_update_posted_by_telegram_is_answered_through_the_bot_api(
    app: App, api: FakeBotApi, clock: ManualClock
) -> None:
    await load_example(app)
    async with webhook_service(app, api, clock) as running:
        code = await invite_code(running, "Phòng Tư pháp", PersonRole.FOCAL)
        [set_webhook] = api.calls_to("setWebhook")
        assert set_webhook.params["url"] == running.settings.public_base_url + "/telegram/webhook"
        assert set_webhook.params["secret_token"] == SECRET
        posted = api.user_sends(LAN, None, f"/start {code}")
        assert await push_updates(api) == [200]
        [welcome] = await api.next_messages(LAN.id)
        assert "đã được đăng ký" in welcome.text and "Phòng Tư pháp" in welcome.text
        api.replay(posted.update_id)  # Telegram sends it again: answered 200, nothing repeats
        assert await push_updates(api) == [200]
        await asyncio.sleep(0.2)
        assert len(api.sent_to(LAN.id)) == 1
    assert api.calls_to("getUpdates") == []  # nothing polled
    async with app.sessions() as session:
        identity = (await session.execute(select(ChannelIdentity))).scalar_one()
    assert (identity.channel, identity.user_id) == ("telegram", str(LAN.id))


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: "wrong-secret-0123456789abcdef"}, {SECRET_HEADER: SECRET[:-1]}],
    ids=["missing", "wrong", "one-short"],
)
async def test_a_call_without_the_right_secret_is_refused_and_changes_nothing(
    app: App, api: FakeBotApi, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with webhook_service(app, api, clock) as running:
        api.user_sends(LAN, None, "/help")
        [update] = api.pending_updates
        assert await post(running, update, headers) == 401
        assert await handled(running) == 0 and api.sent_to(LAN.id) == []
        assert await post(running, update, {SECRET_HEADER: SECRET}) == 200
        assert await handled(running) == 1 and len(await api.next_messages(LAN.id)) == 1


async def test_a_body_that_is_no_update_is_refused_with_400(
    app: App, api: FakeBotApi, clock: ManualClock
) -> None:
    async with webhook_service(app, api, clock) as running:
        assert await post(running, ["not", "an", "update"], {SECRET_HEADER: SECRET}) == 400
        assert await post(running, {"no_update_id": 1}, {SECRET_HEADER: SECRET}) == 400
        assert await handled(running) == 0


async def test_polling_stays_the_default_and_webhook_mode_picks_the_webhook_channel(
    app: App, api: FakeBotApi
) -> None:
    polling = replace(webhook_app(app, api).settings, telegram_mode="polling")
    web = build_web_server(polling)
    channel = build_telegram(polling, app.clock, web)
    assert type(channel) is TelegramChannel and not web.needed
    webhook = webhook_app(app, api).settings
    web = build_web_server(webhook)
    assert isinstance(build_telegram(webhook, app.clock, web), TelegramWebhookChannel)
    assert web.needed
