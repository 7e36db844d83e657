"""`nhacviec`: the parser, and each command run on the app `bot.service` opens."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.args import at_moment, date_arg, moment_arg
from bot.cli.digest import add_digest_commands
from bot.cli.people import add_people_commands
from bot.cli.remind import add_remind_commands
from bot.cli.run import chat, run_service
from bot.cli.views import (
    assignment_json,
    assignments_text,
    overdue_text,
    to_json,
    units_json,
    units_text,
)
from bot.conversation.invites import create_invite
from bot.importing.reader import ImportFileError
from bot.importing.service import PlanOptions, import_plan_file, import_units_file
from bot.service import App, open_app
from bot.settings import Settings, SettingsError, load_settings
from bot.texts import cli as words
from bot.texts import dates
from bot.texts.common import STATUS, person_role
from scheduler.calendar import CalendarError
from scheduler.reminder_config import ReminderConfigError
from storage.assignments import list_assignments, natural_key
from storage.db import transaction
from storage.plans import find_plan
from storage.textnorm import fold_words
from storage.units import find_unit, list_units
from storage.vocab import AssignmentStatus, PersonRole

Handler = Callable[[App, argparse.Namespace], Awaitable[int]]


class UsageError(Exception):
    """A bad option value; the message is Vietnamese, for the person at the terminal."""


def out(text: str) -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
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
    except KeyboardInterrupt:
        return 130


async def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    handler: Handler = args.handler
    async with open_app(settings) as app:
        return await handler(app, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nhacviec", description="Nhắc việc: nhắc hạn và theo dõi tiến độ nhiệm vụ kế hoạch."
    )
    sub = parser.add_subparsers(title="lệnh")
    run = sub.add_parser("run", help="chạy dịch vụ (không có token: kênh dòng lệnh)")
    run.add_argument("--examples", type=Path, default=Path("examples"), help="thư mục ví dụ")
    run.set_defaults(handler=_run)
    chat_cmd = sub.add_parser("chat", help="trò chuyện với bot trong cửa sổ dòng lệnh")
    chat_cmd.add_argument("--unit", help="đơn vị của người dùng (bắt buộc với đầu mối)")
    chat_cmd.add_argument("--role", choices=[r.value for r in PersonRole], default="coordinator")
    chat_cmd.add_argument("--name", default="Người dùng dòng lệnh", help="họ tên hiển thị")
    chat_cmd.set_defaults(handler=_chat)
    invite = sub.add_parser("invite", help="tạo mã mời đăng ký với bot")
    invite.add_argument("unit", nargs="?", help="tên đơn vị (bắt buộc với đầu mối)")
    invite.add_argument("--role", choices=[r.value for r in PersonRole], default="focal")
    invite.add_argument("--deputy", action="store_true", help="đầu mối phó của đơn vị")
    invite.add_argument("--days", type=int, default=7, help="số ngày hiệu lực (mặc định 7)")
    invite.add_argument("--bot-username", help="tên bot Telegram, để in đường dẫn mời")
    invite.set_defaults(handler=_invite)
    imp = sub.add_parser("import", help="nhập phụ lục nhiệm vụ (.xlsx, .csv, .yaml)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--plan-number", help="số kế hoạch, ví dụ 32/KH-UBND")
    imp.add_argument("--plan-date", type=date_arg, help="ngày ban hành, ví dụ 2023-02-24")
    imp.add_argument("--plan-title", help="trích yếu kế hoạch")
    imp.add_argument("--issuing-body", help="cơ quan ban hành, ví dụ UBND huyện Hương Khê")
    imp.add_argument("--year", type=int, help="năm thực hiện (mặc định: năm ban hành)")
    imp.set_defaults(handler=_import_plan)
    units = sub.add_parser("units", help="danh sách đơn vị").add_subparsers(title="lệnh")
    uimp = units.add_parser("import", help="nhập danh sách đơn vị (.xlsx, .csv, .yaml)")
    uimp.add_argument("file", type=Path)
    uimp.add_argument(
        "--replace",
        action="store_true",
        help="bỏ cả tên gọi khác, nhóm mà nhiệm vụ đang giao còn dựa vào",
    )
    uimp.set_defaults(handler=_import_units)
    ulist = units.add_parser("list", help="xem danh sách đơn vị")
    ulist.add_argument("--json", action="store_true")
    ulist.set_defaults(handler=_list_units)
    tasks = sub.add_parser("tasks", help="xem nhiệm vụ đã giao")
    tasks.add_argument("--plan", help="số kế hoạch")
    tasks.add_argument("--unit", help="tên đơn vị (hoặc tên gọi khác)")
    tasks.add_argument("--status", help="not_started, in_progress, done, blocked, ...")
    tasks.add_argument("--json", action="store_true")
    tasks.set_defaults(handler=_tasks)
    overdue = sub.add_parser("overdue", help="xem nhiệm vụ quá hạn")
    overdue.add_argument("--at", type=moment_arg, help="tại thời điểm, ví dụ 2023-07-01T08:00")
    overdue.add_argument("--plan", help="số kế hoạch")
    overdue.add_argument("--json", action="store_true")
    overdue.set_defaults(handler=_overdue)
    add_remind_commands(sub)
    add_people_commands(sub)
    add_digest_commands(sub)
    return parser


async def _run(app: App, args: argparse.Namespace) -> int:
    return await run_service(app, examples=args.examples)


async def _chat(app: App, args: argparse.Namespace) -> int:
    role = PersonRole(args.role)
    if role == PersonRole.FOCAL and not args.unit:
        raise UsageError(words.UNIT_REQUIRED)
    return await chat(app, unit_name=args.unit, role=role, name=args.name)


async def _invite(app: App, args: argparse.Namespace) -> int:
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


async def _import_plan(app: App, args: argparse.Namespace) -> int:
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


async def _import_units(app: App, args: argparse.Namespace) -> int:
    try:
        report = await import_units_file(app.sessions, args.file, replace=args.replace)
    except ImportFileError as exc:
        return _refused(args.file, exc)
    out(words.units_imported(report))
    return 0


def _refused(path: Path, exc: ImportFileError) -> int:
    err(words.IMPORT_FAILED.format(path=path, count=len(exc.errors)))
    for error in exc.errors:
        err(words.IMPORT_ERROR_LINE.format(error=error))
    return 1


async def _list_units(app: App, args: argparse.Namespace) -> int:
    async with app.sessions() as session:
        units = await list_units(session)
    out(units_json(units) if args.json else units_text(units))
    return 0


async def _tasks(app: App, args: argparse.Namespace) -> int:
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


async def _overdue(app: App, args: argparse.Namespace) -> int:
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
    session: AsyncSession, args: argparse.Namespace
) -> tuple[int | None, int | None]:
    """The plan id and unit id that `--plan` and `--unit` name, None where not given."""
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
    if value is None:
        return None
    wanted = fold_words(value).replace(" ", "_")
    for status in AssignmentStatus:
        if wanted in (status.value, fold_words(STATUS[status]).replace(" ", "_")):
            return status.value
    choices = ", ".join(s.value for s in AssignmentStatus)
    raise UsageError(words.BAD_STATUS.format(value=value, choices=choices))
