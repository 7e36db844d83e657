"""Claimed outbox rows made into messages, a batch at a time, in one read-only session.

What a batch needs is read in a few statements (the rows, their people and delivery targets,
the assignments, tasks and units), so rendering one reminder costs no query of its own. A row
that cannot be prepared (bad data, a row it points at gone) is reported apart with its
reason; it never stops the others. A failure of the database itself is nobody's row's fault:
it ends the batch, whose rows go back to the queue.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.channels.base import Channel, Outbound
from bot.conversation.buttons import ButtonSigner
from bot.conversation.present import FileLink, no_links, present
from bot.delivery.grouping import grouped_text, overdue_items
from bot.delivery.render import render
from storage.models import Assignment, ChannelIdentity, OutboxMessage, Person, Task, Unit
from storage.people import delivery_targets
from storage.vocab import ReminderKind


@dataclass(frozen=True)
class Ready:
    """One message ready to go, and the outbox rows it delivers (several: grouped escalations)."""

    rows: tuple[int, ...]
    person_id: int
    channel: str
    chat_id: str
    message: Outbound
    choices: tuple[str, ...]
    claimed_at: datetime


@dataclass
class Prepared:
    ready: list[Ready] = field(default_factory=list)
    broken: list[tuple[int, str]] = field(default_factory=list)  # bad data: tried again, bounded
    refused: list[tuple[int, str]] = field(default_factory=list)  # can never go: given up now
    spare: list[int] = field(default_factory=list)  # grouped escalations that did not fit


@dataclass(frozen=True)
class Made:
    ready: Ready
    spare: list[int]


@dataclass(frozen=True)
class Refusal:
    rows: list[int]
    reason: str
    spare: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Preparer:
    channels: Mapping[str, Channel]
    signer: ButtonSigner
    timezone: ZoneInfo
    days_late: Callable[[date, date], int]
    file_link: FileLink = no_links

    async def prepare(
        self, session: AsyncSession, rows: Sequence[OutboxMessage], now: datetime
    ) -> Prepared:
        """Messages for `rows` (in their order); a person's escalations go out as one."""
        done = Prepared()
        people, targets, _kept = await self._load(session, rows)
        escalations: dict[int, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            if row.kind == ReminderKind.ESCALATION:
                escalations[row.person_id].append(row)
        for row in rows:
            group = (
                escalations.get(row.person_id, []) if row.kind == ReminderKind.ESCALATION else []
            )
            if group and group[0] is not row:
                continue  # went with the first escalation of its person
            together = group or [row]
            try:
                self._one(done, await self._message(session, together, people, targets, now))
            except SQLAlchemyError:
                raise
            except Exception as exc:  # bad data in this row: the others go on
                done.broken += [(r.id or 0, f"{type(exc).__name__}: {exc}") for r in together]
        return done

    def _one(self, done: Prepared, made: Made | Refusal) -> None:
        if isinstance(made, Refusal):
            done.refused += [(row, made.reason) for row in made.rows]
        else:
            done.ready.append(made.ready)
        done.spare += made.spare

    async def _message(
        self,
        session: AsyncSession,
        rows: list[OutboxMessage],
        people: dict[int, Person],
        targets: dict[tuple[int, str | None], ChannelIdentity],
        now: datetime,
    ) -> Made | Refusal:
        first = rows[0]
        ids = [row.id or 0 for row in rows]
        person = people.get(first.person_id)
        if person is None:
            raise LookupError(f"Person {first.person_id} not found")
        target = targets.get((first.person_id, first.channel))
        if target is None or not person.active:
            return Refusal(ids, "no running channel for this person")
        channel = self.channels[target.channel]
        spare: list[int] = []
        if len(rows) > 1:
            today = now.astimezone(self.timezone).date()
            items = await overdue_items(session, ids, today, self.days_late)
            text, ids_sent = grouped_text(items, channel.capabilities.max_text)
            message, spare = Outbound(text=text), [i for i in ids if i not in ids_sent]
            ids = ids_sent
        else:
            tz = self.timezone
            message = await render(session, first, person, self.signer, now, tz, self.days_late)
        if message.edit_message_id and not channel.capabilities.edits:
            # A copy rewritten where messages cannot be edited would arrive as a new one.
            return Refusal(ids, "this channel cannot edit a sent message", spare)
        message, choices = present(message, channel.capabilities, self.file_link)
        claimed_at = first.claimed_at or now
        ready = Ready(
            tuple(ids),
            first.person_id,
            channel.name,
            target.chat_id,
            message,
            tuple(choices),
            claimed_at,
        )
        return Made(ready, spare)

    async def _load(
        self, session: AsyncSession, rows: Sequence[OutboxMessage]
    ) -> tuple[dict[int, Person], dict[tuple[int, str | None], ChannelIdentity], list[object]]:
        """The batch's people and where each row goes; its assignments, tasks and units read
        into the session (and kept: the session holds them only weakly), where rendering
        finds them without a query."""
        person_ids = sorted({row.person_id for row in rows})
        found = await session.execute(select(Person).where(col(Person.id).in_(person_ids)))
        people = {p.id or 0: p for p in found.scalars()}
        targets: dict[tuple[int, str | None], ChannelIdentity] = {}
        # A row bound to a channel (an edit of a message delivered there) goes only there.
        for bound in {row.channel for row in rows}:
            running = [bound] if bound else list(self.channels)
            running = [name for name in running if name in self.channels]
            wanted = sorted({row.person_id for row in rows if row.channel == bound})
            where = await delivery_targets(session, person_ids=wanted, running=running)
            targets.update({(person, bound): target for person, target in where.items()})
        return people, targets, await _read_into(session, rows)


async def _read_into(session: AsyncSession, rows: Sequence[OutboxMessage]) -> list[object]:
    assignment_ids = sorted({row.assignment_id for row in rows if row.assignment_id})
    if not assignment_ids:
        return []
    found = await session.execute(select(Assignment).where(col(Assignment.id).in_(assignment_ids)))
    assignments = list(found.scalars())
    task_ids = sorted({a.task_id for a in assignments})
    unit_ids = sorted({a.unit_id for a in assignments})
    tasks = await session.execute(select(Task).where(col(Task.id).in_(task_ids)))
    units = await session.execute(select(Unit).where(col(Unit.id).in_(unit_ids)))
    return [*assignments, *tasks.scalars(), *units.scalars()]
