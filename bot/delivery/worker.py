"""The outbox worker: claim one row at a time, send it through the person's channel, record it.

Pacing follows Telegram's limits (1 message a second per chat, 3 s in a group, 30 a second
overall). A 429 waits `retry_after`; network and server errors back off with a cap; a person
who blocked the bot is marked unreachable and coordinators are told. A crash between sending
and recording can repeat at most the one message in flight (its claim goes stale and is
retried); nothing is ever lost.
"""

import asyncio
import logging
import os
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import (
    Channel,
    ChannelError,
    Outbound,
    RetryLater,
    TransientError,
    Unreachable,
)
from bot.clock import Clock
from bot.conversation.buttons import ButtonSigner
from bot.conversation.present import present
from bot.delivery.render import render
from bot.texts import chat
from storage.db import transaction
from storage.models import ChannelIdentity, OutboxMessage, Person, Unit
from storage.outbox import enqueue, message_row
from storage.records import people_with_role
from storage.vocab import OutboxStatus, PersonRole

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=5)
MAX_BACKOFF = timedelta(minutes=10)
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Pacer:
    """Waits as long as needed so no chat and no channel goes over its rate."""

    clock: Clock
    sleep: Sleep = asyncio.sleep
    overall_per_second: int = 30
    per_chat_gap: float = 1.0
    group_gap: float = 3.0
    _recent: deque[datetime] = field(default_factory=deque)
    _last: dict[str, datetime] = field(default_factory=dict)

    async def wait_turn(self, chat_id: str) -> None:
        while (delay := self._delay(chat_id)) > 0:
            await self.sleep(delay)
        now = self.clock.now()
        self._recent.append(now)
        self._last[chat_id] = now

    def _delay(self, chat_id: str) -> float:
        now = self.clock.now()
        while self._recent and (now - self._recent[0]).total_seconds() >= 1:
            self._recent.popleft()
        waits = [0.0]
        if len(self._recent) >= self.overall_per_second:
            waits.append(1 - (now - self._recent[0]).total_seconds())
        if chat_id in self._last:
            gap = self.group_gap if chat_id.startswith("-") else self.per_chat_gap
            waits.append(gap - (now - self._last[chat_id]).total_seconds())
        return max(waits)


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
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    pacer: Pacer | None = None

    def __post_init__(self) -> None:
        self.pacer = self.pacer or Pacer(self.clock)

    async def recover(self) -> int:
        """At start: rows this host claimed before a crash go back to the queue at once."""
        host = self.worker.split(":", 1)[0]
        async with transaction(self.sessions) as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_by.like(f"{host}:%"),
                    OutboxMessage.claimed_by != self.worker,
                )
                .values(status=OutboxStatus.PENDING)
            )
        return result.rowcount  # type: ignore[attr-defined, no-any-return]

    async def run_once(self, limit: int = 500) -> int:
        """Deliver up to `limit` due rows; returns how many were sent."""
        sent = 0
        if not self.may_send(self.clock.now()):
            return 0
        for _ in range(limit):
            row_id = await self._claim()
            if row_id is None or not self.may_send(self.clock.now()):
                if row_id is not None:
                    await self._release(row_id)
                break
            sent += await self._deliver(row_id)
        return sent

    async def _claim(self) -> int | None:
        now = self.clock.now()
        async with transaction(self.sessions) as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_at < now - STALE_CLAIM,
                )
                .values(status=OutboxStatus.PENDING)
            )
            due = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now
                )
                .order_by(OutboxMessage.not_before, OutboxMessage.id)
                .limit(5)
            )
            for row_id in (await session.execute(due)).scalars().all():
                claimed = await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
                    .values(status=OutboxStatus.SENDING, claimed_by=self.worker, claimed_at=now)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    return row_id
        return None

    async def _deliver(self, row_id: int) -> int:
        prepared = await self._prepare(row_id)
        if prepared is None:
            return 0
        channel, chat_id, message, choices = prepared
        await self.pacer.wait_turn(f"{channel.name}:{chat_id}")  # type: ignore[union-attr]
        try:
            sent = await channel.send(chat_id, message)
        except ChannelError as exc:
            await self._failed(row_id, exc)
            if isinstance(exc, RetryLater):  # the whole channel must pause, not only this chat
                await self.pacer.sleep(exc.retry_after)  # type: ignore[union-attr]
            return 0
        await self._record(row_id, sent.message_id, choices)
        return 1

    async def _prepare(self, row_id: int) -> tuple[Channel, str, Outbound, list[str]] | None:
        async with self.sessions() as session:
            row = await session.get(OutboxMessage, row_id)
            person = await session.get(Person, row.person_id)  # type: ignore[union-attr]
            identities = (
                (
                    await session.execute(
                        select(ChannelIdentity).where(ChannelIdentity.person_id == person.id)
                    )  # type: ignore[union-attr]
                )
                .scalars()
                .all()
            )
            target = next((i for i in identities if i.channel in self.channels), None)
            if target is None or not person.active:  # type: ignore[union-attr]
                await self._give_up(row_id, "no running channel for this person")
                return None
            channel = self.channels[target.channel]
            message = await render(
                session, row, person, self.signer, self.clock.now(), self.timezone, self.days_late
            )  # type: ignore[arg-type]
        message, choices = present(message, channel.capabilities)
        return channel, target.chat_id, message, choices

    async def _record(self, row_id: int, message_id: str, choices: list[str]) -> None:
        async with transaction(self.sessions) as session:
            row = await session.get(OutboxMessage, row_id)
            row.status, row.sent_at, row.message_id = (
                OutboxStatus.SENT,
                self.clock.now(),
                message_id,
            )  # type: ignore[union-attr]
            row.attempts += 1  # type: ignore[union-attr]
            if choices:
                person = await session.get(Person, row.person_id)  # type: ignore[union-attr]
                person.pending = {**(person.pending or {}), "choices": choices}  # type: ignore[union-attr]

    async def _failed(self, row_id: int, exc: ChannelError) -> None:
        now = self.clock.now()
        async with transaction(self.sessions) as session:
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            row.attempts += 1
            row.last_error = type(exc).__name__
            if isinstance(exc, RetryLater):
                row.status, row.not_before = (
                    OutboxStatus.PENDING,
                    now + timedelta(seconds=exc.retry_after),
                )
            elif isinstance(exc, TransientError):
                backoff = min(timedelta(seconds=5 * 2 ** min(row.attempts, 10)), MAX_BACKOFF)
                row.status, row.not_before = OutboxStatus.PENDING, now + backoff
            elif isinstance(exc, Unreachable):
                row.status = OutboxStatus.FAILED
                await _mark_unreachable(session, row.person_id, now)
            else:
                row.status = OutboxStatus.FAILED
            log.warning(
                "outbox %s not delivered (%s), attempt %s", row_id, row.last_error, row.attempts
            )

    async def _release(self, row_id: int) -> None:
        """The window closed while this row was claimed: back to the queue, untouched."""
        async with transaction(self.sessions) as session:
            row = await session.get(OutboxMessage, row_id)
            row.status, row.claimed_by, row.claimed_at = OutboxStatus.PENDING, None, None  # type: ignore[union-attr]

    async def _give_up(self, row_id: int, reason: str) -> None:
        async with transaction(self.sessions) as session:
            row = await session.get(OutboxMessage, row_id)
            row.status, row.last_error = OutboxStatus.FAILED, reason  # type: ignore[union-attr]


async def _mark_unreachable(session: AsyncSession, person_id: int, now: datetime) -> None:
    person = await session.get(Person, person_id)
    if person is None or person.unreachable_at is not None:
        return
    person.unreachable_at = now
    unit = await session.get(Unit, person.unit_id) if person.unit_id else None
    text = chat.UNREACHABLE.format(name=person.full_name, unit=unit.name if unit else "—")
    coordinators = await people_with_role(session, role=PersonRole.COORDINATOR)
    rows = [
        message_row(
            key=f"unreachable:{person_id}:{now.date().isoformat()}:{c.id}",
            person_id=c.id,  # type: ignore[arg-type]
            kind="unreachable",
            text=text,
            now=now,
        )
        for c in coordinators
        if c.id != person_id
    ]
    await enqueue(session, rows)
