"""Telegram through python-telegram-bot 22, polling inside the service's own event loop.

`build_telegram_channel(settings)` makes a `TelegramChannel`. `start(handler)` registers the
Vietnamese command menu and starts polling; each update becomes an `Inbound` for the
conversation, and its `Answer` becomes Bot API calls. `send` is for the outbox worker: it
maps PTB's errors onto the seam and leaves a 429's pause to the worker. PTB types stay here
and in `telegram_mapping`.

An update's turn ends once the conversation has stored it and its button press is answered;
the messages of its answer then go out from the chat's own reply queue, in order, at the
pace Telegram allows one chat (a second apart), while that chat's next update is already
being handled and other chats go on. Stopping waits a few seconds for queued answers.

Every call that shows a message (a text, a part of a long one, a file, an edit) waits its
turn with the channel's one Pacer, whether it carries an outbox row or a reply: only here is
it known how many messages an `Outbound` becomes, and a reply right after a reminder to the
same chat must wait for that reminder's second as much as for its own earlier parts. The
pacer counts each such call from the moment httpx has written its request (httpcore's
"trace" extension, set by a request hook on PTB's HTTP client), not from when it was let go.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
from telegram import BotCommand, Message, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application
from telegram.request import HTTPXRequest

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
    Sent,
)
from bot.channels.lanes import ChatLanes
from bot.channels.redaction import redact_in_logs
from bot.channels.telegram_mapping import (
    MAX_CAPTION,
    MAX_TEXT,
    MAX_TOAST,
    channel_error,
    keyboard,
    retry_seconds,
    split_text,
    to_inbound,
    utf16_len,
)
from bot.channels.telegram_polling import MAX_CHATS, poll_updates
from bot.clock import Clock, Sleep
from bot.delivery import pacing
from bot.delivery.pacing import Pacer
from bot.settings import Settings, SettingsError
from bot.texts import chat as words

log = logging.getLogger(__name__)

T = TypeVar("T")
PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
_PATIENCE = 30.0  # longest 429 pause sat out inline (answering a person, a message's 2nd part)
_ATTEMPTS = 5
_SETTLE = 5.0  # seconds stop() waits for answers still queued


def build_application(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
    """python-telegram-bot for these settings, without its own updater or job queue: updates
    come through our polling loop (which acknowledges only handled updates) or our webhook
    route, reminders from our own scheduler."""
    token = settings.telegram_bot_token
    if not token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set; the Telegram channel needs it")
    protect_token_in_logs(token)
    # PTB's own defaults, with one hook: each send is counted when its request is written.
    request = HTTPXRequest(httpx_kwargs={"event_hooks": {"request": [_report_writes]}})
    return (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(request)
        .job_queue(None)
        .updater(None)
        .build()
    )


async def _report_writes(request: httpx.Request) -> None:
    """httpx's request hook: ask httpcore to tell when the request is written (its "trace"
    extension), so the pacer counts the send then (bot/delivery/pacing)."""
    request.extensions["trace"] = _on_trace


async def _on_trace(event: str, _info: dict[str, Any]) -> None:
    if event.endswith("send_request_body.complete"):
        pacing.written()


def build_telegram_channel(
    settings: Settings,
    clock: Clock,
    *,
    poll_timeout: float = 10.0,
    poll_interval: float = 0.0,
    sleep: Sleep = asyncio.sleep,
) -> "TelegramChannel":
    """The Telegram channel for these settings (token and Bot API URLs), paced on `clock`."""
    application = build_application(settings)
    return TelegramChannel(
        application,
        poll_timeout=poll_timeout,
        poll_interval=poll_interval,
        sleep=sleep,
        pacer=Pacer(clock, sleep=sleep),
    )


def protect_token_in_logs(token: str) -> None:
    """Keep the token out of logs: httpx logs request URLs, PTB logs its base URL at DEBUG."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact_in_logs(token, ("telegram", "httpx", "httpcore"))


