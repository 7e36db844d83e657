"""The outbox: writing rows (a `dedupe_key` already there is skipped, never doubled), and the
delivery worker's claim, release and record of each one."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.db import rowcount
from storage.models import Assignment, OutboxMessage, Person
from storage.pending import Pending
from storage.vocab import AssignmentStatus, OutboxKind, OutboxStatus, ReminderKind

# Reminders a person answers (an escalation is about another unit's task: it is read, not
# answered).
_ANSWERABLE = [k.value for k in ReminderKind if k != ReminderKind.ESCALATION]


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT construct, which knows ON CONFLICT DO NOTHING."""
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"the outbox needs SQLite or PostgreSQL, not {dialect}")
    return insert


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Add outbox rows, skipping keys already there; returns how many were added.

    In bulk, one statement per shape of row: on SQLite an executemany, whose row count sums
    the rows each insert added; elsewhere RETURNING counts them."""
    insert = insert_for(session)
    returning = session.get_bind().dialect.name != "sqlite"
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shapes.setdefault(tuple(sorted(row)), []).append(row)
    added = 0
    for same in shapes.values():
        # The table, not the entity: a plain executemany, not the ORM's bulk insert.
        table = OutboxMessage.metadata.tables["outbox"]
        statement = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
        if returning:
            statement = statement.returning(table.c.id)
            added += len((await session.execute(statement, same)).all())
        else:
            added += max(rowcount(await session.execute(statement, same)), 0)
    return added


def message_row(
    *,
    key: str,
    person_id: int,
    kind: OutboxKind,
    text: str,
    now: datetime,
    assignment_id: int | None = None,
    channel: str | None = None,
    **payload: Any,
) -> dict[str, Any]:
    """A ready-written message (a notice, a request with buttons) for one person; `channel`
    binds it to one channel (an edit of a message delivered there)."""
    return {
        "dedupe_key": key,
        "person_id": person_id,
        "kind": kind,
        "assignment_id": assignment_id,
        "channel": channel,
        "payload": {"text": text, **payload},
        "not_before": now,
        "created_at": now,
    }


async def assignment_for_message(
    session: AsyncSession, *, person_id: int, message_id: str, channel: str
) -> int | None:
    """The assignment a delivered reminder was about, to read a reply to it on `channel`."""
    query = (
        select(OutboxMessage.assignment_id)
        .where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.message_id == message_id,
            _on(channel),
        )
        .order_by(col(OutboxMessage.id))  # the message itself before any edit of it
    )
    return (await session.execute(query)).scalars().first()


async def outbox_for_message(
    session: AsyncSession, *, person_id: int, message_id: str, channel: str
) -> OutboxMessage | None:
    """The delivered outbox row a person is replying to on `channel` (not a later edit)."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.message_id == message_id,
            _on(channel),
        )
        .order_by(col(OutboxMessage.id))
    )
    return (await session.execute(query)).scalars().first()


def _on(channel: str) -> Any:
    """Delivered on `channel` (message ids of two channels may look alike); rows from before
    the channel was recorded match any."""
    return or_(col(OutboxMessage.channel).is_(None), col(OutboxMessage.channel) == channel)


