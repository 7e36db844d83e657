"""A webhook route: a platform POSTs each update as JSON with a shared secret in a header.

The secret is compared in constant time (`hmac.compare_digest`), so a forger learns nothing
from how long a refusal takes. The answer tells the platform what to do with the update:

    200  handled (stored and answered), or a duplicate already handled: done
    401  no secret or a wrong one: nothing was read, nothing stored
    400  not JSON, or not an update: sending it again would not help
    503  not stored now (the channel is starting or stopping, the database is busy):
         the platform delivers it again later, so nothing is lost
"""

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.channels.base import NotStored

log = logging.getLogger(__name__)
Receive = Callable[[dict[str, Any]], Awaitable[None]]


class BadUpdate(ValueError):
    """The body is JSON but no update the channel can read."""


def secret_webhook(
    *, channel: str, secret: str, header: str, receive: Receive
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler of `channel`'s webhook, which hands each update to `receive`."""
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(header, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("%s webhook call refused: wrong or missing secret token", channel)
            return _answer(401, "unauthorized")
        try:
            body = json.loads(await request.read())
            if not isinstance(body, dict):
                raise BadUpdate("not a JSON object")
            await receive(body)
        except (ValueError, UnicodeDecodeError) as error:  # BadUpdate is a ValueError
            log.warning("%s webhook: unreadable update refused (%s)", channel, error)
            return _answer(400, "not an update")
        except NotStored:
            return _answer(503, "busy, retry")
        return web.json_response({"ok": True})

    return handle


def _answer(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)
