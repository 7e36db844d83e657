"""The async engine and its sessions, on SQLite (tuned for a small always-on service) or
PostgreSQL (psycopg 3, a pool shared by the service's tasks); and the one place that picks a
dialect's own SQL constructs, so that each query is written once for both."""

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_driver import one_trip_dbapi

SQLITE_BUSY_TIMEOUT_MS = 10_000
# PostgreSQL: a few connections serve one process (its jobs, delivery and webhook handlers
# take one each for a short unit of work); several processes share the server's 100.
PG_POOL_SIZE = 5
PG_MAX_OVERFLOW = 5
PG_CONNECT_TIMEOUT_S = 10
PG_RECYCLE_S = 30 * 60  # a firewall or pgbouncer may cut idle connections silently
BACKENDS = ("sqlite", "postgresql")


def create_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> AsyncEngine:
    """An engine for `url`; for SQLite the file's folder is created and pragmas set.

    `busy_timeout_ms`: how long SQLite waits for another connection's write lock before a
    write fails with "database is locked", and PostgreSQL for a lock before the statement
    fails with a lock timeout (`is_locked` for both)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return create_async_engine(
            url,
            pool_size=PG_POOL_SIZE,
            max_overflow=PG_MAX_OVERFLOW,
            pool_pre_ping=True,  # a restarted server's dead connections are replaced, not used
            pool_recycle=PG_RECYCLE_S,
            connect_args={
                "connect_timeout": PG_CONNECT_TIMEOUT_S,
                "application_name": "nhacviec",
                # As SQLite's busy timeout: a lock waited for this long fails (`is_locked`)
                # and the work is tried again, instead of a handler hanging behind it.
                "options": f"-c lock_timeout={int(busy_timeout_ms)}",
            },
        )
    if backend != "sqlite":
        raise ValueError(f"unsupported database {backend}; use one of {', '.join(BACKENDS)}")
    if parsed.database and parsed.database != ":memory:":
        _owner_only_file(Path(parsed.database))
    engine = create_async_engine(
        url,
        connect_args={"timeout": busy_timeout_ms / 1000},
        module=one_trip_dbapi(),  # one trip to aiosqlite's thread per statement, not four
    )
    event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms))
    return engine


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT construct, which knows ON CONFLICT DO NOTHING / DO UPDATE: an
    upsert is written once with it and runs on SQLite and PostgreSQL alike."""
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"upserts need SQLite or PostgreSQL, not {dialect}")
    return insert


async def insert_new(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]]) -> int:
    """Insert `rows`, skipping any that clash with a unique key already stored (by this or any
    other process); how many were new.

    Counted by RETURNING the new rows' keys: the row count of an INSERT ... ON CONFLICT DO
    NOTHING is not reported by every driver (psycopg gives -1). The statement is built once
    per dialect and table (every inbound update runs one), the rows bound at each run."""
    if not rows:
        return 0
    dialect, table = session.get_bind().dialect.name, model.__table__
    statement = _INSERT_NEW.get((dialect, table.name))
    if statement is None:
        statement = _INSERT_NEW[(dialect, table.name)] = (
            insert_for(session)(table)
            .on_conflict_do_nothing()
            .returning(*table.primary_key.columns)
        )
    return len((await session.execute(statement, rows)).all())


_INSERT_NEW: dict[tuple[str, str], Any] = {}


# PostgreSQL's answers that mean "another transaction was in the way, try again": a lock not
# granted in time (lock_timeout), a deadlock broken by the server, a serialization failure.
RETRY_SQLSTATES = frozenset({"55P03", "40P01", "40001"})


def is_locked(error: BaseException) -> bool:
    """Another connection held what this one needed (SQLite's write lock waited out, or
    PostgreSQL's lock timeout, deadlock or serialization failure): worth trying again later."""
    if not isinstance(error, DBAPIError):
        return False
    if getattr(error.orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def _owner_only_file(path: Path) -> None:
    """Create the database's folder (0700) and the empty file (0600) if missing: SQLite would
    create the file world-readable, and its -wal and -shm files take the file's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One short unit of work: commit on success, roll back on any error."""
    async with sessions() as session, session.begin():
        yield session


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (each of them returns a CursorResult). Not for an
    INSERT ... ON CONFLICT: psycopg reports -1 there; count with `insert_new` instead."""
    assert isinstance(result, CursorResult)
    return result.rowcount


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


Row = TypeVar("Row")


def stored_id(row: _Stored) -> int:
    """A row's primary key, which it has once it is loaded or flushed."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it is not stored yet")
    return row.id


async def find(session: AsyncSession, model: type[Row], key: Any) -> Row | None:
    """A row by its primary key, or None."""
    return await session.get(model, key)


async def existing(session: AsyncSession, model: type[Row], key: Any) -> Row:
    """The row a foreign key points at, which therefore exists."""
    row = await session.get(model, key)
    if row is None:
        raise LookupError(f"{model.__name__} {key} not found")
    return row
