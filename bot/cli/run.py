"""`nhacviec run` and `nhacviec chat`: prepare the database, then serve the channels.

With no channel token the service runs in the terminal on the example plan, so a newcomer
sees it work with no account anywhere. The example is a 2023 plan; it is loaded as this
year's, so its deadlines, reminders and overdue figures look like those of a live plan.
"""

import asyncio
import gc
import logging
import sys
from pathlib import Path

from bot.channels.base import Channel, ChannelDown
from bot.channels.console import ConsoleChannel
from bot.service import App, build_telegram, build_web_server, serve
from bot.texts import cli as words
from bot.web.server import WebServer
from storage.db import transaction
from storage.people import console_person
from storage.plans import count_plans
from storage.units import find_unit
from storage.vocab import PersonRole

log = logging.getLogger(__name__)


def settled() -> None:
    """Start-up is over: what it made (the modules, the app, the channels) lives as long as
    the process, so it is frozen out of the garbage collector's reach. A full collection then
    no longer walks it all again, a pause of 50-200 ms in which no reminder goes out and no
    answer is handled (benchmarks/bench_gc.py)."""
    gc.freeze()


EXAMPLE_UNITS = "don-vi-huong-khe.yaml"
EXAMPLE_PLAN = "ke-hoach-32-KH-UBND-2023.yaml"
DEMO_UNIT = "Phòng Tư pháp"


async def run_service(app: App, *, examples: Path) -> int:
    """Telegram, Zalo or both, whichever tokens are set; otherwise the console, on the
    example plan."""
    if app.settings.has_channel_token:
        web = build_web_server(app.settings)
        channels = token_channels(app, web)
        settled()
        try:
            await serve(app, channels, asyncio.Event(), web=web)
        except ChannelDown as down:
            # Non-zero, so that systemd (Restart=on-failure) starts the service again.
            log.error("the service stops: %s", down, exc_info=down.__cause__ is not None)
            return 1
        return 0
    async with app.sessions() as session:
        empty = await count_plans(session) == 0
    if empty and not (examples / EXAMPLE_PLAN).is_file():
        sys.stderr.write(words.NO_EXAMPLES.format(path=examples) + "\n")
        return 2
    if empty:
        await load_examples(app, examples)
    async with app.sessions() as session:
        demo = await find_unit(session, name=DEMO_UNIT)
    role = PersonRole.FOCAL if demo else PersonRole.COORDINATOR
    return await chat(app, unit_name=demo.name if demo else None, role=role, name=words.DEMO_NAME)


def token_channels(app: App, web: WebServer) -> list[Channel]:
    """The channels whose tokens are set, in the order delivery prefers them."""
    channels: list[Channel] = []
    if app.settings.telegram_bot_token:
        channels.append(build_telegram(app.settings, app.clock, web))  # polling or webhook
    if app.settings.zalo_bot_token:
        from bot.channels.zalo import build_zalo_channel

        channels.append(build_zalo_channel(app.settings, app.clock, web=web))
    return channels


async def chat(app: App, *, unit_name: str | None, role: PersonRole, name: str) -> int:
    """The conversation in this terminal, as one person."""
    unit_id = None
    if unit_name:
        async with app.sessions() as session:
            unit = await find_unit(session, name=unit_name)
        if unit is None:
            sys.stderr.write(words.UNIT_NOT_FOUND.format(name=unit_name) + "\n")
            return 2
        unit_id, unit_name = unit.id, unit.name
    async with transaction(app.sessions) as session:
        user_id = await console_person(session, unit_id=unit_id, role=role, name=name)
    console = ConsoleChannel(user_id=user_id, display_name=name)
    _say(words.console_welcome(role, unit_name))
    settled()
    await serve(app, [console], console.finished)
    return 0


async def load_examples(app: App, examples: Path) -> None:
    """First start on an empty database: load the example district, and the plan as this year's."""
    from bot.importing.reader import ImportFileError  # the importer: only on a first start
    from bot.importing.service import PlanOptions, import_plan_file, import_units_file

    this_year = app.clock.now().astimezone(app.settings.timezone).year
    try:
        await import_units_file(app.sessions, examples / EXAMPLE_UNITS)
        report = await import_plan_file(
            app.sessions,
            examples / EXAMPLE_PLAN,
            PlanOptions(move_to_year=this_year),
            now=app.clock.now(),
            actor="run",
        )
    except ImportFileError as exc:
        log.error("example data in %s could not be loaded: %s", examples, exc.errors)
        raise
    _say(words.EXAMPLE_LOADED.format(summary=words.plan_imported(report)))


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
