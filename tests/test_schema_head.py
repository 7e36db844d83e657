"""Start-up skips alembic when the schema is current: the shortcut must agree with alembic.
The service upgrades apart, in a child process, and here when the child cannot."""

import logging
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import (
    at_head,
    current_revision,
    head_on_disk,
    head_revision,
    upgrade,
    upgrade_apart,
)
from tests.pg_kit import PostgresServer


def test_the_head_read_off_the_files_is_alembics_head() -> None:
    assert head_on_disk() == head_revision()


async def test_only_a_database_at_head_skips_the_upgrade(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}")
    try:
        assert not await at_head(engine)  # never migrated
        await upgrade(engine, "0004")
        assert not await at_head(engine)  # behind: the service must upgrade
        await upgrade(engine)
        assert await at_head(engine)
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'zzzz'"))
        assert not await at_head(engine)  # a stamp the files do not know: alembic decides
    finally:
        await engine.dispose()


async def test_an_upgrade_apart_brings_a_new_database_to_head(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}")
    try:
        await upgrade_apart(engine)
        assert await at_head(engine)
    finally:
        await engine.dispose()


async def test_an_upgrade_apart_on_postgresql(pg_server: PostgresServer) -> None:
    name = pg_server.empty_database()
    engine = create_engine(pg_server.url(name))
    try:
        await upgrade_apart(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()
        pg_server.drop_database(name)


async def test_when_no_child_can_start_the_upgrade_runs_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}")
    try:
        with caplog.at_level(logging.WARNING, logger="storage.migrate"):
            await upgrade_apart(engine)
        assert await at_head(engine)
    finally:
        await engine.dispose()
    assert "could not start apart" in caplog.text
