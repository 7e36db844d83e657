"""Channel updates already handled, so a replayed update changes nothing."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.models import ProcessedInbound


async def handled_before(session: AsyncSession, *, channel: str, update_id: str) -> bool:
    query = select(ProcessedInbound.id).where(
        ProcessedInbound.channel == channel, ProcessedInbound.update_id == update_id
    )
    return (await session.execute(query)).first() is not None


async def record_update(
    session: AsyncSession, *, channel: str, update_id: str, now: datetime
) -> None:
    """Mark the update handled; IntegrityError if another worker recorded it meanwhile."""
    session.add(ProcessedInbound(channel=channel, update_id=update_id, received_at=now))
    await session.flush()
