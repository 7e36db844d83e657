"""Whole tables moved between databases (SQLite to PostgreSQL or back): read every row of
every table, write them in dependency order, and set PostgreSQL's id sequences past them.

Rows are read and written through the tables' own column types, so instants stay UTC, JSON
stays JSON and booleans stay booleans whichever backend either side is. The caller owns the
transaction: `nhacviec db copy` writes everything in one, or nothing.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Integer, Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

BATCH = 1000  # rows per INSERT round trip


def tables() -> list[Table]:
    """Every table of the schema, parents before children (a foreign key's target first)."""
    return list(SQLModel.metadata.sorted_tables)


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows in each table, in dependency order."""
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in tables()
    }


def total_rows(connection: Connection) -> int:
    """Rows in all tables together, in one round trip."""
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in tables()]
    return int(connection.execute(select(sum(counts[1:], counts[0]))).scalar_one())


def read_rows(connection: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in primary-key order (a row that points at an earlier row of its own
    table, a correction at what it corrects, comes after it), in batches."""
    query = select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH).execute(query)
    for batch in result.mappings().partitions(BATCH):
        yield [dict(row) for row in batch]


async def copy_table(source: AsyncConnection, target: AsyncConnection, table: Table) -> int:
    """Stream one table's rows from `source` into `target`, in primary-key order; how many."""
    copied = 0
    result = await source.stream(select(table).order_by(*table.primary_key.columns))
    async for batch in result.mappings().partitions(BATCH):
        await target.execute(insert(table), [dict(row) for row in batch])
        copied += len(batch)
    return copied


def write_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(table), rows)


def empty_tables(connection: Connection) -> None:
    """Delete every row, children before parents."""
    for table in reversed(tables()):
        connection.execute(delete(table))


def reset_sequences(connection: Connection, only: Iterable[Table] | None = None) -> None:
    """PostgreSQL hands out ids from a sequence that rows written with their ids did not move:
    set each past the largest id (of every table, or of `only` these), so the next row does
    not collide. SQLite needs nothing (a new rowid is always the largest one plus one)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables() if only is None else only:
        key = _serial_key(table)
        if key is None:
            continue
        largest = select(func.coalesce(func.max(table.c[key]), 0) + 1).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, key)
        connection.execute(select(func.setval(sequence, largest, False)))


def _serial_key(table: Table) -> str | None:
    """The name of a table's single integer primary key column, which PostgreSQL numbers."""
    columns = list(table.primary_key.columns)
    if len(columns) == 1 and isinstance(columns[0].type, Integer):
        return columns[0].name
    return None
