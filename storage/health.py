"""What a health check reads from the database: the outbox's backlog (a quick look, by index)."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import OutboxMessage
from storage.vocab import OutboxStatus


@dataclass(frozen=True)
class Backlog:
    """Outbox rows not yet sent: waiting (and how many of them are due), in flight, failed."""

    pending: int
    due: int
    sending: int
    failed: int
    oldest_due_seconds: int | None  # how long the oldest due row has waited

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


async def outbox_backlog(session: AsyncSession, *, now: datetime) -> Backlog:
    status, not_before = col(OutboxMessage.status), col(OutboxMessage.not_before)
    unsent = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)
    counts = dict(
        (
            await session.execute(
                select(status, func.count()).where(status.in_(unsent)).group_by(status)
            )
        ).all()
    )
    due = (status == OutboxStatus.PENDING) & (not_before <= now)
    due_count, oldest = (
        await session.execute(select(func.count(), func.min(not_before)).where(due))
    ).one()
    return Backlog(
        pending=counts.get(OutboxStatus.PENDING, 0),
        due=due_count,
        sending=counts.get(OutboxStatus.SENDING, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        oldest_due_seconds=None if oldest is None else max(0, int((now - oldest).total_seconds())),
    )
