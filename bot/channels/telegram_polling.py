"""Long polling that acknowledges a Telegram update only after it was handled, handles
different chats at once, and never stops quietly.

PTB's Updater confirms the offset on its next request whether or not the update was
processed. Here each update goes to its chat's lane (`ChatLanes`: a chat's updates in
order, up to `MAX_CHATS` chats at once) and polling goes on; the offset sent with getUpdates
(which confirms every update before it) never passes the oldest update still being handled,
so a crash cannot lose one: at most the updates in flight come again, and the conversation's
record of handled updates answers each of them once. While updates are in flight their
offset keeps the long poll from waiting, so polling then asks again every `REPOLL` seconds
(or as soon as nothing is in flight), and hands out only updates it has not handed out yet.
An update the conversation could not store (`NotStored`: the database stayed locked) is
tried again in its lane after a pause, its chat's later updates waiting behind it.

Every failure of getUpdates is logged and retried: a 429 waits as long as Telegram asks,
anything else backs off up to `MAX_BACKOFF` (a 409 Conflict means another instance polls
this token). Only a refused token (InvalidToken, Forbidden) ends the loop, by raising:
polling cannot resume, and the service exits so that its supervisor restarts it. An
exception escaping a lane (a bug) ends it the same way.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from functools import partial
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.channels.base import NotStored
from bot.channels.lanes import ChatLanes
from bot.channels.telegram_mapping import retry_seconds
from bot.clock import Sleep

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BACKOFF = 60.0
FATAL = (InvalidToken, Forbidden)  # the token itself is refused: no retry can help
MAX_CHATS = 32  # chats whose updates are handled at the same time
REPOLL = 0.2  # seconds between polls while updates are in flight

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


class Window:
    """The updates handed out and not yet handled, and the offset that confirms the rest."""

    def __init__(self) -> None:
        self.highest: int | None = None  # the last update handed out
        self._open: set[int] = set()

    @property
    def busy(self) -> bool:
        return bool(self._open)

    @property
    def offset(self) -> int | None:
        """The oldest update still being handled, else the one after the last handed out."""
        if self._open:
            return min(self._open)
        return None if self.highest is None else self.highest + 1

    def fresh(self, updates: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The updates not handed out before (a poll while busy repeats the ones in flight)."""
        for update in updates:
            update_id = update["update_id"]
            if self.highest is None or update_id > self.highest:
                self.highest = update_id
                self._open.add(update_id)
                yield update

    def done(self, update_id: int) -> None:
        self._open.discard(update_id)


async def poll_updates(
    bot: Bot,
    handle: Handle,
    *,
    long_poll: float,
    interval: float,
    sleep: Sleep,
    max_chats: int = MAX_CHATS,
    repoll: float = REPOLL,
) -> None:
    """Fetch, hand each update to its chat's lane, and confirm only what all lanes finished."""
    window = Window()
    lanes: ChatLanes[Update] = ChatLanes(
        partial(_until_stored, handle, window, sleep), max_chats=max_chats
    )
    polls = Backoff()
    try:
        while True:
            lanes.raise_failure()
            try:
                updates = await _fetch(bot, window, 0 if window.busy else long_poll)
            except FATAL:
                raise
            except TelegramError as error:
                await sleep(_poll_failed(error, polls))
                continue
            polls.reset()
            for update in updates:
                lanes.submit(chat_key(update), update)
            if window.busy:
                await _while_busy(window, lanes, repoll)
            elif interval:
                await sleep(interval)
    finally:
        await lanes.close()


async def _fetch(bot: Bot, window: Window, wait: float) -> list[Update]:
    """getUpdates from the window's offset; only the updates not handed out yet are built.

    `Bot.get_updates` builds an `Update` of every update in the answer, and while updates
    are in flight each answer repeats them all (up to 100): building them again and again
    cost more than handling them. So the answer is read as JSON here, through the bot's own
    request path (same errors, the getUpdates connection pool and its timeouts)."""
    data = {"offset": window.offset, "timeout": wait, "allowed_updates": ALLOWED_UPDATES}
    # PTB's get_updates adds the long poll's length to its read timeout in the same way.
    read_timeout = (bot.request.read_timeout or 0) + wait
    answer = await bot._post("getUpdates", data, read_timeout=read_timeout)
    return [Update.de_json(update, bot) for update in window.fresh(answer)]


async def _while_busy(window: Window, lanes: "ChatLanes[Update]", repoll: float) -> None:
    """Until nothing is in flight (then a long poll confirms it all) or `repoll` passed."""
    loop = asyncio.get_running_loop()
    until = loop.time() + repoll
    while window.busy and lanes.failure is None and (left := until - loop.time()) > 0:
        await lanes.wait_change(left)


def chat_key(update: Update) -> Hashable:
    """The lane of an update: its chat, else its sender, else its own."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return ("update", update.update_id)


async def _until_stored(handle: Handle, window: Window, sleep: Sleep, update: Update) -> None:
    """Handle one update, again after a pause while the database is too busy to store it."""
    stores = Backoff()
    while True:
        try:
            await handle(update)
        except NotStored:
            wait = stores.next()
            log.warning(
                "telegram update %s was not stored (the database is busy); it stays "
                "unconfirmed and is tried again in %.0f s",
                update.update_id,
                wait,
            )
            await sleep(wait)
            continue
        window.done(update.update_id)
        return


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
