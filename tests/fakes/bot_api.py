"""A fake Telegram Bot API server on 127.0.0.1 that python-telegram-bot talks to for real.

    async with FakeBotApi(clock=ManualClock()) as api:
        bot = Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
        api.user_sends(lan, None, "/status")          # a person acts (see TelegramWorld)
        [reply] = await api.next_messages(lan.id)     # what the bot said, bounded wait

It enforces Telegram's flood limits (30 messages/s overall, 1/s per chat, 20/min per
group) on sendMessage, sendDocument, sendPhoto and editMessageText, answering 429 with
`retry_after`. `latency` adds a network's round trip to every call, half before the server
sees the request and half before the answer leaves, without holding other requests up (the
limits count the moment a request arrives, as Telegram's do). It can be told to fail sends
(500), to answer one chat's next sends with a 429 (`flood`), to act as a person who blocked the bot,
to fail getUpdates (409 Conflict, 429, 5xx, a dropped connection: `fail_polls`), or to refuse
a revoked token (`revoke_token`).
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiohttp import web

from tests.fakes.bot_api_arrival import listening_socket, seconds_since_received
from tests.fakes.bot_api_http import (
    ApiError,
    bad_request,
    checked_commands,
    commands_key,
    inline_markup,
    message_text,
    read_params,
    server_error,
    visible_text,
)
from tests.fakes.bot_api_limits import Faults, PollFault, RateLimiter
from tests.fakes.bot_api_objects import (
    JSON,
    MAX_CAPTION,
    MAX_DOWNLOAD,
    BotMessage,
    Call,
    Chat,
    User,
    bot_user_json,
)
from tests.fakes.bot_api_world import TelegramWorld

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijklmn"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
Method = Callable[[JSON], Awaitable[Any]]
# When the request being handled reached "Telegram" (with latency); None: when it is handled.
_arrival: ContextVar[float | None] = ContextVar("arrival", default=None)


def _seconds_since_received(request: web.Request) -> float:
    sock = request.transport.get_extra_info("socket") if request.transport else None
    return 0.0 if sock is None else seconds_since_received(sock.fileno())


class FakeBotApi(TelegramWorld):
    """The Bot API over HTTP; people, chats and messages live in `TelegramWorld`."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        clock: Callable[[], float] = time.monotonic,
        rate_limits: bool = True,
        latency: float = 0.0,
    ) -> None:
        super().__init__(bot_user_json(token))
        self.token = token
        self.calls: list[Call] = []
        self.commands: dict[str, list[JSON]] = {}
        self.limiter = RateLimiter(clock, enabled=rate_limits)
        self.faults = Faults()
        self.latency = latency  # seconds added to every call (real time: a real network's)
        self._real_clock = clock is time.monotonic  # a test's clock: count when handled
        self.port = 0
        self.webhook: JSON | None = None  # setWebhook's url and secret_token, while set
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Method] = {
            "getme": self._get_me,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def rejected_429(self) -> int:
        return self.limiter.rejected_429

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def fail_next_sends(self, count: int, status: int = 500) -> None:
        self.faults.fail_next, self.faults.fail_status = count, status

    def fail_polls(self, *faults: PollFault) -> None:
        """The next getUpdates calls fail as listed, one fault each, in order."""
        self.faults.polls.extend(faults)

    def revoke_token(self) -> None:
        """The token stops working (as after /revoke in @BotFather): every call answers 401."""
        self.token = f"{self.token}-revoked"

    def flood(self, chat: Chat | User | int, retry_after: int, times: int = 1) -> None:
        """The next `times` sends to this chat answer 429 with `retry_after`, whatever the
        limits say (as Telegram does when it throttles one chat)."""
        chat_id = chat if isinstance(chat, int) else chat.id
        self.faults.floods[chat_id] = [retry_after] * times

    def block(self, chat: Chat | User | int) -> None:
        """Sends to this chat (a person's private chat) answer 403: they blocked the bot."""
        self.faults.blocked.add(chat if isinstance(chat, int) else chat.id)

    def unblock(self, chat: Chat | User | int) -> None:
        self.faults.blocked.discard(chat if isinstance(chat, int) else chat.id)

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> "FakeBotApi":
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._on_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._on_file)
        # No access log: request lines carry the token, and tests assert no log has it.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.SockSite(self._runner, listening_socket()).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.closing = True
        self.touch()  # long polls return at once instead of holding the shutdown
        if self._runner is not None:
            await self._runner.cleanup()

    # -- HTTP -----------------------------------------------------------------------------

    async def _on_api(self, request: web.Request) -> web.Response:
        if self._real_clock:
            # The request reaches Telegram half a round trip after it left; it is counted
            # then: when its bytes reached this server (the kernel's stamp), not whenever
            # this process got a core and this event loop got round to it.
            arrived = self.limiter.clock() - _seconds_since_received(request)
            _arrival.set(arrived + self.latency / 2)
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        response = await self._answer(request)
        if self.latency:
            await asyncio.sleep(self.latency / 2)  # the answer on its way back
        return response

    async def _answer(self, request: web.Request) -> web.Response:
        method, params = request.match_info["method"], {}
        try:
            params = await read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            if method.lower() == "getupdates":
                self._poll_fault(request)
            response = web.json_response({"ok": True, "result": await handler(params)})
        except ApiError as error:
            response = error.response()
        self.calls.append(Call(method, params, self.limiter.clock(), response.status))
        self.touch()
        return response

    async def _on_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        file = self.file_at(request.match_info["path"])
        if file is None:
            return ApiError(404, "Not Found").response()
        return web.Response(body=file.data, content_type="application/octet-stream")

    # -- checks shared by the methods -----------------------------------------------------

    def _chat(self, params: JSON) -> Chat:
        chat = self.chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _check_delivery(self, chat: Chat) -> None:
        """Faults first, then the person's block, then the flood limits."""
        status = self.faults.take_failure()
        if status is not None:
            raise server_error(status)
        if chat.id in self.faults.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        wait = self.faults.take_flood(chat.id)
        if wait is not None:
            self.limiter.rejected_429 += 1
        else:
            wait = self.limiter.admit(chat.id, group=chat.is_group, at=_arrival.get())
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    def _poll_fault(self, request: web.Request) -> None:
        fault = self.faults.take_poll_fault()
        if fault is None:
            return
        if fault.dropped:
            if request.transport is not None:
                request.transport.close()  # the client sees the connection end, no answer
            raise ApiError(503, "connection dropped")  # recorded; the client never sees it
        if fault.retry_after is not None:
            wait = fault.retry_after
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        if fault.status == 409:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        raise server_error(fault.status)

    def _reply_to(self, params: JSON) -> int | None:
        reply_to = params.get("reply_to_message_id")
        if reply_to is None:
            reply_to = (params.get("reply_parameters") or {}).get("message_id")
        if reply_to is not None and reply_to not in self.bot_messages | self.people_messages:
            raise bad_request("message to be replied not found")
        return reply_to

    def _bot_message(self, chat: Chat, message_id: object) -> BotMessage:
        message = self.bot_messages.get(message_id)  # type: ignore[arg-type]
        if message is None or message.chat.id != chat.id:
            raise bad_request("message to edit not found")
        return message

    # -- methods --------------------------------------------------------------------------

    async def _true(self, _params: JSON) -> bool:
        return True

    async def _get_me(self, _params: JSON) -> JSON:
        return self.bot_user

    async def _set_webhook(self, params: JSON) -> bool:
        self.webhook = params
        return True

    async def _delete_webhook(self, _params: JSON) -> bool:
        self.webhook = None
        return True

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self.confirm(offset)
        timeout = float(params.get("timeout") or 0)
        if not self.pending_updates and timeout > 0:
            self.long_polls += 1  # lets a test know a poll is waiting before it acts
            self.touch()
            with contextlib.suppress(TimeoutError):
                await self.wait_until(lambda: self.pending_updates or self.closing, timeout)
        return self.pending_updates[: params.get("limit") or 100]

    async def _send_message(self, params: JSON) -> JSON:
        chat, text, markup = self._chat(params), message_text(params), inline_markup(params)
        reply_to = self._reply_to(params)
        self._check_delivery(chat)
        message = self.record_bot_message(
            chat,
            text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to=reply_to,
        )
        return self.bot_message_json(message)

    async def _edit_message_text(self, params: JSON) -> JSON:
        chat = self._chat(params)
        message = self._bot_message(chat, params.get("message_id"))
        text, markup = message_text(params), inline_markup(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if (text, markup) == (message.text, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        self._check_delivery(chat)
        message.text, message.reply_markup = text, markup
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        return self.bot_message_json(message)

    async def _edit_reply_markup(self, params: JSON) -> JSON:
        chat = self._chat(params)
        message = self._bot_message(chat, params.get("message_id"))
        markup = inline_markup(params)
        if markup == message.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        message.edits += 1
        return self.bot_message_json(message)

    async def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        if not self.callback_known(query_id):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    async def _get_file(self, params: JSON) -> JSON:
        file = self.files.get(params.get("file_id", ""))
        if file is None:
            raise bad_request("invalid file_id")
        if file.size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {**file.to_json(), "file_path": file.file_path}

    async def _set_my_commands(self, params: JSON) -> bool:
        self.commands[commands_key(params)] = checked_commands(params)
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self.commands.get(commands_key(params), [])

    async def _send_document(self, params: JSON) -> JSON:
        return self._send_file(params, "document")

    async def _send_photo(self, params: JSON) -> JSON:
        return self._send_file(params, "photo")

    def _send_file(self, params: JSON, kind: str) -> JSON:
        chat, markup = self._chat(params), inline_markup(params)
        caption = visible_text(
            params.get("caption"), params.get("parse_mode"), MAX_CAPTION, "message caption"
        )
        file = self.stored_upload(params.get(kind), kind)
        reply_to = self._reply_to(params)
        self._check_delivery(chat)
        message = self.record_bot_message(
            chat, kind=kind, text=caption, file=file, reply_markup=markup, reply_to=reply_to
        )
        return self.bot_message_json(message)
