"""One delivery pass: claimed rows sent concurrently, a bounded number in flight, until no row
is due.

Rows are claimed a batch at a time and made into messages (bot/delivery/prepare), then go
into one lane per chat (bot/delivery/lanes): each chat gets one message at a time, in order,
no sooner than its interval; the channel's own pacer spaces everything it sends within the
channel's overall rate. New rows are claimed while the lanes run low, so a pass drains the
queue continuously, rows written meanwhile included.

A 429 holds back only the chat it names, for `retry_after`; a second chat refused while the
first is still held means the limit is the bot's, and the channel is held instead. A refused
message waits in memory (its claim is still fresh), or, for a hold longer than half the
lease, goes back to the queue due when the hold ends. A row kept past half its lease without
going goes back to the queue, so no other process can take a claim this one still acts on.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Channel, ChannelError, RetryLater
from bot.clock import Clock, Sleep
from bot.delivery import record
from bot.delivery.lanes import Chat, Lanes
from bot.delivery.pacing import chat_interval
from bot.delivery.prepare import Preparer, Ready
from bot.delivery.record import Recorder
from storage import outbox
from storage.db import transaction
from storage.outbox import Delivered
from storage.vocab import ReminderKind

log = logging.getLogger("bot.delivery.worker")
RECHECK = timedelta(seconds=1)  # with the queue found empty, look again this often mid-pass
_QUEUED_PER_SLOT = 4  # rows kept claimed: at most this many per send in flight


class Worker(Protocol):
    """What a pass needs of the worker that runs it (bot/delivery/worker.Delivery)."""

    sessions: async_sessionmaker[AsyncSession]
    channels: Mapping[str, Channel]
    clock: Clock
    lease: timedelta
    worker: str
    max_in_flight: int
    recorder: Recorder

    @property
    def may_send(self) -> Callable[[datetime], bool]: ...

    @property
    def sleep(self) -> Sleep: ...

    @property
    def preparer(self) -> Preparer: ...

    @property
    def stopping(self) -> bool: ...


class Burst:
    def __init__(self, delivery: Worker, limit: int | None) -> None:
        self.d = delivery
        self.limit = limit
        self.lanes: Lanes[Ready] = Lanes()
        self.flying: set[asyncio.Task[None]] = set()
        self.landed = asyncio.Event()
        self.sent = 0
        self.claimed = 0
        self.empty_at: datetime | None = None  # when a claim last found nothing due
        self.tries: dict[tuple[int, ...], int] = {}  # 429s sat out in memory, by message
        self.refused_at: dict[Chat, datetime] = {}  # chats held by a 429, and since when
        self.budget = delivery.lease / 2

    async def run(self) -> int:
        """Deliver until nothing is due (or the worker stops, or the window closes)."""
        try:
            while await self._step():
                pass
            if self.flying:  # stopping: what is in flight finishes
                await asyncio.wait(self.flying)
        finally:
            for task in self.flying:  # cancelled from outside: their rows are released below
                task.cancel()
            await self.d.recorder.flush()
            await record.release(self.d.sessions, [r for item in self.lanes for r in item.rows])
        return self.sent

    async def _step(self) -> bool:
        d = self.d
        now = d.clock.now()
        if d.stopping or not d.may_send(now):
            return False
        if self._wants_rows(now):
            await self._claim(now)
            now = d.clock.now()
        while len(self.flying) < d.max_in_flight and (taken := self.lanes.take(now)):
            self._start(*taken)
        if not self.flying and not len(self.lanes) and self._queue_empty(now):
            return False
        await self._wait(now)
        return True

    def _queue_empty(self, now: datetime) -> bool:
        if self._limit_reached():
            return True
        return self.empty_at is not None and now - self.empty_at < RECHECK

    def _wants_rows(self, now: datetime) -> bool:
        slots = self.d.max_in_flight
        return (
            not self._queue_empty(now)
            and self.lanes.ready(now) < slots
            and len(self.lanes) < _QUEUED_PER_SLOT * slots
        )

    async def _claim(self, now: datetime) -> None:
        d = self.d
        want = (
            d.max_in_flight
            if self.limit is None
            else min(d.max_in_flight, self.limit - self.claimed)
        )
        async with transaction(d.sessions) as session:
            ids = await outbox.claim_due(
                session, worker=d.worker, now=now, lease=d.lease, limit=want
            )
            rows = await outbox.claimed_rows(session, row_ids=ids)
            for person_id in {r.person_id for r in rows if r.kind == ReminderKind.ESCALATION}:
                ids += await outbox.claim_companions(
                    session,
                    person_id=person_id,
                    kind=ReminderKind.ESCALATION,
                    worker=d.worker,
                    now=now,
                )
        self.claimed += len(ids)
        self.empty_at = now if len(ids) < want else None
        if ids:
            await self._prepare(ids, now)

    async def _prepare(self, ids: list[int], now: datetime) -> None:
        d = self.d
        try:
            async with d.sessions() as session:
                rows = await outbox.claimed_rows(session, row_ids=ids)
                made = await d.preparer.prepare(session, rows, now)
        except BaseException:
            await record.release(d.sessions, ids)  # the database failed, not these rows
            raise
        for ready in made.ready:
            self.lanes.add((ready.channel, ready.chat_id), ready)
        await record.release(d.sessions, made.spare)  # the next message for its person
        for reason in {reason for _, reason in made.refused}:
            refused = [row for row, why in made.refused if why == reason]
            await record.give_up(d.sessions, refused, reason)
        for row_id, reason in made.broken:
            await record.broken(d.sessions, row_id, reason, now)

    def _start(self, chat: Chat, item: Ready) -> None:
        task = asyncio.create_task(self._deliver(chat, item), name=f"send-{item.rows[0]}")
        self.flying.add(task)
        task.add_done_callback(self._landed)

    def _landed(self, task: asyncio.Task[None]) -> None:
        self.flying.discard(task)
        self.landed.set()

    async def _wait(self, now: datetime) -> None:
        """Until a send lands or a chat's turn comes (or, the queue found empty, a look again)."""
        moments = [m for m in (self.lanes.next_free(),) if m is not None]
        if self.empty_at is not None and not self._limit_reached():
            moments.append(self.empty_at + RECHECK)
        moments = [m for m in moments if m > now]
        delay = min((m - now).total_seconds() for m in moments) if moments else None
        self.landed.clear()
        if not self.flying:
            # Nothing in flight: the only thing to wait for is time (a test's clock moves here).
            if delay is not None:
                await self.d.sleep(delay)
            return
        # A send in flight ends the wait early; the pause is the event loop's own timer.
        landing = asyncio.ensure_future(self.landed.wait())
        try:
            await asyncio.wait({landing}, timeout=delay)
        finally:
            landing.cancel()

    def _limit_reached(self) -> bool:
        return self.limit is not None and self.claimed >= self.limit

    async def _deliver(self, chat: Chat, item: Ready) -> None:
        d = self.d
        channel = d.channels[item.channel]
        group = channel.is_group(item.chat_id)
        gap = timedelta(seconds=chat_interval(channel.capabilities, group=group))
        try:
            await self._send(chat, item)
        except Exception:
            log.exception("outbox %s: what became of it could not be written", item.rows[0])
        finally:
            self.lanes.done(chat, d.clock.now() + gap)

    async def _send(self, chat: Chat, item: Ready) -> None:
        d = self.d
        if d.clock.now() > item.claimed_at + self.budget:
            await record.release(d.sessions, item.rows)  # claimed too long ago: claim anew
            return
        try:
            sent = await d.channels[item.channel].send(item.chat_id, item.message)
        except RetryLater as exc:
            await self._refused(chat, item, exc)
        except Exception as exc:
            if not isinstance(exc, ChannelError):
                log.exception("sending outbox %s failed unexpectedly", item.rows[0])
            await record.failed(d.sessions, item.rows, exc, d.clock.now(), self._tries(item))
        else:
            self._delivered(item, sent.message_id)

    def _tries(self, item: Ready) -> int:
        return self.tries.pop(item.rows, 0) + 1

    def _delivered(self, item: Ready, message_id: str) -> None:
        tries = self._tries(item)
        for row_id in item.rows:
            self.d.recorder.add(Delivered(row_id, message_id, item.channel, tries, item.choices))
        self.sent += len(item.rows)

    async def _refused(self, chat: Chat, item: Ready, exc: RetryLater) -> None:
        """A 429: hold the chat (or, a second chat refused meanwhile, the channel) and go again
        when the hold ends, from memory or, for a long hold, from the queue."""
        now = self.d.clock.now()
        until = now + timedelta(seconds=exc.retry_after)
        others = [
            c for c, t in self.refused_at.items() if c != chat and c[0] == chat[0] and t > now
        ]
        self.refused_at[chat] = until
        self.lanes.hold(chat, until)
        if others:
            log.warning(
                "%s: 429 in several chats; the whole channel waits %s s", chat[0], exc.retry_after
            )
            self.lanes.hold_channel(chat[0], until)
        self.tries[item.rows] = self.tries.get(item.rows, 0) + 1
        if until <= item.claimed_at + self.budget:
            self.lanes.put_back(chat, item)
            return
        tries = self.tries.pop(item.rows)
        await record.failed(self.d.sessions, item.rows, exc, now, tries)
        waiting = [c for c in self.lanes.chats(chat[0]) if others or c == chat]
        rows = [r for c in waiting for later in self.lanes.remove(c) for r in later.rows]
        await record.release(self.d.sessions, rows, not_before=until)
