"""Alembic, run from code: the service upgrades the schema to head at start."""

import asyncio
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:  # alembic is imported when a schema is upgraded, not by every CLI start
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
PROJECT = Path(__file__).resolve().parent.parent  # where `storage` is imported from
# `upgrade_apart`: the child process gets the database URL here, not on its command line
# (which `ps` shows to every user; a PostgreSQL URL may carry a password).
URL_VARIABLE = "NHACVIEC_UPGRADE_URL"
CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from storage.migrate import child; child()"
# PostgreSQL advisory lock key held while the schema is upgraded ("nhacviec" in ASCII, cut to
# 63 bits): processes starting at once upgrade one after the other; the later ones find the
# schema at head and do nothing.
UPGRADE_LOCK = 0x6E6861637669_6563 & 0x7FFF_FFFF_FFFF_FFFF


def alembic_config(url: str | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision` on one connection of `engine`, one process at a time
    on PostgreSQL (a transaction-level advisory lock, freed at commit or when a process dies).
    SQLite serves one process (docs/deploy.md)."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Another process's upgrade may take longer than the engine's lock timeout.
            await connection.execute(text("SET LOCAL lock_timeout = 0"))
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK}
            )
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def head_revision() -> str | None:
    """The revision the migrations bring a database to."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database the migrations never touched.
    Read off alembic's own table, without importing alembic (the health check asks it)."""
    async with engine.connect() as connection:
        stamped = await _stamped(connection)
    if len(stamped) > 1:
        raise ValueError(f"the database is stamped with several revisions: {stamped}")
    return stamped[0] if stamped else None


async def _stamped(connection: AsyncConnection) -> list[str]:
    """The revisions in alembic_version (one on a linear history); none without the table."""
    if not await connection.run_sync(lambda c: c.dialect.has_table(c, "alembic_version")):
        return []
    rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    return [row[0] for row in rows]


def head_on_disk() -> str | None:
    """The head revision read off the migration files' own lines, without importing alembic
    (11 MiB a service would keep for nothing when its schema is already current); None
    unless the migrations form one chain."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := re.search(r'^revision = "([^"]+)"', source, re.M):
            revisions.add(found[1])
        if parent := re.search(r'^down_revision = "([^"]+)"', source, re.M):
            parents.add(parent[1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database's schema is already at the migrations' head (then `upgrade`, and
    alembic with it, can be skipped at start)."""
    head = head_on_disk()
    if head is None:
        return False
    async with engine.connect() as connection:
        return await _stamped(connection) == [head]


async def upgrade_apart(engine: AsyncEngine) -> None:
    """`upgrade` to head in a short-lived child process, so that this one never loads alembic
    (about 9 MiB of modules a running service would keep until it stops: the service's
    memory target is ≤ 100 MiB). When the child cannot do it (it cannot start, or the
    upgrade fails), the upgrade is run here as before, so that it still happens, or fails
    with its own error."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        await upgrade(engine)  # a database only this process can see
        return
    await engine.dispose()  # no pooled connection of ours beside the child's writes
    try:
        child_process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            str(PROJECT),
            env={**os.environ, URL_VARIABLE: url},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,  # its error, if any, is met again below
        )
        await child_process.wait()
    except OSError as exc:
        log.warning("the schema upgrade could not start apart (%s); upgrading here", exc)
    else:
        if child_process.returncode == 0:
            return
        log.warning(
            "the schema upgrade apart ended with exit code %s; upgrading here",
            child_process.returncode,
        )
    await upgrade(engine)


def child() -> None:
    """The child process of `upgrade_apart`: the database it names brought to head."""
    from storage.db import create_engine

    async def run() -> None:
        engine = create_engine(os.environ[URL_VARIABLE])
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
