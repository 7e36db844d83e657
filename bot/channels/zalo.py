"""Zalo through the Zalo Bot Platform, in the service's own event loop.

`build_zalo_channel(settings, clock, web=...)` makes a `ZaloChannel`. It receives by long
polling (getUpdates answers one update, or 408 when none came) or, when PUBLIC_BASE_URL is
set, by a webhook on the service's HTTP server (the secret header compared in constant
time). Each update becomes an `Inbound` for the conversation and its `Answer` becomes
sendMessage calls. Zalo has no buttons, no replies and no documents: the conversation
numbers choices and files reach people as links (see bot/web/links.py).

getUpdates has no offset: an update it gave is gone from the platform. One the conversation
could not store (`NotStored`) is therefore kept here and offered again after a pause; on a
webhook the 503 answer makes Zalo deliver it again. Polling failures follow the Telegram
loop's rules: logged and retried with back-off; a refused token ends polling, and `watch`
reports the channel down.

Polling stays one update at a time, since an update fetched is the platform's no more: a
crash loses at most the one being stored (handling several at once would put more of them at
risk). Once it is stored, though, its answer goes to the chat's reply queue (`ChatLanes`:
each chat's answers in order, chats at once) and the next update is fetched at once: one
chat's paced or retried answer holds up no other chat. Stopping waits a few seconds for
queued answers. A webhook call is answered before it returns: each call is its own task.

Every sendMessage waits its turn with the channel's Pacer (10 a second overall and 1 a second
per chat by default, both settings); network and server errors are retried inline a few
times with back-off, and then left to the outbox's own back-off.
"""

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web

from bot.channels.base import (
    Answer,
    Attachment,
    Capabilities,
    ChannelDown,
    ChannelError,
    FileTooLarge,
    InboundHandler,
    NotStored,
    Outbound,
    RetryLater,
    Sent,
    TransientError,
)
from bot.channels.lanes import ChatLanes
from bot.channels.redaction import redact_in_logs
from bot.channels.telegram_polling import MAX_CHATS, Backoff
from bot.channels.zalo_api import TooLarge, ZaloApi, ZaloApiError, ZaloNetworkError
from bot.channels.zalo_mapping import (
    MAX_TEXT,
    TOKEN_REFUSED_CODES,
    Unsupported,
    channel_error,
    split_text,
    to_inbound,
    unwrap,
)
from bot.clock import Clock, Sleep
from bot.delivery.pacing import Pacer
from bot.settings import Settings, SettingsError
from bot.texts import chat as words
from bot.web.server import WebServer

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
_ATTEMPTS = 3  # tries of one sendMessage before the error goes to the caller
_PATIENCE = 30.0  # longest 429 pause sat out inline
_SETTLE = 5.0  # seconds stop() waits for answers still queued


def build_zalo_channel(
    settings: Settings,
    clock: Clock,
    *,
    web: WebServer | None = None,
    poll_timeout: float = 30.0,
    sleep: Sleep = asyncio.sleep,
) -> "ZaloChannel":
    """The Zalo channel for these settings; with PUBLIC_BASE_URL its webhook route on `web`."""
    token = settings.zalo_bot_token
    if not token:
        raise SettingsError("ZALO_BOT_TOKEN is not set; the Zalo channel needs it")
    redact_in_logs(token, ("httpx", "httpcore", "bot"))
    caps = Capabilities(
        buttons=False,
        max_text=MAX_TEXT,
        files=False,
        html=False,
        overall_per_second=settings.zalo_rate_per_second,
        per_chat_per_second=settings.zalo_rate_per_chat,
    )
    webhook = None
    if settings.public_base_url:
        if web is None or not settings.zalo_webhook_secret:
            raise SettingsError("the Zalo webhook needs the HTTP server and ZALO_WEBHOOK_SECRET")
        webhook = (settings.public_base_url + WEBHOOK_PATH, settings.zalo_webhook_secret)
    channel = ZaloChannel(
        ZaloApi(token, settings.zalo_api_base_url),
        caps,
        pacer=Pacer(clock, sleep=sleep),
        sleep=sleep,
        poll_timeout=poll_timeout,
        webhook=webhook,
    )
    if webhook is not None and web is not None:
        web.add_route("POST", WEBHOOK_PATH, channel.on_webhook)
    return channel


