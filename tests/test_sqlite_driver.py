"""The SQLite engine makes one trip to aiosqlite's thread per statement, and gives the same
rows, counts, keys and errors as SQLAlchemy's own adapter (storage/sqlite_driver.py)."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, is_locked


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


async def test_rows_counts_and_keys_come_back_as_before(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        added = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert added.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}]
        )
        assert many.rowcount == 2
        returned = await conn.execute(text("INSERT INTO t (name) VALUES ('d') RETURNING id"))
        assert returned.scalar_one() == 4
        changed = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 2"))
        assert changed.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c!"), (4, "d!")]
        none = await conn.execute(text("SELECT id FROM t WHERE id > 10"))
        assert none.all() == [] and list(none.keys()) == ["id"]


async def test_a_broken_rule_raises_as_sqlalchemy_says(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))


async def test_a_locked_database_is_still_recognised(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/locked.db"
    holder, waiter = create_engine(url), create_engine(url, busy_timeout_ms=50)
    try:
        async with holder.connect() as first, waiter.connect() as second:
            await first.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            await first.commit()
            await first.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
            with pytest.raises(Exception) as raised:
                await second.execute(text("INSERT INTO t VALUES (2)"))
            assert is_locked(raised.value)
    finally:
        await holder.dispose()
        await waiter.dispose()


async def test_a_statement_is_one_trip_to_the_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = 0
    queued = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await queued(self, fn, *args, **kwargs)

    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the connection is open before counting
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        for n in range(5):
            await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": str(n)})
        rows = (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
        assert rows == 5
        assert trips == 6  # SQLAlchemy's own adapter: 3 per INSERT, 4 per SELECT
