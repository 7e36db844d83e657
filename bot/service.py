"""The composition root: everything the service and the CLI run on, built once, in order.

    settings → engine → calendar and rules → digest kit          (`open_app`, every command)
    → channels → conversation deps → delivery → jobs             (`serve`, the running service)

Nothing else builds these: handlers, jobs and commands receive what they need from here.
"""

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import Answer, Channel, Inbound
from bot.clock import Clock, SystemClock
from bot.conversation.buttons import ButtonSigner, load_key
from bot.conversation.core import Conversation
from bot.conversation.turn import Deps
from bot.delivery.worker import Delivery
from bot.digest.send import DIGEST_CHECK_SECONDS, run_digest_job
from bot.digest.service import DigestKit
from bot.digest.text import text_format
from bot.settings import Settings
from scheduler import jobs as jobs_module
from scheduler.digest_periods import WeeklySchedule
from scheduler.rules import Rules
from storage.db import create_engine, session_factory
from storage.migrate import upgrade

log = logging.getLogger(__name__)
DELIVERY_SECONDS = 5
EVIDENCE_FOLDER = "minh-chung"
DIGEST_FOLDER = "digests"


@dataclass(frozen=True)
class App:
    """What every command runs on: settings, the database, the clock, the rules, the digest kit."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    rules: Rules
    digests: DigestKit


@asynccontextmanager
async def open_app(settings: Settings, clock: Clock | None = None) -> AsyncIterator[App]:
    """Open the database (upgrading its schema to head), load the rules; close on the way out.

    Raises CalendarError or ReminderConfigError (before the database is touched) when the
    calendar or reminder rules file is malformed.
    """
    rules = load_rules(settings)
    digests = build_digest_kit(settings, rules)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        yield App(settings, engine, session_factory(engine), clock or SystemClock(), rules, digests)
    finally:
        await engine.dispose()


def load_rules(settings: Settings) -> Rules:
    return Rules.load(
        calendar_file=settings.calendar_file,
        reminder_file=settings.reminder_config_file,
        timezone=settings.timezone,
    )


def build_digest_kit(settings: Settings, rules: Rules) -> DigestKit:
    return DigestKit(
        timezone=settings.timezone,
        out_root=settings.data_dir / DIGEST_FOLDER,
        working_days=rules.days_late,
        schedule=WeeklySchedule.parse(settings.digest_schedule),
        cutoff_day=settings.report_cutoff_day,
    )


def build_deps(app: App, channels: Sequence[Channel]) -> Deps:
    """The conversation's dependencies; invites link through the first channel that can."""
    return Deps(
        sessions=app.sessions,
        clock=app.clock,
        timezone=app.settings.timezone,
        signer=ButtonSigner(load_key(app.settings.data_dir)),
        evidence_dir=app.settings.data_dir / EVIDENCE_FOLDER,
        days_late=app.rules.days_late,
        snooze_until=app.rules.snooze_until,
        digests=app.digests,
        invite_link=lambda code: invite_link(channels, code),
        extension_example=app.rules.extension_example,
    )


def invite_link(channels: Sequence[Channel], code: str) -> str | None:
    return next((link for c in channels if (link := c.invite_link(code))), None)


def build_delivery(app: App, deps: Deps, channels: Sequence[Channel]) -> Delivery:
    return Delivery(
        may_send=app.rules.may_send,
        sessions=app.sessions,
        channels={c.name: c for c in channels},
        signer=deps.signer,
        clock=app.clock,
        timezone=app.settings.timezone,
        days_late=app.rules.days_late,
        lease=timedelta(seconds=app.settings.delivery_lease_seconds),
    )


class Jobs:
    """Runs scheduled coroutines shielded, so stopping waits for them instead of cutting
    a database write in half."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def guard(self, job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def shielded(*args: Any, **kwargs: Any) -> Any:
            task = asyncio.ensure_future(job(*args, **kwargs))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            try:
                return await asyncio.shield(task)
            except asyncio.CancelledError:
                return None  # the scheduler is stopping; `drain` waits for the task itself

        return shielded

    async def drain(self) -> None:
        await asyncio.gather(*self._running, return_exceptions=True)


def build_scheduler(app: App, delivery: Delivery, jobs: Jobs) -> AsyncIOScheduler:
    """The static jobs: the sweep, the weekly digest (each checks the database), delivery."""
    scheduler = jobs_module.build_scheduler(
        app.settings.timezone,
        sessions=app.sessions,
        now=app.clock.now,
        calendar=app.rules.calendar,
        config_for_plan=app.rules.reminders.for_plan,
        run=jobs.guard,
    )
    jobs_module.add_digest_job(
        scheduler,
        jobs.guard(run_digest_job),  # sends only once the week's DIGEST_SCHEDULE moment has passed
        every=DIGEST_CHECK_SECONDS,
        kwargs={
            "sessions": app.sessions,
            "now": app.clock.now,
            "kit": app.digests,
            "formats": {c.name: text_format(c.capabilities) for c in delivery.channels.values()},
        },
    )
    jobs_module.add_delivery_job(
        scheduler, jobs.guard(delivery.run_once), every=DELIVERY_SECONDS, first_run=app.clock.now()
    )
    return scheduler


async def serve(app: App, channels: Sequence[Channel], stop: asyncio.Event) -> None:
    """Run until `stop` is set (a signal, or the console's input ending)."""
    deps = build_deps(app, channels)
    conversation = Conversation(deps)
    delivery = build_delivery(app, deps, channels)
    await start_channels(conversation, channels)
    jobs = Jobs()
    scheduler = build_scheduler(app, delivery, jobs)
    scheduler.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await jobs.drain()
        await delivery.release_all()
        for channel in reversed(channels):
            await channel.stop()


async def start_channels(conversation: Conversation, channels: Sequence[Channel]) -> None:
    for channel in channels:
        await channel.start(conversation_handler(conversation, channel))


def conversation_handler(
    conversation: Conversation, channel: Channel
) -> Callable[[Inbound], Awaitable[Answer]]:
    async def handle(inbound: Inbound) -> Answer:
        return await conversation.handle(inbound, channel.capabilities, channel.download)

    return handle
