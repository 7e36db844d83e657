"""`nhacviec`: the parser, and each command run on the app `bot.service` opens."""

import argparse
import asyncio
import errno
import importlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.args import at_moment, date_arg, moment_arg
from bot.texts import cli as words
from bot.texts import dates
from bot.texts.cli import HELP
from bot.texts.common import STATUS, person_role
from bot.texts.db import HELP as DB_HELP
from storage.vocab import AssignmentStatus, PersonRole

# Only what parsing the command line needs is imported at start: `nhacviec --help` and a
# mistyped option answer at once. The database, the channels and the digest come with the
# command that uses them (python -X importtime shows what each costs).
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.importing.reader import ImportFileError
    from bot.service import App
    from bot.settings import Settings

log = logging.getLogger(__name__)
Handler = Callable[["App", argparse.Namespace], Awaitable[int]]


class UsageError(Exception):
    """A bad option value; the message is Vietnamese, for the person at the terminal."""


def out(text: str) -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "handler") and not hasattr(args, "standalone"):
        parser.print_help()
        return 2
    from sqlalchemy.exc import DBAPIError

    from bot.channels.base import ChannelError
    from bot.service import database_path
    from bot.settings import SettingsError, load_settings
    from scheduler.calendar import CalendarError
    from scheduler.reminder_config import ReminderConfigError

    try:
        settings = load_settings()
    except SettingsError as exc:
        err(words.CONFIG_ERROR.format(error=exc))
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # python-telegram-bot puts the token in request URLs; httpx logs every URL at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(_dispatch(settings, args))
    except UsageError as exc:
        err(str(exc))
        return 2
    except (CalendarError, ReminderConfigError) as exc:
        err(words.BAD_CONFIG.format(error=exc))
        return 2
    except SettingsError as exc:  # DATA_DIR, or a token the Bot API refuses at start
        err(words.CONFIG_ERROR.format(error=exc))
        return 2
    except (OSError, DBAPIError, ChannelError) as exc:
        log.debug("the command stopped", exc_info=True)
        err(_outside_problem(exc, database_path(settings)))
        return 1
    except KeyboardInterrupt:
        return 130


def _outside_problem(exc: BaseException, database: str) -> str:
    """One line for a fault of the disk, the database or the Bot API (no traceback)."""
    from bot.channels.base import ChannelError

    if isinstance(exc, ChannelError):
        return words.BOT_API_UNREACHABLE.format(error=exc)
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return words.DISK_FULL.format(path=exc.filename or database)
        if exc.errno == errno.EROFS:
            return words.DB_READ_ONLY.format(path=exc.filename or database)
        return words.DISK_ERROR.format(path=exc.filename or database, error=exc.strerror or exc)
    reason = str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else repr(exc)
    if "readonly" in reason or "read-only" in reason:
        return words.DB_READ_ONLY.format(path=database)
    if "is full" in reason:
        return words.DISK_FULL.format(path=database)
    return words.DB_FAILED.format(path=database, error=reason)


async def _dispatch(settings: "Settings", args: argparse.Namespace) -> int:
    if (standalone := getattr(args, "standalone", None)) is not None:
        return int(await standalone(settings, args))  # opens its own databases (`db copy`)
    from bot.service import open_app

    handler: Handler = args.handler
    # A command that keeps running (the service) upgrades the schema in a child process: it
    # would otherwise hold alembic's modules as long as it runs.
    async with open_app(settings, upgrade_apart=getattr(args, "serves", False)) as app:
        return await handler(app, args)


