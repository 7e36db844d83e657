"""Channel updates already handled, so a replayed update changes nothing."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import ProcessedInbound

_TABLE = ProcessedInbound.__table__  # type: ignore[attr-defined]
_RECORD: dict[str, Any] = {}  # by dialect: the statement, built once (every inbound runs it)


async def record_update(
    session: AsyncSession, *, channel: str, update_id: str, now: datetime
) -> bool:
    """Mark the update handled, in one statement; False if it was already (the unique key on
    channel and update id ignores the second insert, whichever worker wrote the first).

    Counted by RETURNING the new row's key: the row count of an INSERT ... ON CONFLICT DO
    NOTHING is not reported by every driver (psycopg gives -1)."""
    dialect = session.get_bind().dialect.name
    statement = _RECORD.get(dialect)
    if statement is None:
        statement = _RECORD[dialect] = (
            insert_for(session)(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id)
        )
    row = {"channel": channel, "update_id": update_id, "received_at": now}
    return (await session.execute(statement, row)).first() is not None
