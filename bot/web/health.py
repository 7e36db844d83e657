"""`GET /healthz`: is this process able to work? For a load balancer, a monitor, or a person
with curl on the server.

    {"status": "ok",
     "database": {"reachable": true, "backend": "postgresql", "schema": "0004",
                  "schema_head": "0004"},
     "channels": {"telegram": "running"},
     "outbox": {"pending": 3, "due": 1, "sending": 0, "failed": 0, "oldest_due_seconds": 12}}

503 (status "down") when the database does not answer within a few seconds; the channels'
states and the backlog say what else to look at. No secret is ever in it: no token, no URL
with a password, no error text from the driver (only the error's type).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.health import outbox_backlog
from storage.migrate import current_revision, head_on_disk

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)
PATH = "/healthz"
DB_TIMEOUT_S = 5.0


class ChannelStates:
    """Each channel's state as the service moves it: starting, running, down, stopped."""

    def __init__(self, names: Iterable[str]) -> None:
        self._states = dict.fromkeys(names, "starting")

    def mark(self, name: str, state: str) -> None:
        self._states[name] = state

    def mark_all(self, state: str) -> None:
        for name in self._states:
            self._states[name] = state

    def as_json(self) -> dict[str, str]:
        return dict(self._states)


def health_handler(
    *,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    channels: ChannelStates,
    now: Callable[[], datetime],
    timeout: float = DB_TIMEOUT_S,
) -> Callable[["web.Request"], Awaitable["web.Response"]]:
    """The handler; aiohttp is imported here, by a service that serves HTTP anyway. Neither
    it nor the handler imports alembic: both revisions are read without it."""
    from aiohttp import web

    async def handle(_request: web.Request) -> web.Response:
        database: dict[str, Any] = {"backend": engine.dialect.name, "schema_head": head_on_disk()}
        body: dict[str, Any] = {"database": database, "channels": channels.as_json()}
        try:
            async with asyncio.timeout(timeout):
                database["schema"] = await current_revision(engine)
                async with sessions() as session:
                    body["outbox"] = (await outbox_backlog(session, now=now())).as_json()
        except Exception as error:  # any failure to reach the database is "down"
            log.warning("health check: the database is unreachable (%s)", type(error).__name__)
            database.update(reachable=False, error=type(error).__name__)
            return web.json_response({"status": "down", **body}, status=503)
        database["reachable"] = True
        return web.json_response({"status": "ok", **body})

    return handle
