"""`GET /healthz`: the database, the schema, each channel and the outbox backlog, as JSON with
no secret in it; 503 as soon as the database does not answer (on either backend)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.service import App, build_web_server, mount_health
from bot.web.health import ChannelStates
from storage.db import transaction
from storage.migrate import head_revision
from storage.vocab import PersonRole
from tests import factories
from tests.fakes import FakeBotApi, ManualClock
from tests.pg_kit import PostgresServer, free_port
from tests.test_telegram_webhook import SECRET, webhook_service


async def get_health(url: str) -> tuple[int, dict[str, Any], str]:
    async with aiohttp.ClientSession() as http, http.get(url + "/healthz") as response:
        text = await response.text()
        return response.status, await response.json(), text


@asynccontextmanager
async def health_only(app: App) -> AsyncIterator[str]:
    """Just the HTTP server with /healthz (as HEALTH_CHECK=on gives a polling service)."""
    settings = replace(app.settings, http_port=free_port(), health_check=True)
    web = build_web_server(settings)
    states = ChannelStates(["telegram"])
    states.mark_all("running")
    mount_health(app, web, states)
    await web.start()
    try:
        yield f"http://127.0.0.1:{settings.http_port}"
    finally:
        await web.stop()


@pytest.mark.backends("sqlite", "postgresql")
async def test_it_reports_database_schema_channels_and_outbox_backlog(
    app: App, backend: str, clock: ManualClock
) -> None:
    async with transaction(app.sessions) as session:
        coordinator = await factories.person(session, "Phạm Minh", PersonRole.COORDINATOR)
        for key, status, later in (("a", "pending", 3), ("b", "failed", 0), ("c", "pending", 0)):
            await factories.outbox(
                session,
                dedupe_key=key,
                person_id=coordinator.id,
                assignment_id=None,
                kind="digest",
                status=status,
                not_before=clock.now() + timedelta(days=later) - timedelta(minutes=2),
            )
    async with health_only(app) as url:
        status, body, _ = await get_health(url)
    assert status == 200 and body["status"] == "ok"
    assert body["database"] == {
        "reachable": True,
        "backend": backend,
        "schema": head_revision(),
        "schema_head": head_revision(),
    }
    assert body["channels"] == {"telegram": "running"}
    assert body["outbox"] == {
        "pending": 2,
        "due": 1,
        "sending": 0,
        "failed": 1,
        "oldest_due_seconds": 120,
    }


async def test_a_webhook_service_serves_it_with_its_channel_and_no_secret(
    app: App, api: FakeBotApi, clock: ManualClock
) -> None:
    async with webhook_service(app, api, clock) as running:
        status, body, text = await get_health(running.settings.public_base_url)
    assert (status, body["status"], body["channels"]) == (200, "ok", {"telegram": "running"})
    for secret in (api.token, SECRET, str(running.settings.data_dir)):
        assert secret not in text


@pytest.mark.backends("sqlite", "postgresql")
async def test_a_database_that_is_down_makes_it_503(
    app: App, backend: str, request: pytest.FixtureRequest
) -> None:
    async with health_only(app) as url:
        status, body, _ = await get_health(url)
        assert (status, body["database"]["reachable"]) == (200, True)
        if backend == "sqlite":
            await break_sqlite(app)
        else:
            await break_postgresql(app, request.getfixturevalue("pg_server"))
        status, body, text = await get_health(url)
    assert status == 503 and body["status"] == "down"
    assert body["database"]["reachable"] is False and body["database"]["backend"] == backend
    assert body["channels"] == {"telegram": "running"} and "outbox" not in body
    assert app.settings.database_url not in text


async def break_sqlite(app: App) -> None:
    """The file is no database any more (a disk fault, a bad restore)."""
    await app.engine.dispose()
    await asyncio.to_thread(overwrite, Path(make_url(app.settings.database_url).database or ""))


def overwrite(path: Path) -> None:
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    path.write_bytes(b"\x00" * 4096)


async def break_postgresql(app: App, server: PostgresServer) -> None:
    """The server refuses this database and cut its connections (as when it stops)."""
    name = make_url(app.settings.database_url).database
    await asyncio.to_thread(server.refuse_connections, name or "")
