"""The whole bot on Zalo, in-process: our channel polling (or taking webhooks from) the fake
Zalo Bot Platform, with the service's HTTP server on a free loopback port."""

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from bot.channels.zalo import WEBHOOK_PATH, ZaloChannel, build_zalo_channel
from bot.conversation.core import Conversation
from bot.delivery.worker import Delivery
from bot.service import (
    App,
    build_delivery,
    build_deps,
    build_file_links,
    build_web_server,
    listening,
    start_channels,
)
from storage.db import transaction
from tests import factories
from tests.fakes.clock import ManualClock
from tests.fakes.zalo_api import FakeZaloApi, ZaloUser

SECRET = "webhook-secret-for-tests"


@dataclass
class ZaloBot:
    app: App
    api: FakeZaloApi
    channel: ZaloChannel
    conversation: Conversation
    delivery: Delivery
    base_url: str  # the service's HTTP server

    @property
    def webhook_url(self) -> str:
        return self.base_url + WEBHOOK_PATH


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running_zalo(
    app: App, clock: ManualClock, *, webhook: bool = False
) -> AsyncIterator[ZaloBot]:
    """Polling by default; `webhook` sets PUBLIC_BASE_URL (so file links work too)."""
    async with FakeZaloApi() as api:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = replace(
            app.settings,
            zalo_bot_token=api.token,
            zalo_api_base_url=api.base_url,
            http_host="127.0.0.1",
            http_port=port,
            public_base_url=base if webhook else None,
            zalo_webhook_secret=SECRET if webhook else None,
        )
        app = replace(app, settings=settings)
        web = build_web_server(settings)
        channel = build_zalo_channel(settings, clock, web=web, poll_timeout=1.0, sleep=clock.sleep)
        deps = build_deps(app, [channel], build_file_links(app, [channel], web))
        conversation = Conversation(deps)
        delivery = build_delivery(app, deps, [channel])
        delivery.sleep = clock.sleep
        async with listening(web):
            await start_channels(conversation, [channel])
            try:
                yield ZaloBot(app, api, channel, conversation, delivery, base)
            finally:
                await channel.stop()


async def zalo_person(
    app: App, user: ZaloUser, *, role: str = "focal", unit_id: int | None = None
) -> int:
    """Someone already registered on Zalo."""
    async with transaction(app.sessions) as session:
        person = await factories.person(
            session, user.name, role, unit_id, channel="zalo", user_id=user.id
        )
    return person.id  # type: ignore[return-value]
