"""Telegram by webhook: Telegram POSTs each update to PUBLIC_BASE_URL/telegram/webhook on the
service's own HTTP server, instead of the service polling for it.

The same `TelegramChannel` (python-telegram-bot with its updater off, the same conversation,
pacing and sending); only receiving differs. `start` checks the token, registers the menu
and calls setWebhook with a `secret_token` that Telegram sends back in a header on every
call (bot/web/webhook.py checks it in constant time). An update is answered 200 only after
the conversation stored it; while the channel is not started, or stopping, or the database
is busy, the answer is 503 and Telegram delivers it again.

Stopping leaves the webhook set: with several service processes behind one address, one
process stopping must not cut off the others; a restarted process sets it again, and
Telegram keeps updates for up to a day while nobody answers.
"""

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.channels.base import ChannelDown, NotStored
from bot.channels.telegram import TelegramChannel, build_application
from bot.channels.telegram_polling import ALLOWED_UPDATES
from bot.clock import Clock, Sleep
from bot.delivery.pacing import Pacer
from bot.settings import Settings, SettingsError
from bot.web.server import WebServer
from bot.web.webhook import BadUpdate, secret_webhook

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECTIONS = 10  # updates Telegram sends at once; each takes a database connection


def build_telegram_webhook_channel(
    settings: Settings, clock: Clock, web: WebServer, *, sleep: Sleep = asyncio.sleep
) -> "TelegramWebhookChannel":
    """The Telegram channel receiving by webhook; its route is added to `web`."""
    if not settings.public_base_url or not settings.telegram_webhook_secret:
        raise SettingsError(
            "TELEGRAM_MODE=webhook needs PUBLIC_BASE_URL and TELEGRAM_WEBHOOK_SECRET"
        )
    application = build_application(settings)
    channel = TelegramWebhookChannel(
        application,
        url=settings.public_base_url + WEBHOOK_PATH,
        secret=settings.telegram_webhook_secret,
        sleep=sleep,
        pacer=Pacer(clock, sleep=sleep),
    )
    web.add_route(
        "POST",
        WEBHOOK_PATH,
        secret_webhook(
            channel="telegram",
            secret=settings.telegram_webhook_secret,
            header=SECRET_HEADER,
            receive=channel.receive,
        ),
    )
    return channel


class TelegramWebhookChannel(TelegramChannel):
    """`TelegramChannel` that receives by webhook instead of long polling."""

    receiving_by = "receiving by webhook"

    def __init__(
        self,
        application: "Application[Any, Any, Any, Any, Any, Any]",
        *,
        url: str,
        secret: str,
        sleep: Sleep,
        pacer: Pacer,
    ) -> None:
        super().__init__(application, poll_timeout=0, poll_interval=0, sleep=sleep, pacer=pacer)
        self._url = url
        self._secret = secret
        self._receiving = False
        self._stopped = asyncio.Event()

    async def _start_polling(self) -> None:
        """(The receiving half of `start`.) Telegram is told where to post, with the secret."""
        await self._app.initialize()  # getMe: a wrong token fails here
        await self._register_commands()
        await self._app.start()
        await self._bot.set_webhook(
            self._url,
            secret_token=self._secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=MAX_CONNECTIONS,
        )
        self._receiving = True
        log.info("telegram webhook set to %s", self._url)

    async def receive(self, body: dict[str, Any]) -> None:
        """One update posted by Telegram. NotStored: not handled, Telegram sends it again."""
        if not self._receiving or self._stopped.is_set():
            raise NotStored
        try:
            update = Update.de_json(body, self._bot)
        except (KeyError, TypeError, ValueError) as error:
            raise BadUpdate(f"not a Telegram update ({type(error).__name__})") from None
        await self._on_update(update)

    async def watch(self) -> None:
        """A webhook receives as long as the HTTP server runs: wait until stopped."""
        await self._stopped.wait()
        raise ChannelDown("telegram channel stopped")

    async def stop(self) -> None:
        """Stop answering (503 from now on), then stop PTB; the webhook stays set."""
        self._receiving = False
        self._stopped.set()
        await super().stop()