class TelegramChannel:
    """The `Channel` for Telegram: long polling, inline buttons, replies, files."""

    receiving_by = "polling"  # how updates arrive, for the start log line

    name = "telegram"
    capabilities = Capabilities(
        buttons=True, max_text=MAX_TEXT, files=True, html=True, replies=True, edits=True
    )

    def __init__(
        self,
        application: "Application[Any, Any, Any, Any, Any, Any]",
        *,
        poll_timeout: float,
        poll_interval: float,
        sleep: Sleep,
        pacer: Pacer,
    ) -> None:
        self._app = application
        self._bot = application.bot
        self._poll_timeout = poll_timeout
        self._poll_interval = poll_interval
        self._sleep = sleep
        self._pacer = pacer
        self._handler: InboundHandler | None = None
        self._poller: asyncio.Task[None] | None = None
        self._replies: ChatLanes[tuple[str, list[Outbound]]] = ChatLanes(
            self._reply, max_chats=MAX_CHATS
        )

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")  # Telegram's group and supergroup ids are negative

    def invite_link(self, code: str) -> str | None:
        """The deep link that opens the bot with `/start CODE` (known once started)."""
        try:
            username = self._bot.username
        except RuntimeError:  # PTB: not initialized yet, so getMe has not told us the name
            return None
        return f"https://t.me/{username}?start={code}"

    async def start(self, handler: InboundHandler) -> None:
        """Check the token, register the command menu, and poll in this event loop."""
        self._handler = handler
        try:
            await self._start_polling()
        except BaseException as error:
            await self.stop()
            if isinstance(error, InvalidToken):
                # `from None`: PTB's message quotes the token, and tracebacks bypass logging.
                raise SettingsError(
                    "TELEGRAM_BOT_TOKEN was refused by the Bot API; copy it again from @BotFather"
                ) from None
            if isinstance(error, TelegramError):
                raise channel_error(error) from error
            raise
        log.info("telegram channel %s as @%s", self.receiving_by, self._bot.username)

    async def _start_polling(self) -> None:
        await self._app.initialize()  # getMe: a wrong token fails here
        await self._register_commands()
        await self._app.start()
        await self._bot.delete_webhook()
        poll = poll_updates(
            self._bot,
            self._on_update,
            long_poll=self._poll_timeout,
            interval=self._poll_interval,
            sleep=self._sleep,
        )
        self._poller = asyncio.create_task(poll, name="telegram-poll")

    async def watch(self) -> None:
        """Wait while polling runs; ChannelDown once it ended by itself (it cannot resume)."""
        if self._poller is None:
            raise ChannelDown("telegram polling is not running")
        try:
            await asyncio.shield(self._poller)  # whoever stops watching leaves polling alone
        except InvalidToken:
            # Not PTB's message: some of its InvalidToken messages quote the token.
            raise ChannelDown(
                "the Bot API refused TELEGRAM_BOT_TOKEN (revoked or replaced?); "
                "telegram polling cannot resume"
            ) from None
        except TelegramError as error:
            raise ChannelDown(f"telegram polling cannot resume: {error}") from error
        except Exception as error:
            raise ChannelDown(
                f"telegram polling died of an unexpected {type(error).__name__}: {error}"
            ) from error
        raise ChannelDown("telegram polling ended")

    async def stop(self) -> None:
        """Stop polling, then update processing, then the HTTP clients."""
        if self._poller is not None:
            self._poller.cancel()
            # Cancelled now, or ended before by itself (what `watch` reported).
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        await self._replies.settle(_SETTLE)
        await self._replies.close()
        if self._app.running:
            await self._app.stop()
        await self._app.shutdown()
        # After a failed getMe the application never counted as initialized, so its
        # shutdown skips the bot; the bot's HTTP clients are open all the same.
        await self._bot.shutdown()

    async def send(self, chat_id: str, message: Outbound) -> Sent:
        """Deliver one message (long text in parts); 429 before any part went out: RetryLater.

        `Sent` names the last part, the one that carries the buttons.
        """
        return await self._send(chat_id, message, patient=False)

    async def download(self, attachment: Attachment, limit: int) -> bytes:
        """The file's bytes; FileTooLarge, before fetching where the size is known."""
        _check_size(attachment.size, limit)
        try:
            file = await self._bot.get_file(attachment.file_id)
            _check_size(file.file_size, limit)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise channel_error(error) from error
        _check_size(len(data), limit)
        return data

    async def _register_commands(self) -> None:
        commands = [BotCommand(name, description) for name, description in words.COMMANDS]
        try:
            await self._bot.set_my_commands(commands)
        except TelegramError as error:
            # The menu is a convenience: typed commands work without it.
            log.warning("could not register the Telegram command menu: %s", error)

    async def _on_update(self, update: Update) -> None:
        """One update: ask the conversation, answer the button, queue the answer's messages.

        NotStored goes back to the polling loop: the update is neither answered nor confirmed.
        """
        inbound = to_inbound(update)
        if inbound is None or self._handler is None:
            return
        try:
            answer = await self._handler(inbound)
        except NotStored:
            raise
        except Exception:
            # The person still gets a word back; the traceback goes to the operator's log.
            log.exception("conversation failed on telegram update %s", inbound.update_id)
            answer = Answer(messages=[Outbound(words.HANDLER_FAILED)])
        if update.callback_query is not None:
            await self._answer_button(update.callback_query.id, answer.toast)
        if answer.messages:
            self._replies.submit(inbound.chat_id, (inbound.chat_id, answer.messages))

    async def _reply(self, item: tuple[str, list[Outbound]]) -> None:
        """An answer's messages, in its chat's turn; a failure is logged, not raised."""
        chat_id, messages = item
        for message in messages:
            try:
                await self._send(chat_id, message, patient=True)
            except ChannelError as error:
                log.warning("answer to chat %s not delivered: %s", chat_id, error)
                return

    async def _answer_button(self, query_id: str, toast: str | None) -> None:
        """Always answered, toast or not, so the button's spinner stops."""
        if toast and len(toast) > MAX_TOAST:
            toast = toast[: MAX_TOAST - 1] + "…"  # a passing notice; Telegram refuses longer
        try:
            await self._bot.answer_callback_query(query_id, text=toast)
        except TelegramError as error:
            log.warning("could not answer button press %s: %s", query_id, error)

    async def _send(self, chat_id: str, message: Outbound, *, patient: bool) -> Sent:
        chat = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        try:
            if message.file_path:
                return await self._send_file(chat, message, patient)
            if message.edit_message_id:
                return await self._edit(chat, message, patient)
            return await self._send_text(chat, split_text(message.text), message, patient)
        except TelegramError as error:
            raise channel_error(error) from error

    async def _send_text(
        self, chat: int | str, pieces: list[str], message: Outbound, patient: bool
    ) -> Sent:
        """The pieces in order, buttons on the last; later pieces always sit out a 429."""
        last = len(pieces) - 1
        sent: list[Message] = []
        for index, piece in enumerate(pieces):
            send = partial(
                self._bot.send_message,
                chat,
                piece,
                parse_mode=_parse_mode(message),
                reply_markup=keyboard(message.buttons) if index == last else None,
            )
            sent.append(await self._call(chat, send, patient=patient or index > 0))
        return Sent(str(sent[-1].message_id))

    async def _edit(self, chat: int | str, message: Outbound, patient: bool) -> Sent:
        """Edit in place; what does not fit in one message follows as new messages."""
        first, *rest = split_text(message.text)
        edit = partial(
            self._bot.edit_message_text,
            first,
            chat_id=chat,
            message_id=int(message.edit_message_id or 0),
            parse_mode=_parse_mode(message),
            reply_markup=None if rest else keyboard(message.buttons),
        )
        try:
            await self._call(chat, edit, patient=patient)
        except BadRequest as error:
            if not _edit_refused(error):
                raise
            # Nothing to change, or a message Telegram no longer lets us edit: the edit only
            # freshened an old message, so nobody misses anything.
            log.info("edit of message %s skipped: %s", message.edit_message_id, error.message)
        if rest:
            return await self._send_text(chat, rest, message, patient=True)
        return Sent(str(message.edit_message_id))

    async def _send_file(self, chat: int | str, message: Outbound, patient: bool) -> Sent:
        """A picture or document; text too long for a caption goes first, as messages."""
        path = Path(message.file_path or "")
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as error:
            raise ChannelError(f"cannot read {path.name}: {error.strerror}") from error
        caption = message.text if utf16_len(message.text) <= MAX_CAPTION else None
        if caption is None:
            text_only = replace(message, buttons=(), file_path=None)
            await self._send_text(chat, split_text(message.text), text_only, patient)
        photo = path.suffix.lower() in PHOTO_SUFFIXES
        send = partial(
            self._bot.send_photo if photo else self._bot.send_document,
            chat,
            data,
            caption=caption or None,
            filename=path.name,
            parse_mode=_parse_mode(message) if caption else None,
            reply_markup=keyboard(message.buttons),
        )
        result = await self._call(chat, send, patient=patient or caption is None)
        return Sent(str(result.message_id))

    async def _call(self, chat: int | str, make: Callable[[], Awaitable[T]], *, patient: bool) -> T:
        """One Bot API call that shows a message in `chat`, in its turn; when patient, sit out
        short 429 pauses instead of failing."""
        attempt = 1
        while True:
            try:
                async with self._pacer.sending(
                    self.name, str(chat), self.capabilities, group=self.is_group(str(chat))
                ):
                    return await make()
            except RetryAfter as error:
                wait = retry_seconds(error)
                if not patient or wait > _PATIENCE or attempt >= _ATTEMPTS:
                    raise
            attempt += 1
            await self._sleep(wait)


_EDIT_REFUSALS = ("not modified", "not found", "can't be edited", "can not be edited")


def _edit_refused(error: BadRequest) -> bool:
    """Telegram's answers to an edit that need no action: the same text again, a message
    deleted or too old to edit."""
    text = error.message.lower()
    return any(reason in text for reason in _EDIT_REFUSALS)


def _parse_mode(message: Outbound) -> str | None:
    return ParseMode.HTML if message.html else None


def _check_size(size: int | None, limit: int) -> None:
    if size is not None and size > limit:
        raise FileTooLarge(size, limit)
