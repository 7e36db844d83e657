"""Stored digests: each one's figures, so the next can show the change, and what was sent."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.db import insert_new
from storage.models import Digest


async def previous_digest(
    session: AsyncSession, *, plan_id: int, kind: str, before: datetime, other_than: str
) -> Digest | None:
    """The latest digest of `kind` made before `before`, for a period other than `other_than`."""
    query = (
        select(Digest)
        .where(
            col(Digest.plan_id) == plan_id,
            col(Digest.kind) == kind,
            col(Digest.at) < before,
            col(Digest.period) != other_than,
        )
        .order_by(col(Digest.at).desc(), col(Digest.id).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def digest_exists(session: AsyncSession, *, plan_id: int, kind: str, period: str) -> bool:
    """Whether this plan's digest (or report) for `period` was stored already."""
    query = select(col(Digest.id)).where(
        col(Digest.plan_id) == plan_id, col(Digest.kind) == kind, col(Digest.period) == period
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
    return await insert_new(session, Digest, [values]) == 1