class ZaloChannel:
    """The `Channel` for Zalo: polling or a webhook, text only, files as links."""

    name = "zalo"

    def __init__(
        self,
        api: ZaloApi,
        capabilities: Capabilities,
        *,
        pacer: Pacer,
        sleep: Sleep,
        poll_timeout: float,
        webhook: tuple[str, str] | None,
    ) -> None:
        self.capabilities = capabilities
        self._api = api
        self._pacer = pacer
        self._sleep = sleep
        self._poll_timeout = poll_timeout
        self._webhook = webhook
        self._handler: InboundHandler | None = None
        self._poller: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        self._replies: ChatLanes[tuple[str, Answer]] = ChatLanes(
            self._deliver_answer, max_chats=MAX_CHATS
        )

    def is_group(self, chat_id: str) -> bool:  # noqa: ARG002 — the seam's signature
        return False  # the bot answers groups with one notice and sends nothing else there

    def invite_link(self, code: str) -> str | None:  # noqa: ARG002 — the seam's signature
        return None  # no deep link: the official sends the code as their first message

    async def start(self, handler: InboundHandler) -> None:
        """Check the token, then set the webhook or start polling."""
        self._handler = handler
        try:
            me = await self._api.call("getMe")
            if self._webhook is not None:
                url, secret = self._webhook
                await self._api.call("setWebhook", url=url, secret_token=secret)
            else:
                await self._api.call("deleteWebhook")  # getUpdates is off while one is set
        except ZaloApiError as error:
            await self._api.close()
            if error.error_code in TOKEN_REFUSED_CODES:
                raise SettingsError(
                    "ZALO_BOT_TOKEN was refused by the Zalo Bot API; copy it again from "
                    "Zalo Bot Manager"
                ) from None
            raise channel_error(error) from error
        except ZaloNetworkError as error:
            await self._api.close()
            raise channel_error(error) from error
        if self._webhook is None:
            self._poller = asyncio.create_task(self._poll(), name="zalo-poll")
        mode = "webhook" if self._webhook else "polling"
        log.info("zalo channel %s as %s", mode, (me or {}).get("account_name", "the bot"))

    async def watch(self) -> None:
        """Wait while receiving; ChannelDown once polling ended by itself."""
        if self._poller is None:
            await self._stopped.wait()  # a webhook receives as long as the server runs
            raise ChannelDown("zalo channel stopped")
        try:
            await asyncio.shield(self._poller)
        except ZaloApiError as error:
            raise ChannelDown(f"zalo polling cannot resume: {error}") from None
        except Exception as error:
            raise ChannelDown(
                f"zalo polling died of an unexpected {type(error).__name__}: {error}"
            ) from error
        raise ChannelDown("zalo polling ended")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        self._stopped.set()
        await self._replies.settle(_SETTLE)
        await self._replies.close()
        await self._api.close()

    async def send(self, chat_id: str, message: Outbound) -> Sent:
        """Deliver one message, in parts of 2,000 characters; `Sent` names the last part."""
        return await self._send(chat_id, message, patient=False)

    async def download(self, attachment: Attachment, limit: int) -> bytes:
        """A photo's bytes, fetched from the URL Zalo gave, refused past `limit`."""
        if attachment.size is not None and attachment.size > limit:
            raise FileTooLarge(attachment.size, limit)
        try:
            return await self._api.download(attachment.file_id, limit)
        except TooLarge as error:
            raise FileTooLarge(error.size, limit) from None
        except ZaloNetworkError as error:
            raise channel_error(error) from error

    async def on_webhook(self, request: web.Request) -> web.Response:
        """One update from Zalo: 401 without the secret, 400 for a body that is no JSON."""
        assert self._webhook is not None  # the route exists only in webhook mode
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._webhook[1].encode()):
            log.warning("zalo webhook call refused: wrong or missing secret token")
            return web.json_response({"ok": False, "description": "unauthorized"}, status=401)
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "description": "body is not JSON"}, status=400)
        try:
            await self._on_update(unwrap(body), queued=False)
        except NotStored:
            return web.json_response({"ok": False, "description": "busy, retry"}, status=503)
        return web.json_response({"ok": True})

    async def _poll(self) -> None:
        """getUpdates, one update at a time; only a refused token ends the loop (by raising)."""
        polls = Backoff()
        while True:
            try:
                update = await self._api.get_updates(self._poll_timeout)
            except ZaloApiError as error:
                if error.error_code in TOKEN_REFUSED_CODES:
                    raise
                await self._sleep(_poll_failed(error, polls))
                continue
            except ZaloNetworkError as error:
                await self._sleep(_poll_failed(error, polls))
                continue
            polls.reset()
            if update is not None:
                await self._handle_until_stored(update)

    async def _handle_until_stored(self, update: Any) -> None:
        """The platform will not give this update again: retry it here until it is stored."""
        stores = Backoff()
        while True:
            try:
                await self._on_update(update, queued=True)
                return
            except NotStored:
                wait = stores.next()
                log.warning("zalo update not stored (the database is busy); again in %.0f s", wait)
                await self._sleep(wait)

    async def _on_update(self, update: Any, *, queued: bool) -> None:
        """Ask the conversation; answer in the chat's reply queue, or (a webhook call, which
        is its own task already) before returning."""
        inbound = to_inbound(update)
        if isinstance(inbound, Unsupported):
            log.info("zalo update %s not readable; answered or ignored", inbound.event_name)
            if inbound.chat_id is not None:
                unsupported = Answer(messages=[Outbound(words.UNSUPPORTED)])
                await self._answer(inbound.chat_id, unsupported, queued=queued)
            return
        if self._handler is None:
            return
        try:
            answer = await self._handler(inbound)
        except NotStored:
            raise
        except Exception:
            log.exception("conversation failed on zalo message %s", inbound.update_id)
            answer = Answer(messages=[Outbound(words.HANDLER_FAILED)])
        await self._answer(inbound.chat_id, answer, queued=queued)

    async def _answer(self, chat_id: str, answer: Answer, *, queued: bool) -> None:
        if queued:
            self._replies.submit(chat_id, (chat_id, answer))
        else:
            await self._deliver_answer((chat_id, answer))

    async def _deliver_answer(self, item: tuple[str, Answer]) -> None:
        chat_id, answer = item
        messages = list(answer.messages)
        if answer.toast and not messages:
            messages.append(Outbound(answer.toast))  # no button to show a toast on
        for message in messages:
            try:
                await self._send(chat_id, message, patient=True)
            except ChannelError as error:
                log.warning("answer to a zalo chat not delivered: %s", error)
                return

    async def _send(self, chat_id: str, message: Outbound, *, patient: bool) -> Sent:
        text = message.text
        if message.file_path:  # present() turns files into links; this is the last resort
            text = words.FILE_AT.format(text=text, path=message.file_path)
        sent: dict[str, Any] = {}
        for index, piece in enumerate(split_text(text)):
            sent = await self._call(chat_id, piece, patient=patient or index > 0)
        return Sent(str(sent.get("message_id", "")))

    async def _call(self, chat_id: str, text: str, *, patient: bool) -> dict[str, Any]:
        """One sendMessage in its turn, retried on network and server errors."""
        attempt = 1
        while True:
            await self._pacer.wait_turn(self.name, chat_id, self.capabilities)
            try:
                result = await self._api.call("sendMessage", chat_id=chat_id, text=text)
                return result if isinstance(result, dict) else {}
            except (ZaloApiError, ZaloNetworkError) as error:
                mapped = channel_error(error)
            if attempt >= _ATTEMPTS or not _worth_again(mapped, patient):
                raise mapped
            wait = mapped.retry_after if isinstance(mapped, RetryLater) else 2.0**attempt
            attempt += 1
            await self._sleep(wait)


def _worth_again(error: ChannelError, patient: bool) -> bool:
    if isinstance(error, RetryLater):
        return patient and error.retry_after <= _PATIENCE
    return isinstance(error, TransientError)


def _poll_failed(error: Exception, backoff: Backoff) -> float:
    wait = backoff.next()
    log.warning("zalo getUpdates failed (%s); retrying in %.0f s", error, wait)
    return wait
