"""`nhacviec db copy`: move a deployment's data to another database (SQLite to PostgreSQL,
or back), every table in dependency order, in one transaction on the target.

The target is brought to the schema's head first (an empty PostgreSQL database gets its
tables), so is the source (as every `nhacviec` command does with its own). A target that
holds rows is refused unless `--replace` is given; afterwards every table's row count is
checked against the source's, and any difference undoes the whole copy.
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings, SettingsError, database_url, project_home, shown_database
from bot.texts import db as words
from storage.db import create_engine
from storage.migrate import current_revision, upgrade
from storage.transfer import copy_table, empty_tables, reset_sequences, row_counts, tables


class CopyRefused(Exception):
    """The copy did not start or was undone; the message is Vietnamese, for the terminal."""


def add_db_commands(sub: Any) -> None:
    db = sub.add_parser("db", help=words.HELP["db"]).add_subparsers(title="lệnh")
    copy = db.add_parser("copy", help=words.HELP["db copy"])
    copy.add_argument("--from", dest="source", required=True, help=words.HELP["db copy --from"])
    copy.add_argument("--to", dest="target", required=True, help=words.HELP["db copy --to"])
    copy.add_argument("--replace", action="store_true", help=words.HELP["db copy --replace"])
    copy.set_defaults(standalone=copy_command)


async def copy_command(settings: Settings, args: argparse.Namespace) -> int:  # noqa: ARG001
    """Runs without the configured database: only the two named here are opened."""
    home = project_home(dict(os.environ))
    try:
        source, target = database_url(args.source, home), database_url(args.target, home)
    except SettingsError as exc:
        sys.stderr.write(words.BAD_URL.format(error=str(exc).removeprefix("DATABASE_URL")) + "\n")
        return 2
    try:
        counts = await copy_database(source, target, replace=args.replace)
    except CopyRefused as refused:
        sys.stderr.write(f"{refused}\n")
        return 1
    sys.stdout.write(words.copied(shown_database(source), shown_database(target), counts) + "\n")
    return 0


async def copy_database(source: str, target: str, *, replace: bool = False) -> dict[str, int]:
    """Copy every row of `source` into `target`; the rows per table. Raises CopyRefused."""
    if make_url(source) == make_url(target):
        raise CopyRefused(words.SAME_DATABASE.format(url=shown_database(source)))
    _source_exists(source)
    source_engine, target_engine = create_engine(source), create_engine(target)
    try:
        await _prepare("source", source_engine, source)
        await _prepare("target", target_engine, target)
        return await _copy(source_engine, target_engine, target, replace=replace)
    finally:
        await source_engine.dispose()
        await target_engine.dispose()


def _source_exists(source: str) -> None:
    """A SQLite source must be a file already: opening a missing one would create it."""
    url = make_url(source)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise CopyRefused(words.NO_SOURCE_FILE.format(path=url.database))


async def _prepare(side: str, engine: AsyncEngine, url: str) -> None:
    """Both sides at the schema's head; a source the migrations never built is no source."""
    try:
        if side == "source" and await current_revision(engine) is None:
            raise CopyRefused(words.NOT_OURS.format(url=shown_database(url)))
        await upgrade(engine)
    except DBAPIError as error:
        raise _failed(side, url, error) from error


async def _copy(
    source_engine: AsyncEngine, target_engine: AsyncEngine, target: str, *, replace: bool
) -> dict[str, int]:
    try:
        async with source_engine.connect() as source, target_engine.begin() as writing:
            already = sum((await writing.run_sync(row_counts)).values())
            if already and not replace:
                raise CopyRefused(
                    words.TARGET_NOT_EMPTY.format(url=shown_database(target), rows=already)
                )
            await writing.run_sync(empty_tables)
            copied = {t.name: await copy_table(source, writing, t) for t in tables()}
            await writing.run_sync(reset_sequences)
            _check(copied, await writing.run_sync(row_counts))
    except DBAPIError as error:
        raise _failed("target", target, error) from error
    return copied


def _check(copied: dict[str, int], stored: dict[str, int]) -> None:
    for name, count in copied.items():
        if stored[name] != count:
            raise CopyRefused(
                words.COUNTS_DIFFER.format(table=name, source=count, target=stored[name])
            )


def _failed(side: str, url: str, error: DBAPIError) -> CopyRefused:
    reason = str(error.orig).splitlines()[0] if error.orig else str(error)
    return CopyRefused(
        words.COPY_FAILED.format(side=words.SIDE[side], url=shown_database(url), error=reason)
    )
