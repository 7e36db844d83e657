"""The outbox worker: claim one row at a time, send it through the person's channel, record it.

Each channel paces its own sends, replies and outbox rows alike (Telegram: 1 message a
second per chat, 3 s in a group, 30 a second overall, each with a margin). A 429 waits
`retry_after`; network and server errors back off with a cap; a person who blocked the bot
is marked unreachable and coordinators are told; log lines name the person and unit, never
the text. A crash between sending and recording can repeat at most the one message in
flight (its claim's lease runs out and it is retried); nothing is ever lost.

`run` is the service's loop: a pass over the due rows, a pause, again, never two passes at
once. `stop` ends it between rows: a stopping worker takes no new row.
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

from bot.channels.base import (
    Channel,
    ChannelError,
    Outbound,
    RetryLater,
    TransientError,
    Unreachable,
)
from bot.clock import Clock, Sleep
from bot.conversation.buttons import ButtonSigner
from bot.conversation.present import FileLink, no_links, present
from bot.delivery.grouping import grouped_text, overdue_items
from bot.delivery.render import render
from bot.texts import chat
from storage import outbox
from storage.db import existing, find, stored_id, transaction
from storage.models import Person
from storage.outbox import enqueue, message_row
from storage.people import delivery_targets, mark_unreachable, people_with_role
from storage.units import unit_name
from storage.vocab import OutboxKind, PersonRole, ReminderKind

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(seconds=60)  # far longer than one send (its timeouts included)
MAX_BACKOFF = timedelta(minutes=10)


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
    sleep: Sleep = asyncio.sleep  # a 429's pause; tests pass their clock's
    file_link: FileLink = no_links  # files as links where a channel cannot send them
    _stopping: asyncio.Event = field(init=False, default_factory=asyncio.Event)

    async def run(self, *, every: float) -> None:
        """Deliver until stopped: a pass, then `every` seconds' pause (real time, cut short
        by `stop`). A pass longer than the pause is simply followed by the next one."""
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # the database or a channel failed this pass; the next may not
                log.exception("delivery pass failed; trying again in %s s", every)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), every)

    def stop(self) -> None:
        """Take no new row; the one in flight finishes."""
        self._stopping.set()

    async def release_all(self) -> int:
        """On the way out: whatever this worker still holds goes back to the queue."""
        async with transaction(self.sessions) as session:
            return await outbox.release_claims(session, worker=self.worker)

    async def run_once(self, limit: int = 500) -> int:
        """Deliver up to `limit` due rows; returns how many were sent."""
        sent = 0
        if not self.may_send(self.clock.now()):
            return 0
        for _ in range(limit):
            if self._stopping.is_set():
                break
            row_id = await self._claim()
            if row_id is None or not self.may_send(self.clock.now()):
                if row_id is not None:
                    await self._release(row_id)
                break
            sent += await self._deliver(row_id)
        return sent

    async def _claim(self) -> int | None:
        async with transaction(self.sessions) as session:
            return await outbox.claim_next(
                session, worker=self.worker, now=self.clock.now(), lease=self.lease
            )

    async def _deliver(self, row_id: int) -> int:
        """Send one claimed row, or the group of escalations it leads; returns rows sent."""
        rows = [row_id, *await self._companions(row_id)]
        prepared = await self._prepare(rows)
        if prepared is None:
            return 0
        channel, chat_id, message, choices, rows = prepared
        try:
            sent = await channel.send(chat_id, message)
        except ChannelError as exc:
            for each in rows:
                await self._failed(each, exc)
            if isinstance(exc, RetryLater):  # the whole channel must pause, not only this chat
                await self.sleep(exc.retry_after)
            return 0
        for each in rows:
            await self._record(each, sent.message_id, choices, channel.name)
        return len(rows)

    async def _companions(self, row_id: int) -> list[int]:
        """An escalation takes the person's other due escalations with it (bot/delivery/grouping)."""
        async with transaction(self.sessions) as session:
            row = await outbox.claimed_row(session, row_id=row_id)
            if row.kind != ReminderKind.ESCALATION:
                return []
            return await outbox.claim_companions(
                session, row=row, worker=self.worker, now=self.clock.now()
            )

    async def _prepare(
        self, rows: list[int]
    ) -> tuple[Channel, str, Outbound, list[str], list[int]] | None:
        """The channel, chat and message for `rows`; rows that do not fit go back to the queue."""
        row_id = rows[0]
        async with self.sessions() as session:
            row = await outbox.claimed_row(session, row_id=row_id)
            person = await existing(session, Person, row.person_id)
            # A row bound to a channel (an edit of a message delivered there) goes only there.
            running = [row.channel] if row.channel else list(self.channels)
            running = [name for name in running if name in self.channels]
            targets = await delivery_targets(session, person_ids=[row.person_id], running=running)
            target = targets.get(row.person_id)
            if target is None or not person.active:
                for each in rows:
                    await self._give_up(each, "no running channel for this person")
                return None
            channel = self.channels[target.channel]
            if len(rows) > 1:
                message, sent = await self._grouped(session, rows, channel.capabilities.max_text)
            else:
                now, tz = self.clock.now(), self.timezone
                message, sent = (
                    await render(session, row, person, self.signer, now, tz, self.days_late),
                    rows,
                )
        for left in set(rows) - set(sent):  # the next message
            await self._release(left)
        if message.edit_message_id and not channel.capabilities.edits:
            # A copy rewritten where messages cannot be edited would arrive as a new one.
            for each in sent:
                await self._give_up(each, "this channel cannot edit a sent message")
            return None
        message, choices = present(message, channel.capabilities, self.file_link)
        return channel, target.chat_id, message, choices, sent

    async def _grouped(
        self, session: AsyncSession, rows: list[int], limit: int
    ) -> tuple[Outbound, list[int]]:
        today = self.clock.now().astimezone(self.timezone).date()
        items = await overdue_items(session, rows, today, self.days_late)
        text, sent = grouped_text(items, limit)
        return Outbound(text=text), sent

    async def _record(self, row_id: int, message_id: str, choices: list[str], channel: str) -> None:
        async with transaction(self.sessions) as session:
            await outbox.record_sent(
                session,
                row_id=row_id,
                message_id=message_id,
                now=self.clock.now(),
                choices=choices,
                channel=channel,
            )

    async def _failed(self, row_id: int, exc: ChannelError) -> None:
        now = self.clock.now()
        async with transaction(self.sessions) as session:
            row = await outbox.record_failure(
                session,
                row_id=row_id,
                error=type(exc).__name__,
                now=now,
                retry_in=lambda attempts: _retry_in(exc, attempts),
            )
            who = await _who(session, row.person_id)
            log.warning(
                "outbox %s to %s not delivered (%s), attempt %s",
                row_id,
                who,
                row.last_error,
                row.attempts,
            )
            if isinstance(exc, Unreachable):
                await _mark_unreachable(session, row.person_id, now, who)

    async def _release(self, row_id: int) -> None:
        """The window closed while this row was claimed: back to the queue, untouched."""
        async with transaction(self.sessions) as session:
            await outbox.release(session, row_id=row_id)

    async def _give_up(self, row_id: int, reason: str) -> None:
        async with transaction(self.sessions) as session:
            who = await _who(session, (await outbox.claimed_row(session, row_id=row_id)).person_id)
            await outbox.give_up(session, row_id=row_id, reason=reason)
            log.warning("outbox %s to %s given up: %s", row_id, who, reason)


