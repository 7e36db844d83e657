"""Stored digests: each one's figures, so the next can show the change, and what was sent."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Digest, OutboxMessage


async def previous_digest(
    session: AsyncSession, *, plan_id: int, kind: str, before: datetime, other_than: str
) -> Digest | None:
    """The latest digest of `kind` made before `before`, for a period other than `other_than`."""
    query = (
        select(Digest)
        .where(
            Digest.plan_id == plan_id,
            Digest.kind == kind,
            Digest.at < before,
            Digest.period != other_than,
        )
        .order_by(Digest.at.desc(), Digest.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def digest_exists(session: AsyncSession, *, plan_id: int, kind: str, period: str) -> bool:
    """Whether this plan's digest (or report) for `period` was stored already."""
    query = select(Digest.id).where(
        Digest.plan_id == plan_id, Digest.kind == kind, Digest.period == period
    )
    return (await session.execute(query)).first() is not None


async def save_digest(
    session: AsyncSession,
    *,
    plan_id: int,
    kind: str,
    period: str,
    at: datetime,
    figures: dict[str, Any],
) -> bool:
    """Store a digest once; False when this plan's period was stored already (by any process)."""
    values = {
        "plan_id": plan_id,
        "kind": kind,
        "period": period,
        "at": at,
        "figures": figures,
        "created_at": at,
    }
    statement = _insert(session)(Digest).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Add outbox rows; a row whose `dedupe_key` exists is skipped. Returns how many were added."""
    added = 0
    for row in rows:  # one by one: rowcount of a multi-row insert is not reliable on SQLite
        statement = _insert(session)(OutboxMessage).values(**row)
        result = await session.execute(
            statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        added += result.rowcount  # type: ignore[attr-defined]
    return added


def _insert(session: AsyncSession):  # noqa: ANN202 (the dialect's insert construct)
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
