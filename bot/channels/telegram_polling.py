"""Long polling that acknowledges a Telegram update only after it was handled, and never
stops quietly.

PTB's Updater confirms the offset on its next request whether or not the update was
processed; here the next getUpdates (which confirms) waits until the conversation has
committed each update of the batch, so a crash cannot lose one. An update the conversation
could not store (`NotStored`: the database stayed locked) is not confirmed either: it is
fetched again after a pause.

Every failure of getUpdates is logged and retried: a 429 waits as long as Telegram asks,
anything else backs off up to `MAX_BACKOFF` (a 409 Conflict means another instance polls
this token). Only a refused token (InvalidToken, Forbidden) ends the loop, by raising:
polling cannot resume, and the service exits so that its supervisor restarts it.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, Update
from telegram.error import Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.channels.base import NotStored
from bot.channels.telegram_mapping import retry_seconds
from bot.clock import Sleep

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BACKOFF = 60.0
FATAL = (InvalidToken, Forbidden)  # the token itself is refused: no retry can help

Handle = Callable[[Update], Awaitable[None]]


class Backoff:
    """2, 4, 8 … seconds, capped; back to the start after a success."""

    def __init__(self) -> None:
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        return min(2.0**self.failures, MAX_BACKOFF)

    def reset(self) -> None:
        self.failures = 0


async def poll_updates(
    bot: Bot, handle: Handle, *, long_poll: float, interval: float, sleep: Sleep
) -> None:
    """Fetch, handle each update in turn, and only then ask for (and so confirm) the next."""
    offset: int | None = None
    polls, stores = Backoff(), Backoff()
    while True:
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=timedelta(seconds=long_poll), allowed_updates=ALLOWED_UPDATES
            )
        except FATAL:
            raise
        except TelegramError as error:
            await sleep(_poll_failed(error, polls))
            continue
        polls.reset()
        for update in updates:
            try:
                await handle(update)
            except NotStored:
                wait = stores.next()
                log.warning(
                    "telegram update %s was not stored (the database is busy); it stays "
                    "unconfirmed and is fetched again in %.0f s",
                    update.update_id,
                    wait,
                )
                await sleep(wait)
                break
            stores.reset()
            offset = update.update_id + 1
        else:
            if interval:
                await sleep(interval)


def _poll_failed(error: TelegramError, backoff: Backoff) -> float:
    """Log why getUpdates failed; the seconds to wait before the next try."""
    if isinstance(error, RetryAfter):
        wait = retry_seconds(error)
        log.warning("getUpdates was rate limited (429); retrying in %.0f s", wait)
        return wait
    wait = backoff.next()
    if isinstance(error, Conflict):
        log.error(
            "getUpdates answered 409 Conflict: another instance is polling this bot token; "
            "stop the other one (this one retries in %.0f s)",
            wait,
        )
    else:
        log.warning(
            "getUpdates failed (%s: %s); retrying in %.0f s", type(error).__name__, error, wait
        )
    return wait
