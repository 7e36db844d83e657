"""Long polling that acknowledges a Telegram update only after it was handled.

PTB's Updater confirms the offset on its next request whether or not the update was
processed; here the next getUpdates (which confirms) waits until the conversation has
committed each update of the batch, so a crash cannot lose one.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BACKOFF = 60.0


async def poll_updates(
    application: "Application[Any, Any, Any, Any, Any, Any]",
    *,
    long_poll: float,
    interval: float,
    sleep: Callable[[float], Awaitable[None]],
) -> None:
    """Fetch, handle each update in turn, and only then ask for (and so confirm) the next."""
    offset: int | None = None
    failures = 0
    while True:
        try:
            updates = await application.bot.get_updates(
                offset=offset, timeout=long_poll, allowed_updates=ALLOWED_UPDATES
            )
            failures = 0
        except (NetworkError, TimedOut) as error:
            failures += 1
            log.warning("getUpdates failed (%s); retrying", type(error).__name__)
            await sleep(min(2.0**failures, MAX_BACKOFF))
            continue
        for update in updates:
            await application.process_update(update)
            offset = update.update_id + 1
        if interval:
            await sleep(interval)
