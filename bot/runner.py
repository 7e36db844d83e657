"""`nhacviec run`: prepare the database, then serve the configured channel.

With no channel token the service runs in the terminal on the example plan, so a newcomer
sees it work with no account anywhere.
"""

import asyncio
import logging
import sys
from collections import Counter
from pathlib import Path

from bot import texts
from bot.app import App
from bot.importing.reader import ImportFileError
from bot.importing.service import PlanOptions, import_plan_file, import_units_file
from bot.views import assignments_text, overdue_text
from storage import queries

log = logging.getLogger(__name__)

EXAMPLE_UNITS = "don-vi-huong-khe.yaml"
EXAMPLE_PLAN = "ke-hoach-32-KH-UBND-2023.yaml"


async def run_service(app: App, *, examples: Path) -> int:
    if app.settings.has_channel_token:
        sys.stderr.write(texts.CHANNELS_NOT_BUILT + "\n")
        return 2
    async with app.sessions() as session:
        empty = await queries.count_plans(session) == 0
    if empty:
        await load_examples(app, examples)
    await console_loop(app)
    return 0


async def load_examples(app: App, examples: Path) -> None:
    """First start on an empty database: load the example district and plan."""
    try:
        await import_units_file(app.sessions, examples / EXAMPLE_UNITS)
        report = await import_plan_file(
            app.sessions, examples / EXAMPLE_PLAN, PlanOptions(), now=app.clock.now(), actor="run"
        )
    except ImportFileError as exc:
        log.error("example data in %s could not be loaded: %s", examples, exc.errors)
        raise
    _say(texts.EXAMPLE_LOADED.format(summary=texts.plan_imported(report)))


async def console_loop(app: App) -> None:
    """Read commands from stdin until /thoat or end of input."""
    _say(texts.CONSOLE_WELCOME)
    while True:
        sys.stdout.write("> ")
        sys.stdout.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            _say("")
            return
        command = line.strip().split(maxsplit=1)
        if not command:
            continue
        if command[0] in ("/thoat", "/quit", "/exit"):
            return
        _say(await answer(app, command[0], command[1] if len(command) > 1 else ""))


async def answer(app: App, command: str, argument: str) -> str:
    now = app.clock.now().astimezone(app.settings.timezone)
    async with app.sessions() as session:
        if command == "/tasks":
            unit = await queries.find_unit(session, name=argument) if argument else None
            if argument and unit is None:
                return texts.UNIT_NOT_FOUND.format(name=argument)
            views = await queries.list_assignments(session, unit_id=unit.id if unit else None)
            return assignments_text(views, now.date())
        if command == "/overdue":
            views = await queries.list_assignments(session, overdue_on=now.date())
            views.sort(key=lambda v: (v.deadline, queries.natural_key(v.task_code), v.unit))
            return overdue_text(views, now.date(), now)
        if command == "/status":
            views = await queries.list_assignments(session)
            counts = Counter(v.status for v in views)
            overdue = sum(v.is_overdue(now.date()) for v in views)
            return texts.console_status(counts, overdue, len(views))
    return texts.CONSOLE_HELP


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
