"""What became of each claimed row, written to the database.

Sent rows are written in groups: whatever went out while the previous group was being
committed goes in the next one, one statement and one commit for all of it. A crash loses at
most the group not yet committed; those messages went out but their rows are still claimed,
so they go again once their lease runs out (the messages in flight repeated, nothing lost).

Failures are rare and written one at a time, with the person's name and unit in the log and
never the text: a platform's refusal backs off or gives up as the error says; a row that
cannot be prepared (bad data) is tried PREPARE_ATTEMPTS times, then marked failed with its
reason; a person who blocked the bot is marked unreachable and coordinators are told.
"""

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelError, RetryLater, TransientError, Unreachable
from bot.clock import Clock
from bot.texts import chat
from storage import outbox
from storage.db import find, stored_id, transaction
from storage.models import Person
from storage.outbox import Delivered, enqueue, message_row
from storage.people import mark_unreachable, people_with_role
from storage.units import unit_name
from storage.vocab import OutboxKind, PersonRole

log = logging.getLogger("bot.delivery.worker")  # one logger name for everything delivery says
MAX_BACKOFF = timedelta(minutes=10)
PREPARE_ATTEMPTS = 3  # a row whose message cannot be made is failed after this many tries
_WRITE_ATTEMPTS = 3
_WRITE_PAUSE = 0.5  # seconds between two tries of a group write (the database was locked)


@dataclass
class Recorder:
    """Sent rows, written in groups by one writer task."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    _waiting: list[Delivered] = field(default_factory=list)
    _writer: "asyncio.Task[None] | None" = None

    def add(self, delivered: Delivered) -> None:
        self._waiting.append(delivered)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="delivery-recorder")

    async def flush(self) -> None:
        """Return once every row added so far is written (or its write given up)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._waiting:  # added after the writer's last look
            self._writer = asyncio.create_task(self._write_all(), name="delivery-recorder")
            await asyncio.shield(self._writer)

    async def _write_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            await self._write(group)

    async def _write(self, group: list[Delivered]) -> None:
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                async with transaction(self.sessions) as session:
                    await outbox.record_delivered(session, delivered=group, now=self.clock.now())
                return
            except Exception:
                if attempt == _WRITE_ATTEMPTS:
                    log.exception(
                        "%d sent outbox row(s) could not be recorded; they go again once "
                        "their lease runs out",
                        len(group),
                    )
                    return
                await asyncio.sleep(_WRITE_PAUSE)


async def failed(
    sessions: async_sessionmaker[AsyncSession],
    rows: Sequence[int],
    exc: Exception,
    now: datetime,
    tries: int = 1,
) -> None:
    """A send that failed: each row backs off, or fails for good, as the error says."""
    for row_id in rows:
        async with transaction(sessions) as session:
            row = await outbox.record_failure(
                session,
                row_id=row_id,
                error=type(exc).__name__,
                now=now,
                retry_in=lambda attempts: retry_in(exc, attempts),
                tries=tries,
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


async def broken(
    sessions: async_sessionmaker[AsyncSession], row_id: int, reason: str, now: datetime
) -> None:
    """A row whose message could not be made: tried again later, failed after a few tries."""
    async with transaction(sessions) as session:
        row = await outbox.record_failure(
            session,
            row_id=row_id,
            error=f"cannot prepare: {reason}"[:500],
            now=now,
            retry_in=_prepare_again,
        )
        who = await _who(session, row.person_id)
        final = " (given up)" if row.status == "failed" else ""
        log.warning(
            "outbox %s to %s could not be prepared (%s), attempt %s of %s%s",
            row_id,
            who,
            reason,
            row.attempts,
            PREPARE_ATTEMPTS,
            final,
        )


async def give_up(
    sessions: async_sessionmaker[AsyncSession], rows: Sequence[int], reason: str
) -> None:
    async with transaction(sessions) as session:
        for row_id in rows:
            row = await outbox.claimed_row(session, row_id=row_id)
            await outbox.give_up(session, row_id=row_id, reason=reason)
            log.warning(
                "outbox %s to %s given up: %s", row_id, await _who(session, row.person_id), reason
            )


async def release(
    sessions: async_sessionmaker[AsyncSession],
    rows: Collection[int],
    not_before: datetime | None = None,
) -> None:
    """Claimed rows back to the queue, untouched; due again at `not_before` when given."""
    if rows:
        async with transaction(sessions) as session:
            await outbox.release_rows(session, row_ids=rows, not_before=not_before)


def retry_in(exc: Exception, attempts: int) -> timedelta | None:
    """When to try a failed row again: as the channel asks, backing off, or never."""
    if isinstance(exc, RetryLater):
        return timedelta(seconds=exc.retry_after)
    if isinstance(exc, TransientError):
        return min(timedelta(seconds=5 * 2 ** min(attempts, 10)), MAX_BACKOFF)
    if not isinstance(exc, ChannelError):  # our own bug on the way out: like bad data
        return _prepare_again(attempts)
    return None


def _prepare_again(attempts: int) -> timedelta | None:
    return None if attempts >= PREPARE_ATTEMPTS else timedelta(minutes=attempts)


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
