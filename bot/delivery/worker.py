"""The outbox worker: due rows claimed in batches, sent concurrently through each person's
channel within its rates, recorded in groups.

Each channel paces its own sends, replies and outbox rows alike (bot/delivery/pacing, the
limits read from its capabilities). A pass (bot/delivery/burst) keeps up to `max_in_flight`
sends going, one per chat at a time, and claims more rows as they go, so it drains the queue
continuously. A 429 holds back that chat, or the whole channel when several chats are refused
at once, for `retry_after`; network and server errors back off with a cap; a row that cannot
be made into a message is failed with its reason after a few tries; a person who blocked the
bot is marked unreachable and coordinators are told; log lines name the person and unit,
never the text (bot/delivery/record). A crash can repeat at most the messages in flight (sent,
not yet recorded: their claims' leases run out and they are retried); nothing is ever lost.

`run` is the service's loop: a pass while rows are due, a pause when none is. `stop` ends it
between sends: a stopping worker starts no new send; those in flight finish. With several
processes on one database, `may_claim` says whether this one does the sending now (it holds
the sending lease, scheduler/jobs.Leases): the channels' rates are per bot, and one process
paces them exactly; the others stand by and take over when its lease runs out.
"""

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Channel
from bot.clock import Clock, Sleep
from bot.conversation.buttons import ButtonSigner
from bot.conversation.present import FileLink, no_links
from bot.delivery.burst import Burst
from bot.delivery.prepare import Preparer
from bot.delivery.record import Recorder
from storage import outbox
from storage.db import transaction

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(seconds=60)  # far longer than one send (its timeouts included)
# Sends at once: Telegram's 30 a second with a round trip of up to a second, and more than
# enough for a network 100-300 ms away (about 30 x 0.3 = 9 in flight).
MAX_IN_FLIGHT = 32


@dataclass
class Delivery:
    sessions: async_sessionmaker[AsyncSession]
    channels: Mapping[str, Channel]
    signer: ButtonSigner
    clock: Clock
    timezone: ZoneInfo
    days_late: Callable[[date, date], int]
    # Quiet hours: outside the sending window nothing goes out; rows wait for the next one.
    may_send: Callable[[datetime], bool] = lambda _now: True
    lease: timedelta = DEFAULT_LEASE  # a claim not recorded within this goes back to the queue
    worker: str = field(default_factory=lambda: worker_identity())
    sleep: Sleep = (
        asyncio.sleep
    )  # waits for a chat's turn or a 429's hold; tests pass their clock's
    file_link: FileLink = no_links  # files as links where a channel cannot send them
    max_in_flight: int = MAX_IN_FLIGHT
    may_claim: Callable[[], bool] = lambda: True  # this process does the sending now
    recorder: Recorder = field(init=False)
    _stopping: asyncio.Event = field(init=False, default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.recorder = Recorder(self.sessions, self.clock)

    @property
    def preparer(self) -> Preparer:
        return Preparer(self.channels, self.signer, self.timezone, self.days_late, self.file_link)

    @property
    def stopping(self) -> bool:
        """Stopped, or another process does the sending now: no new claim, no new send."""
        return self._stopping.is_set() or not self.may_claim()

    async def run(self, *, every: float) -> None:
        """Deliver until stopped: a pass while rows are due, then `every` seconds' pause (real
        time, cut short by `stop`)."""
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # the database or a channel failed this pass; the next may not
                log.exception("delivery pass failed; trying again in %s s", every)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), every)

    def stop(self) -> None:
        """Start no new send; those in flight finish."""
        self._stopping.set()

    async def release_all(self) -> int:
        """On the way out: what was sent is recorded, and whatever this worker still holds
        goes back to the queue."""
        await self.recorder.flush()
        async with transaction(self.sessions) as session:
            return await outbox.release_claims(session, worker=self.worker)

    async def run_once(self, limit: int | None = None) -> int:
        """Deliver the due rows (at most `limit` of them), including rows that fall due while
        this runs; returns how many were sent."""
        if not self.may_send(self.clock.now()) or not self.may_claim():
            return 0
        return await Burst(self, limit).run()


def worker_identity() -> str:
    """Host, process and a random part: a restarted process that reuses a pid is another owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
