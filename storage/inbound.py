"""Channel updates already handled, so a replayed update changes nothing."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import rowcount
from storage.models import ProcessedInbound
from storage.outbox import insert_for


async def record_update(
    session: AsyncSession, *, channel: str, update_id: str, now: datetime
) -> bool:
    """Mark the update handled, in one statement; False if it was already (the unique key on
    channel and update id ignores the second insert, whichever worker wrote the first)."""
    statement = (
        insert_for(session)(ProcessedInbound)
        .values(channel=channel, update_id=update_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    )
    return rowcount(await session.execute(statement)) == 1
