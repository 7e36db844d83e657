"""The composition root's resources: engine and sessions, opened and closed in order."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.settings import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade


@dataclass(frozen=True)
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock


@asynccontextmanager
async def open_app(settings: Settings, clock: Clock | None = None) -> AsyncIterator[App]:
    """Open the database (upgrading its schema to head) and close it on the way out."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        yield App(settings, engine, session_factory(engine), clock or SystemClock())
    finally:
        await engine.dispose()