async def reminders_delivered(
    session: AsyncSession, *, person_id: int, assignment_id: int
) -> list[OutboxMessage]:
    """Reminders about one assignment delivered to one person, the latest first."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.assignment_id == assignment_id,
            col(OutboxMessage.kind).in_(_ANSWERABLE),
            col(OutboxMessage.message_id).is_not(None),
        )
        .order_by(col(OutboxMessage.id).desc())
    )
    return list((await session.execute(query)).scalars().all())


async def open_reminders(
    session: AsyncSession, *, person_id: int, limit: int = 50
) -> list[OutboxMessage]:
    """Reminders delivered to a person (on any channel) whose task is still open, the latest
    first: what an answer that names no task is about."""
    query = (
        select(OutboxMessage)
        .join(Assignment, col(Assignment.id) == OutboxMessage.assignment_id)
        .where(
            OutboxMessage.person_id == person_id,
            col(OutboxMessage.kind).in_(_ANSWERABLE),
            col(OutboxMessage.message_id).is_not(None),
            col(Assignment.status) != AssignmentStatus.DONE,
            col(Assignment.cancelled_at).is_(None),
        )
        .order_by(col(OutboxMessage.sent_at).desc().nulls_last(), col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars().all())


async def rows_with_key_prefix(session: AsyncSession, *, prefix: str) -> list[OutboxMessage]:
    """Every row whose dedupe key starts with `prefix` (the copies of one message)."""
    query = select(OutboxMessage).where(col(OutboxMessage.dedupe_key).startswith(prefix))
    return list((await session.execute(query.order_by(col(OutboxMessage.id)))).scalars().all())


async def claim_next(
    session: AsyncSession, *, worker: str, now: datetime, lease: timedelta
) -> int | None:
    """Claim the next due row for `worker`, leased for `lease`.

    A claim is taken back only when its lease has run out (its owner died or hung), never
    because of who owns it: a second process on the same host leaves the first one's
    in-flight rows alone.
    """
    await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_at) < now - lease,
        )
        .values(status=OutboxStatus.PENDING)
    )
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)
        .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
        .limit(5)
    )
    due_ids: list[int] = list((await session.execute(due)).scalars().all())
    for row_id in due_ids:
        claimed = await session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.SENDING, claimed_by=worker, claimed_at=now)
        )
        if rowcount(claimed) == 1:
            return row_id
    return None


async def claim_companions(
    session: AsyncSession, *, row: OutboxMessage, worker: str, now: datetime
) -> list[int]:
    """Claim the other due rows of `row`'s kind for the same person, to go out in one message."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.person_id == row.person_id,
            OutboxMessage.kind == row.kind,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before <= now,
            col(OutboxMessage.id) != row.id,
        )
        .order_by(col(OutboxMessage.id))
    )
    taken = []
    for row_id in (await session.execute(due)).scalars().all():
        claimed = await session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.SENDING, claimed_by=worker, claimed_at=now)
        )
        if rowcount(claimed) == 1:
            taken.append(row_id)
    return taken


async def claimed_row(session: AsyncSession, *, row_id: int) -> OutboxMessage:
    row = await session.get(OutboxMessage, row_id)
    assert row is not None, f"outbox row {row_id} vanished while claimed"
    return row


async def release_claims(session: AsyncSession, *, worker: str) -> int:
    """Every row `worker` still holds goes back to the queue (it is stopping)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_by) == worker,
        )
        .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    return rowcount(result)


async def release(session: AsyncSession, *, row_id: int) -> None:
    """Back to the queue, untouched (the sending window closed while it was claimed)."""
    row = await claimed_row(session, row_id=row_id)
    row.status, row.claimed_by, row.claimed_at = OutboxStatus.PENDING, None, None


async def record_sent(
    session: AsyncSession,
    *,
    row_id: int,
    message_id: str,
    now: datetime,
    choices: list[str],
    channel: str | None = None,
) -> None:
    """Mark a row sent (and on which channel); numbered choices it offered are kept for the
    person's reply."""
    row = await claimed_row(session, row_id=row_id)
    row.status, row.sent_at, row.message_id = OutboxStatus.SENT, now, message_id
    row.channel = channel
    row.attempts += 1
    if choices:
        person = await session.get(Person, row.person_id)
        assert person is not None
        person.pending = Pending.of(person.pending).offering(choices, from_reminder=True).stored()


async def record_failure(
    session: AsyncSession,
    *,
    row_id: int,
    error: str,
    now: datetime,
    retry_in: Callable[[int], timedelta | None],
) -> OutboxMessage:
    """Count a failed attempt; `retry_in(attempts)` says when to try again, None for never."""
    row = await claimed_row(session, row_id=row_id)
    row.attempts += 1
    row.last_error = error
    wait = retry_in(row.attempts)
    if wait is None:
        row.status = OutboxStatus.FAILED
    else:
        row.status, row.not_before = OutboxStatus.PENDING, now + wait
    return row


async def give_up(session: AsyncSession, *, row_id: int, reason: str) -> None:
    row = await claimed_row(session, row_id=row_id)
    row.status, row.last_error = OutboxStatus.FAILED, reason
