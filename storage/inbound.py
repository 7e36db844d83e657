"""Channel updates already handled, so a replayed update changes nothing."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage.models import ProcessedInbound


async def claim_update(
    session: AsyncSession, *, channel: str, update_id: str, now: datetime
) -> bool:
    """Record the update id; False if it was handled before."""
    query = select(ProcessedInbound.id).where(
        ProcessedInbound.channel == channel, ProcessedInbound.update_id == update_id
    )
    if (await session.execute(query)).first() is not None:
        return False
    session.add(ProcessedInbound(channel=channel, update_id=update_id, received_at=now))
    await session.flush()
    return True