# Subcommands whose parsers live in their own modules: (module, function, commands). A module
# is imported only when the command line names one of its commands; otherwise its commands
# are listed with their one-line help, which is all `nhacviec --help` shows of them.
ELSEWHERE = (
    ("bot.cli.remind", "add_remind_commands", ("remind", "simulate")),
    ("bot.cli.people", "add_people_commands", ("people",)),
    ("bot.cli.digest", "add_digest_commands", ("digest",)),
    ("bot.cli.db", "add_db_commands", ("db",)),
)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole parser of the command `argv` names (the others listed by name only)."""
    parser = argparse.ArgumentParser(prog="nhacviec", description=words.DESCRIPTION)
    sub = parser.add_subparsers(title=words.COMMANDS_TITLE)
    run = sub.add_parser("run", help=HELP["run"])
    run.add_argument("--examples", type=Path, default=None, help=HELP["run --examples"])
    run.set_defaults(handler=_run, serves=True)
    chat_cmd = sub.add_parser("chat", help=HELP["chat"])
    chat_cmd.add_argument("--unit", help=HELP["chat --unit"])
    chat_cmd.add_argument("--role", choices=[r.value for r in PersonRole], default="coordinator")
    chat_cmd.add_argument("--name", default=words.CHAT_DEFAULT_NAME, help=HELP["chat --name"])
    chat_cmd.set_defaults(handler=_chat, serves=True)
    invite = sub.add_parser("invite", help=HELP["invite"])
    invite.add_argument("unit", nargs="?", help=HELP["invite unit"])
    invite.add_argument("--role", choices=[r.value for r in PersonRole], default="focal")
    invite.add_argument("--deputy", action="store_true", help=HELP["invite --deputy"])
    invite.add_argument("--days", type=int, default=7, help=HELP["invite --days"])
    invite.add_argument("--bot-username", help=HELP["invite --bot-username"])
    invite.set_defaults(handler=_invite)
    imp = sub.add_parser("import", help=HELP["import"])
    imp.add_argument("file", type=Path)
    imp.add_argument("--plan-number", help=HELP["import --plan-number"])
    imp.add_argument("--plan-date", type=date_arg, help=HELP["import --plan-date"])
    imp.add_argument("--plan-title", help=HELP["import --plan-title"])
    imp.add_argument("--issuing-body", help=HELP["import --issuing-body"])
    imp.add_argument("--year", type=int, help=HELP["import --year"])
    imp.set_defaults(handler=_import_plan)
    units = sub.add_parser("units", help=HELP["units"]).add_subparsers(title=words.COMMANDS_TITLE)
    uimp = units.add_parser("import", help=HELP["units import"])
    uimp.add_argument("file", type=Path)
    uimp.add_argument(
        "--replace",
        action="store_true",
        help=HELP["units import --replace"],
    )
    uimp.set_defaults(handler=_import_units)
    ulist = units.add_parser("list", help=HELP["units list"])
    ulist.add_argument("--json", action="store_true")
    ulist.set_defaults(handler=_list_units)
    tasks = sub.add_parser("tasks", help=HELP["tasks"])
    tasks.add_argument("--plan", help=HELP["tasks --plan"])
    tasks.add_argument("--unit", help=HELP["tasks --unit"])
    tasks.add_argument("--status", help=HELP["tasks --status"])
    tasks.add_argument("--json", action="store_true")
    tasks.set_defaults(handler=_tasks)
    overdue = sub.add_parser("overdue", help=HELP["overdue"])
    overdue.add_argument("--at", type=moment_arg, help=HELP["overdue --at"])
    overdue.add_argument("--plan", help=HELP["overdue --plan"])
    overdue.add_argument("--json", action="store_true")
    overdue.set_defaults(handler=_overdue)
    named = next((arg for arg in argv if not arg.startswith("-")), None)
    for module, function, commands in ELSEWHERE:
        if named in commands:
            getattr(importlib.import_module(module), function)(sub)
        else:
            for command in commands:
                sub.add_parser(command, help=(HELP | DB_HELP)[command])
    return parser


async def _run(app: "App", args: argparse.Namespace) -> int:
    from bot.cli.run import run_service
    from bot.settings import project_home

    # The project's examples wherever the command is run from (a path given is taken as is).
    examples = args.examples or project_home(dict(os.environ)) / "examples"
    return await run_service(app, examples=examples)


async def _chat(app: "App", args: argparse.Namespace) -> int:
    from bot.cli.run import chat

    role = PersonRole(args.role)
    if role == PersonRole.FOCAL and not args.unit:
        raise UsageError(words.UNIT_REQUIRED)
    return await chat(app, unit_name=args.unit, role=role, name=args.name)


async def _invite(app: "App", args: argparse.Namespace) -> int:
    from bot.conversation.invites import create_invite
    from storage.db import transaction
    from storage.units import find_unit

    role = PersonRole(args.role)
    if role == PersonRole.FOCAL and not args.unit:
        raise UsageError(words.UNIT_REQUIRED)
    if not 1 <= args.days <= 90:
        raise UsageError(words.BAD_INVITE_DAYS)
    async with transaction(app.sessions) as session:
        unit = await find_unit(session, name=args.unit) if args.unit else None
        if args.unit and unit is None:
            raise UsageError(words.UNIT_NOT_FOUND.format(name=args.unit))
        invite = await create_invite(
            session,
            unit_id=unit.id if unit else None,
            role=role,
            is_deputy=args.deputy,
            now=app.clock.now(),
            days=args.days,
        )
    expires = dates.moment(invite.expires_at.astimezone(app.settings.timezone))
    role_name = person_role(role, deputy=args.deputy)
    unit_name = unit.name if unit else ""
    out(words.invite_printed(role_name, unit_name, invite.code, expires, args.bot_username))
    return 0


async def _import_plan(app: "App", args: argparse.Namespace) -> int:
    from bot.importing.reader import ImportFileError
    from bot.importing.service import PlanOptions, import_plan_file

    options = PlanOptions(
        number=args.plan_number,
        issued_on=args.plan_date,
        title=args.plan_title,
        issuing_body=args.issuing_body,
        year=args.year,
    )
    try:
        report = await import_plan_file(app.sessions, args.file, options, now=app.clock.now())
    except ImportFileError as exc:
        return _refused(args.file, exc)
    out(words.plan_imported(report))
    return 0


async def _import_units(app: "App", args: argparse.Namespace) -> int:
    from bot.importing.reader import ImportFileError
    from bot.importing.service import import_units_file

    try:
        report = await import_units_file(app.sessions, args.file, replace=args.replace)
    except ImportFileError as exc:
        return _refused(args.file, exc)
    out(words.units_imported(report))
    return 0


def _refused(path: Path, exc: "ImportFileError") -> int:
    err(words.IMPORT_FAILED.format(path=path, count=len(exc.errors)))
    for error in exc.errors:
        err(words.IMPORT_ERROR_LINE.format(error=error))
    return 1


async def _list_units(app: "App", args: argparse.Namespace) -> int:
    from bot.cli.views import units_json, units_text
    from storage.units import list_units

    async with app.sessions() as session:
        units = await list_units(session)
    out(units_json(units) if args.json else units_text(units))
    return 0


async def _tasks(app: "App", args: argparse.Namespace) -> int:
    from bot.cli.views import assignment_json, assignments_text, to_json
    from storage.assignments import list_assignments

    today = app.clock.now().astimezone(app.settings.timezone).date()
    async with app.sessions() as session:
        plan_id, unit_id = await _filters(session, args)
        views = await list_assignments(
            session, plan_id=plan_id, unit_id=unit_id, status=_status(args.status)
        )
    if args.json:
        out(to_json([assignment_json(v, today) for v in views]))
    else:
        out(assignments_text(views, today))
    return 0


async def _overdue(app: "App", args: argparse.Namespace) -> int:
    from bot.cli.views import assignment_json, overdue_text, to_json
    from storage.assignments import list_assignments, natural_key

    at = at_moment(args.at, tz=app.settings.timezone, now=app.clock.now())
    async with app.sessions() as session:
        plan_id, unit_id = await _filters(session, args)
        views = await list_assignments(
            session, plan_id=plan_id, unit_id=unit_id, overdue_on=at.date()
        )
    views.sort(key=lambda v: (v.deadline, natural_key(v.task_code), v.unit))
    if args.json:
        out(to_json([assignment_json(v, at.date()) for v in views]))
    else:
        out(overdue_text(views, at.date(), at))
    return 0


async def _filters(
    session: "AsyncSession", args: argparse.Namespace
) -> tuple[int | None, int | None]:
    """The plan id and unit id that `--plan` and `--unit` name, None where not given."""
    from storage.plans import find_plan
    from storage.units import find_unit

    plan_id = unit_id = None
    if getattr(args, "plan", None):
        plan = await find_plan(session, number=args.plan)
        if plan is None:
            raise UsageError(words.PLAN_NOT_FOUND.format(number=args.plan))
        plan_id = plan.id
    if getattr(args, "unit", None):
        unit = await find_unit(session, name=args.unit)
        if unit is None:
            raise UsageError(words.UNIT_NOT_FOUND.format(name=args.unit))
        unit_id = unit.id
    return plan_id, unit_id


def _status(value: str | None) -> str | None:
    from storage.textnorm import fold_words

    if value is None:
        return None
    wanted = fold_words(value).replace(" ", "_")
    for status in AssignmentStatus:
        if wanted in (status.value, fold_words(STATUS[status]).replace(" ", "_")):
            return status.value
    choices = ", ".join(s.value for s in AssignmentStatus)
    raise UsageError(words.BAD_STATUS.format(value=value, choices=choices))
