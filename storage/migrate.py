"""Alembic, run from code: the service upgrades the schema to head at start."""

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:  # alembic is imported when a schema is upgraded, not by every CLI start
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
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