def worker_identity() -> str:
    """Host, process and a random part: a restarted process that reuses a pid is another owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _retry_in(exc: ChannelError, attempts: int) -> timedelta | None:
    """When to try a failed row again: as the channel asks, backing off, or never."""
    if isinstance(exc, RetryLater):
        return timedelta(seconds=exc.retry_after)
    if isinstance(exc, TransientError):
        return min(timedelta(seconds=5 * 2 ** min(attempts, 10)), MAX_BACKOFF)
    return None


async def _who(session: AsyncSession, person_id: int) -> str:
    """A person as the operator's log names them: id, name and unit (never a chat id or token)."""
    person = await find(session, Person, person_id)
    if person is None:
        return f"person {person_id}"
    unit = await unit_name(session, unit_id=person.unit_id)
    return f"person {person_id} {person.full_name} ({unit or 'no unit'})"


async def _mark_unreachable(session: AsyncSession, person_id: int, now: datetime, who: str) -> None:
    person = await mark_unreachable(session, person_id=person_id, now=now)
    if person is None:
        return
    log.warning("%s cannot be reached any more; coordinators are told", who)
    unit = await unit_name(session, unit_id=person.unit_id)
    text = chat.UNREACHABLE.format(name=person.full_name, unit=unit if unit is not None else "—")
    coordinators = await people_with_role(session, role=PersonRole.COORDINATOR)
    rows = [
        message_row(
            key=f"unreachable:{person_id}:{now.date().isoformat()}:{c.id}",
            person_id=stored_id(c),
            kind=OutboxKind.UNREACHABLE,
            text=text,
            now=now,
        )
        for c in coordinators
        if c.id != person_id
    ]
    await enqueue(session, rows)
