"""Leases: work that one process at a time does (the sweep, the weekly digest, sending
through the channels), held by name until a moment its holder keeps moving on.

A lease is one row: taking it is one INSERT ... ON CONFLICT DO UPDATE that succeeds only when
the row is missing, expired, or already the taker's, so two processes never both hold it; a
holder that dies (or hangs, or loses the database) stops renewing it, and another process
takes it once it expires. The same statement runs on SQLite and PostgreSQL; the moments are
the service's clock's (hosts sharing a database keep their clocks in step with NTP)."""

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_for
from storage.models import Lease


async def take(
    session: AsyncSession, *, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Hold `name` until `now + ttl` if it is free, expired or `holder`'s already; whether
    `holder` holds it now."""
    table = Lease.__table__  # type: ignore[attr-defined]
    statement = insert_for(session)(table).values(name=name, holder=holder, expires_at=now + ttl)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=or_(table.c.holder == holder, table.c.expires_at < now),
    ).returning(table.c.holder)
    return (await session.execute(statement)).scalar_one_or_none() == holder


async def give_up(session: AsyncSession, *, names: list[str], holder: str) -> None:
    """Free the leases `holder` has among `names` (it is stopping): another process may take
    them at once instead of waiting for them to expire."""
    table = Lease.__table__  # type: ignore[attr-defined]
    await session.execute(delete(table).where(table.c.name.in_(names), table.c.holder == holder))


async def holders(session: AsyncSession, *, now: datetime) -> dict[str, str]:
    """Who holds each lease that has not expired."""
    table = Lease.__table__  # type: ignore[attr-defined]
    query = select(table.c.name, table.c.holder).where(table.c.expires_at >= now)
    return {name: holder for name, holder in (await session.execute(query)).all()}
