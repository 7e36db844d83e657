"""A fake Zalo Bot Platform on 127.0.0.1 that our client talks to for real.

    async with FakeZaloApi() as zalo:
        zalo.user_sends(LAN, "/status")                  # a person writes to the bot
        [reply] = await zalo.next_messages(LAN.id)       # what the bot said, bounded wait

getUpdates gives one update (or error_code 408 once its long poll ends empty); dates are in
milliseconds; sendMessage refuses an empty text or one over 2,000 characters. setWebhook
records the URL and secret; in webhook mode `user_sends` posts the update there with the
secret header, and `post_webhook` posts anything with any header. Failures on demand:
`fail_sends(n, code)`, `block(user)` (403), `revoke_token()` (401). Photos are served at
`photo_url(name)`.
"""

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "3090077098889577948:FakeZaloTokenForTestsOnly"
MAX_TEXT = 2000
JSON = dict[str, Any]


@dataclass(frozen=True)
class ZaloUser:
    id: str
    name: str
    name_key: str = "display_name"  # the platform's key for the name varies


@dataclass
class Sent:
    chat_id: str
    text: str
    message_id: str


@dataclass
class FakeZaloApi:
    token: str = TOKEN
    updates: asyncio.Queue[JSON] = field(default_factory=asyncio.Queue)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, JSON]] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)
    webhook: tuple[str, str] | None = None
    blocked: set[str] = field(default_factory=set)
    revoked: bool = False
    _failures: list[int] = field(default_factory=list)
    _poll_faults: list[int | str] = field(default_factory=list)
    _read: set[int] = field(default_factory=set)
    _ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1000))
    _new: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def __aenter__(self) -> "FakeZaloApi":
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/photos/{name}", self._photo)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    # The people's side.

    def update(self, user: ZaloUser, event: str, **message: Any) -> JSON:
        message_id = message.pop("message_id", None) or f"m{next(self._ids)}"
        return {
            "event_name": event,
            "message": {
                "message_id": message_id,
                "date": int(time.time() * 1000),
                "chat": {"id": user.id, "chat_type": message.pop("chat_type", "PRIVATE")},
                "from": {"id": user.id, user.name_key: user.name, "is_bot": False},
                **message,
            },
        }

    async def user_sends(self, user: ZaloUser, text: str, **extra: Any) -> JSON:
        update = self.update(user, "message.text.received", text=text, **extra)
        await self.deliver(update)
        return update

    async def user_sends_photo(self, user: ZaloUser, name: str, data: bytes) -> JSON:
        self.photos[name] = data
        update = self.update(user, "message.image.received", photo=self.photo_url(name))
        await self.deliver(update)
        return update

    async def deliver(self, update: JSON) -> int:
        """To getUpdates, or to the webhook when one is set (its HTTP status then)."""
        if self.webhook is None:
            await self.updates.put(update)
            return 200
        url, secret = self.webhook
        return await self.post_webhook(url, update, secret=secret)

    async def post_webhook(
        self, url: str, body: Any, *, secret: str | None, raw: bytes | None = None
    ) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Bot-Api-Secret-Token"] = secret
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            data = raw if raw is not None else None
            kwargs: dict[str, Any] = {"data": data} if raw is not None else {"json": body}
            async with client.post(url, headers=headers, **kwargs) as response:
                await response.read()
                return response.status

    def photo_url(self, name: str) -> str:
        return f"{self.base_url}/photos/{name}"

    async def next_messages(self, user_id: str, count: int = 1, within: float = 10.0) -> list[str]:
        """The next `count` texts to `user_id` not read yet, waiting at most `within` seconds."""

        async def enough() -> None:
            async with self._new:
                await self._new.wait_for(lambda: len(self._unread(user_id)) >= count)

        await asyncio.wait_for(enough(), within)
        unread = self._unread(user_id)[:count]
        self._read.update(id(s) for s in unread)
        return [s.text for s in unread]

    def texts_to(self, user_id: str) -> list[str]:
        return [s.text for s in self.sent if s.chat_id == user_id]

    def _unread(self, user_id: str) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == user_id and id(s) not in self._read]

    # Failure injection.

    def fail_sends(self, count: int, code: int = 500) -> None:
        self._failures.extend([code] * count)

    def block(self, user: ZaloUser) -> None:
        self.blocked.add(user.id)

    def revoke_token(self) -> None:
        self.revoked = True

    def fail_polls(self, *faults: int | str) -> None:
        """The next getUpdates calls fail in turn: an HTTP/Zalo error code, or "drop" (the
        connection closes without an answer)."""
        self._poll_faults.extend(faults)

    # The HTTP side.

    async def _photo(self, request: web.Request) -> web.Response:
        data = self.photos.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/jpeg")

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token or self.revoked:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await request.json() if request.can_read_body else {}
        self.calls.append((method, params))
        if method == "getUpdates" and self._poll_faults:
            fault = self._poll_faults.pop(0)
            if fault == "drop" and request.transport is not None:
                request.transport.close()  # no answer at all: the client sees a dropped link
                return web.Response()
            return _error(int(fault), "injected fault")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, f"method {method} not found")
        return await handler(params)

    async def _api_getMe(self, _params: JSON) -> web.Response:
        return _ok({"id": "42", "account_name": "bot.NhacViec", "account_type": "BASIC"})

    async def _api_deleteWebhook(self, _params: JSON) -> web.Response:
        self.webhook = None
        return _ok({"url": "", "updated_at": 0})

    async def _api_setWebhook(self, params: JSON) -> web.Response:
        secret = str(params.get("secret_token", ""))
        if not 8 <= len(secret) <= 256:
            return _error(400, "secret_token must be 8-256 characters")
        self.webhook = (str(params["url"]), secret)
        return _ok({"url": params["url"], "updated_at": int(time.time() * 1000)})

    async def _api_getUpdates(self, params: JSON) -> web.Response:
        if self.webhook is not None:
            return _error(409, "webhook is set; getUpdates is disabled")
        wait = float(params.get("timeout") or 30)
        try:
            update = await asyncio.wait_for(self.updates.get(), wait)
        except TimeoutError:
            return _error(408, "Request timeout")
        return _ok(update)

    async def _api_sendMessage(self, params: JSON) -> web.Response:
        chat_id, text = str(params.get("chat_id", "")), params.get("text")
        if self._failures:
            code = self._failures.pop(0)
            return _error(code, "injected failure")
        if chat_id in self.blocked:
            return _error(403, "user has blocked the bot or is not following it")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return _error(400, "text must be 1-2000 characters")
        sent = Sent(chat_id, text, f"s{next(self._ids)}")
        async with self._new:
            self.sent.append(sent)
            self._new.notify_all()
        return _ok({"message_id": sent.message_id, "date": int(time.time() * 1000)})


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    status = code if code in (400, 401, 403, 404, 408, 409, 429) or code >= 500 else 400
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=status if status < 600 else 500)
