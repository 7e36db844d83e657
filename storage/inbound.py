"""Channel updates already handled, so a replayed update changes nothing."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_new
from storage.models import ProcessedInbound


async def record_update(
    session: AsyncSession, *, channel: str, update_id: str, now: datetime
) -> bool:
    """Mark the update handled, in one statement; False if it was already (the unique key on
    channel and update id ignores the second insert, whichever worker wrote the first)."""
    row = {"channel": channel, "update_id": update_id, "received_at": now}
    return await insert_new(session, ProcessedInbound, [row]) == 1
