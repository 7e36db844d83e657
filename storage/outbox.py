"""The outbox: writing rows (a `dedupe_key` already there is skipped, never doubled), and the
delivery worker's claims (a batch in one statement), releases and records (a group of sent
rows in one statement)."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.db import insert_for, rowcount
from storage.models import Assignment, OutboxMessage, Person
from storage.pending import Pending
from storage.vocab import AssignmentStatus, OutboxKind, OutboxStatus, ReminderKind

# Reminders a person answers (an escalation is about another unit's task: it is read, not
# answered).
_ANSWERABLE = [k.value for k in ReminderKind if k != ReminderKind.ESCALATION]


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
    found = await session.execute(
        REPLIED_TO, {"person": person_id, "message": message_id, "channel": channel}
    )
    return found.scalar()


# The assignment of the delivered message a person replies to (parameters: person, message,
# channel), built once: every reply runs it, alone or inside `replied_assignment`.
REPLIED_TO = (
    sa_select(col(OutboxMessage.assignment_id))
    .where(
        col(OutboxMessage.person_id) == bindparam("person"),
        col(OutboxMessage.message_id) == bindparam("message"),
        or_(
            col(OutboxMessage.channel).is_(None),
            col(OutboxMessage.channel) == bindparam("channel"),
        ),
    )
    .order_by(col(OutboxMessage.id))  # the message itself before any edit of it
    .limit(1)
)


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


@dataclass(frozen=True)
class DeliveredReminder:
    """A reminder as delivered: the message to edit, what kind it was, when it went."""

    message_id: str
    kind: str
    sent_at: datetime | None


async def reminder_to_rewrite(
    session: AsyncSession,
    *,
    person_id: int,
    assignment_id: int,
    channel: str,
    referenced: Collection[str | None] = (),
) -> DeliveredReminder | None:
    """Of the reminders about one assignment delivered to one person on `channel`, the one an
    answer rewrites: the message it refers to (pressed or replied to) if it is one of them,
    else the latest. One row of three columns, chosen by the database."""
    refs = [r for r in referenced if r is not None]
    found = await session.execute(
        _TO_REWRITE,
        {"person": person_id, "assignment": assignment_id, "channel": channel, "refs": refs},
    )
    row = found.first()
    if row is None:
        return None
    message_id, kind, sent_at = row
    assert message_id is not None  # the query asks for delivered rows only
    return DeliveredReminder(message_id, kind, sent_at)


# Built once (an everyday answer runs it): only the parameters change from run to run.
_TO_REWRITE = (
    sa_select(col(OutboxMessage.message_id), col(OutboxMessage.kind), col(OutboxMessage.sent_at))
    .where(
        col(OutboxMessage.person_id) == bindparam("person"),
        col(OutboxMessage.assignment_id) == bindparam("assignment"),
        col(OutboxMessage.kind).in_(_ANSWERABLE),
        col(OutboxMessage.message_id).is_not(None),
        or_(
            col(OutboxMessage.channel).is_(None),
            col(OutboxMessage.channel) == bindparam("channel"),
        ),
    )
    .order_by(
        case((col(OutboxMessage.message_id).in_(bindparam("refs", expanding=True)), 0), else_=1),
        col(OutboxMessage.id).desc(),
    )
    .limit(1)
    # What the turn changed so far (the task's status) is not about the outbox: it is written
    # with the turn's other changes in one flush, not flushed first for this read.
    .execution_options(autoflush=False)
)


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


async def claim_due(
    session: AsyncSession, *, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[int]:
    """Claim up to `limit` due rows for `worker`, leased for `lease`; their ids, in order.

    Three statements whatever `limit` is: claims whose lease ran out (their owner died or
    hung) go back to the queue, never because of who owns them (a second process on the same
    host leaves the first one's rows in flight alone); the oldest due rows are picked, on
    PostgreSQL locked FOR UPDATE SKIP LOCKED (rows another transaction is taking are passed
    over, not waited for); then they are taken in one UPDATE, which checks the status again.
    SQLite runs one writer at a time (the first UPDATE takes its lock), so two workers never
    pick the same row there either.

    The pick is its own statement, not a subquery of the UPDATE: PostgreSQL may run an
    `IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` again for each row the UPDATE visits,
    and each run skips the rows this very UPDATE already changed, taking more than `limit`.
    """
    await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_at) < now - lease,
        )
        .values(status=OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)
        .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    picked = [row_id for row_id in (await session.execute(due)).scalars().all()]
    if not picked:
        return []
    claimed = await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(picked), col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_by=worker, claimed_at=now)
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)
    )
    return sorted(row_id for row_id in claimed.scalars().all() if row_id is not None)


async def claim_next(
    session: AsyncSession, *, worker: str, now: datetime, lease: timedelta
) -> int | None:
    """Claim the next due row for `worker` (see `claim_due`)."""
    claimed = await claim_due(session, worker=worker, now=now, lease=lease, limit=1)
    return claimed[0] if claimed else None


async def claim_companions(
    session: AsyncSession, *, person_id: int, kind: str, worker: str, now: datetime
) -> list[int]:
    """Claim the person's other due rows of `kind`, to go out in one message (one statement)."""
    claimed = await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.person_id) == person_id,
            col(OutboxMessage.kind) == kind,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.not_before) <= now,
        )
        .values(status=OutboxStatus.SENDING, claimed_by=worker, claimed_at=now)
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)
    )
    return sorted(row_id for row_id in claimed.scalars().all() if row_id is not None)


async def claimed_rows(session: AsyncSession, *, row_ids: Collection[int]) -> list[OutboxMessage]:
    """The rows behind `row_ids`, in the order they fell due."""
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(row_ids))
        .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
    )
    return list((await session.execute(query)).scalars().all())


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


async def release_rows(
    session: AsyncSession, *, row_ids: Collection[int], not_before: datetime | None = None
) -> None:
    """Back to the queue untouched, due again at `not_before` when given (one statement)."""
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "claimed_by": None,
        "claimed_at": None,
    }
    if not_before is not None:
        values["not_before"] = not_before
    await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.status) == OutboxStatus.SENDING
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Delivered:
    """One row sent: its message, the channel it went through, its attempts (429s included)."""

    row_id: int
    message_id: str
    channel: str
    attempts: int = 1
    choices: tuple[str, ...] = ()


async def record_delivered(
    session: AsyncSession, *, delivered: Sequence[Delivered], now: datetime
) -> None:
    """Mark rows sent in one statement; numbered choices they offered are kept for the
    person's reply (only where a channel has no buttons)."""
    if not delivered:
        return
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("row"))
        .values(
            status=OutboxStatus.SENT,
            sent_at=now,
            message_id=bindparam("message"),
            channel=bindparam("via"),
            attempts=table.c.attempts + bindparam("tries"),
        ),
        [
            {"row": d.row_id, "message": d.message_id, "via": d.channel, "tries": d.attempts}
            for d in delivered
        ],
    )
    for d in delivered:
        if d.choices:
            row = await claimed_row(session, row_id=d.row_id)
            person = await session.get(Person, row.person_id)
            assert person is not None
            offered = Pending.of(person.pending).offering(d.choices, from_reminder=True)
            person.pending = offered.stored()


async def record_failure(
    session: AsyncSession,
    *,
    row_id: int,
    error: str,
    now: datetime,
    retry_in: Callable[[int], timedelta | None],
    tries: int = 1,
) -> OutboxMessage:
    """Count `tries` failed attempts (a 429 sat out in memory before is one);
    `retry_in(attempts)` says when to try again, None for never."""
    row = await claimed_row(session, row_id=row_id)
    row.attempts += tries
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
