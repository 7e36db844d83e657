"""`nhacviec digest`: write a digest's files (and print its text) without sending anything."""

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.cli.args import at_moment, moment_arg
from bot.digest.service import (
    FORMATS,
    DigestKit,
    slug,
    write_files,
    write_period_report,
)
from bot.digest.text import PLAIN, message
from bot.service import App
from bot.texts import cli as words
from bot.texts.cli import HELP
from scheduler.digest_periods import latest_ended
from storage.models import Plan
from storage.plans import active_plans, find_plan

log = logging.getLogger(__name__)
DEFAULT_FORMATS = "text,png,xlsx"


def add_digest_commands(sub: Any) -> None:
    """Add `digest` to the `nhacviec` subcommands."""
    digest = sub.add_parser("digest", help=HELP["digest"])
    digest.add_argument("--at", type=moment_arg, help=HELP["digest --at"])
    digest.add_argument("--plan", help=HELP["digest --plan"])
    digest.add_argument("--out", type=Path, help=HELP["digest --out"])
    digest.add_argument(
        "--format",
        type=_formats,
        default=_formats(DEFAULT_FORMATS),
        help=HELP["digest --format"],
    )
    digest.set_defaults(handler=_digest)


def _formats(value: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    unknown = [v for v in wanted if v not in FORMATS]
    if unknown or not wanted:
        choices = ",".join(FORMATS)
        raise argparse.ArgumentTypeError(
            words.BAD_FORMAT.format(unknown=", ".join(unknown), choices=choices)
        )
    return wanted


async def _digest(app: App, args: argparse.Namespace) -> int:
    at = at_moment(args.at, tz=app.settings.timezone, now=app.clock.now())
    kit = app.digests
    async with app.sessions() as session:
        if args.plan:
            plan = await find_plan(session, number=args.plan)
            if plan is None:
                sys.stderr.write(words.PLAN_NOT_FOUND.format(number=args.plan) + "\n")
                return 2
            plans = [plan]
        else:
            plans = await active_plans(session, today=at.date())
    if not plans:
        sys.stderr.write(words.NO_PLANS + "\n")
        return 1
    failed = 0
    for plan in plans:
        out = args.out / slug(plan.number) if args.out and len(plans) > 1 else args.out
        try:
            await _one(app, kit, plan, at, args.format, out)
        except Exception:  # one plan's failure must not hold back the others' digests
            log.exception("digest of plan %s failed", plan.number)
            failed += 1
    return 1 if failed else 0


async def _one(
    app: App, kit: DigestKit, plan: Plan, at: datetime, formats: tuple[str, ...], out: Path | None
) -> None:
    period = latest_ended(at.date(), kit.cutoff_day) if "docx" in formats else None
    async with app.sessions() as session:
        figures = await kit.figures(session, plan, at)
        report = (
            await kit.figures(session, plan, kit.period_end(period), period) if period else None
        )
    folder = out or kit.folder(plan, figures.today)
    if "text" in formats:
        sys.stdout.write("\n".join(message(figures, PLAIN)) + "\n")
    files = await asyncio.to_thread(write_files, figures, folder, formats)
    paths = files.paths()
    if period is not None and report is not None:
        paths.append(
            await asyncio.to_thread(
                write_period_report, report, period, folder, kit.style, at.date()
            )
        )
    for path in paths:
        sys.stdout.write(words.WROTE.format(path=path) + "\n")
