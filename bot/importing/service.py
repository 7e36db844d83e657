"""Import use cases: read a file, check everything, then write it all in one transaction."""

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.importing.directory import load_directory
from bot.importing.plan_import import PlanInfo, check_tasks
from bot.importing.plan_writer import PlanReport, apply_plan
from bot.importing.reader import (
    ImportFileError,
    PlanMeta,
    RowError,
    read_task_table,
    read_unit_table,
)
from bot.importing.unit_register import UnitsReport, import_units
from bot.importing.year_move import move_plan
from bot.texts import import_errors as words
from scheduler.calendar import FIRST_YEAR, LAST_YEAR
from storage.db import transaction
from storage.plans import find_plan


@dataclass(frozen=True)
class PlanOptions:
    """Plan details given on the command line; they win over the file's own."""

    number: str | None = None
    issued_on: date | None = None
    title: str | None = None
    issuing_body: str | None = None
    year: int | None = None
    # Import the plan as if made for this year: its date and the years in its deadlines move
    # together (the console demo brings the 2023 example to the current year).
    move_to_year: int | None = None


def plan_info(meta: PlanMeta, options: PlanOptions) -> PlanInfo:
    number = (options.number or meta.number or "").strip()
    issued_on = options.issued_on or meta.date
    year = options.year or (issued_on.year if issued_on else None)
    problems = [
        text
        for text, ok in ((words.NEED_PLAN_NUMBER, number), (words.NEED_PLAN_YEAR, year))
        if not ok
    ]
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        problems.append(words.plan_year_out_of_range(year, FIRST_YEAR, LAST_YEAR))
    if problems:
        raise ImportFileError([RowError(None, None, text) for text in problems])
    assert year is not None  # a missing year is one of the problems above
    return PlanInfo(
        number=number,
        year=year,
        title=options.title or meta.title,
        issued_on=issued_on,
        issuing_body=options.issuing_body or meta.issuing_body,
    )


async def import_plan_file(
    sessions: async_sessionmaker[AsyncSession],
    path: Path,
    options: PlanOptions,
    *,
    now: datetime,
    actor: str = "cli",
    preview: bool = False,
) -> PlanReport:
    """Import a task appendix; raises ImportFileError listing every problem, writing nothing.

    `preview`: do everything, report what it would do, and roll it all back (the web page
    shows this before the coordinator confirms)."""
    meta, rows = await asyncio.to_thread(read_task_table, path)
    if options.move_to_year is not None:
        meta, rows, issued_on = move_plan(
            meta, rows, issued_on=options.issued_on, year=options.year, to=options.move_to_year
        )
        options = replace(options, issued_on=issued_on, year=options.move_to_year)
    number = options.number or meta.number
    if number and not (options.year or options.issued_on or meta.date):
        async with sessions() as session:
            known = await find_plan(session, number=number.strip())
        if known is not None:  # re-importing an edited appendix: the plan already has its year
            options = replace(options, year=known.year)
    info = plan_info(meta, options)
    async with transaction(sessions) as session:
        directory = await load_directory(session)
        if not directory.names:
            raise ImportFileError([RowError(None, None, words.NO_UNITS_YET)])
        specs, errors = check_tasks(rows, directory, plan_year=info.year)
        if errors:
            raise ImportFileError(errors)
        report = await apply_plan(session, info=info, tasks=specs, now=now, actor=actor)
        if preview:
            await session.rollback()
        return report


async def import_units_file(
    sessions: async_sessionmaker[AsyncSession], path: Path, *, replace: bool = False
) -> UnitsReport:
    """Import a units register; raises ImportFileError listing every problem, writing nothing.

    `replace`: drop aliases and group memberships even where open assignments rely on them.
    """
    units, groups = await asyncio.to_thread(read_unit_table, path)
    async with transaction(sessions) as session:
        return await import_units(session, units=units, groups=groups, replace=replace)
