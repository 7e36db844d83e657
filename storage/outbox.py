"""Writing to the outbox: a row whose `dedupe_key` already exists is skipped, never doubled."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.models import OutboxMessage


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT construct, which knows ON CONFLICT DO NOTHING."""
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"the outbox needs SQLite or PostgreSQL, not {dialect}")
    return insert


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Add outbox rows, skipping keys already there; returns how many were added."""
    insert = insert_for(session)
    added = 0
    for row in rows:  # one by one: rowcount of a multi-row insert is not reliable on SQLite
        statement = insert(OutboxMessage).values(**row)
        result = await session.execute(
            statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        added += max(result.rowcount, 0)  # type: ignore[attr-defined]
    return added


def message_row(
    *,
    key: str,
    person_id: int,
    kind: str,
    text: str,
    now: datetime,
    assignment_id: int | None = None,
    **payload: Any,
) -> dict[str, Any]:
    """A ready-written message (a notice, a request with buttons) for one person."""
    return {
        "dedupe_key": key,
        "person_id": person_id,
        "kind": kind,
        "assignment_id": assignment_id,
        "payload": {"text": text, **payload},
        "not_before": now,
        "created_at": now,
    }


async def assignment_for_message(
    session: AsyncSession, *, person_id: int, message_id: str
) -> int | None:
    """The assignment a delivered reminder was about, to read a reply to it."""
    query = select(OutboxMessage.assignment_id).where(
        OutboxMessage.person_id == person_id, OutboxMessage.message_id == message_id
    )
    return (await session.execute(query)).scalars().first()


async def outbox_for_message(
    session: AsyncSession, *, person_id: int, message_id: str
) -> OutboxMessage | None:
    """The delivered outbox row a person is replying to."""
    query = select(OutboxMessage).where(
        OutboxMessage.person_id == person_id, OutboxMessage.message_id == message_id
    )
    return (await session.execute(query)).scalars().first()
