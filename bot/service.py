"""The composition root: everything the service and the CLI run on, built once, in order.

    settings → engine → calendar and rules → digest kit          (`open_app`, every command)
    → channels → conversation deps → delivery → jobs             (`serve`, the running service)

Nothing else builds these: handlers, jobs and commands receive what they need from here.
"""

import asyncio
import logging
import os
import signal
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import Answer, Channel, ChannelDown, Inbound
from bot.clock import Clock, SystemClock
from bot.conversation.buttons import ButtonSigner, load_key
from bot.conversation.core import Conversation
from bot.conversation.present import FileLink, no_links
from bot.conversation.turn import Deps
from bot.delivery.worker import Delivery
from bot.digest.send import DIGEST_CHECK_SECONDS, run_digest_job
from bot.digest.service import DigestKit
from bot.digest.text import text_format
from bot.settings import Settings, SettingsError, shown_database
from bot.web.health import PATH as HEALTH_PATH
from bot.web.health import ChannelStates, health_handler
from bot.web.server import WebServer
from scheduler import jobs as jobs_module
from scheduler.digest_periods import WeeklySchedule
from scheduler.rules import Rules
from storage import migrate
from storage.db import create_engine, session_factory

log = logging.getLogger(__name__)
DELIVERY_SECONDS = 5
# How long stopping waits for the sends in flight and for running jobs; with the channels'
# own stopping this keeps a SIGTERM's exit within systemd's patience (10 s here).
STOP_GRACE_SECONDS = 5.0
EVIDENCE_FOLDER = "minh-chung"
LINK_KEY = "link.key"  # signs file links; apart from the button key
WEB_KEY = "web.key"  # binds the web page's CSRF tokens to their sessions
UPLOAD_FOLDER = "tai-len"  # plan files uploaded on the web page, until confirmed
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
async def open_app(
    settings: Settings, clock: Clock | None = None, *, upgrade_apart: bool = False
) -> AsyncIterator[App]:
    """Open the database (upgrading its schema to head), load the rules; close on the way out.

    `upgrade_apart`: a schema upgrade runs in a child process (storage/migrate.py
    `upgrade_apart`), for a process that keeps running and should not hold alembic.

    Raises CalendarError or ReminderConfigError (before the database is touched) when the
    calendar or reminder rules file is malformed, SettingsError when DATA_DIR is no
    writable folder.
    """
    rules = load_rules(settings)
    digests = build_digest_kit(settings, rules)
    prepare_data_dir(settings.data_dir)
    log.info("database %s, data folder %s", database_path(settings), settings.data_dir)
    engine = create_engine(settings.database_url)
    try:
        if not await migrate.at_head(engine):  # alembic is loaded only when there is work for it
            await (migrate.upgrade_apart(engine) if upgrade_apart else migrate.upgrade(engine))
        yield App(settings, engine, session_factory(engine), clock or SystemClock(), rules, digests)
    finally:
        await engine.dispose()


def database_path(settings: Settings) -> str:
    """The database the settings name: a SQLite file, or a PostgreSQL URL without password."""
    return shown_database(settings.database_url)


def prepare_data_dir(path: Path) -> None:
    """DATA_DIR exists (created owner-only) and a file can be written in it."""
    if path.exists() and not path.is_dir():
        raise SettingsError(f"DATA_DIR={str(path)!r} is not a folder")
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SettingsError(
            f"DATA_DIR={str(path)!r} is not a writable folder: {exc.strerror}"
        ) from exc


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


def build_web_server(settings: Settings) -> WebServer:
    """The in-process HTTP server; it listens only once some route needs it (see `serve`)."""
    return WebServer(settings.http_host, settings.http_port)


def build_telegram(settings: Settings, clock: Clock, web: WebServer) -> Channel:
    """The Telegram channel: long polling (the default) or a webhook on `web`."""
    if settings.telegram_mode == "webhook":
        from bot.channels.telegram_webhook import build_telegram_webhook_channel

        return build_telegram_webhook_channel(settings, clock, web)
    from bot.channels.telegram import build_telegram_channel

    return build_telegram_channel(settings, clock)


def mount_health(app: App, web: WebServer, channels: ChannelStates) -> None:
    """`GET /healthz` on the HTTP server (bot/web/health.py)."""
    handler = health_handler(
        engine=app.engine, sessions=app.sessions, channels=channels, now=app.clock.now
    )
    web.add_route("GET", HEALTH_PATH, handler)


def build_file_links(app: App, channels: Sequence[Channel], web: WebServer) -> FileLink:
    """Signed links to digest files, served by `web`, where a running channel cannot send
    files and the service has a public address; otherwise none (the message names the file)."""
    base = app.settings.public_base_url
    if base is None or all(c.capabilities.files for c in channels):
        return no_links
    from bot.web.links import FileLinks  # aiohttp: only a service that serves files loads it

    links = FileLinks(
        key=load_key(app.settings.data_dir, LINK_KEY),
        root=app.settings.data_dir / DIGEST_FOLDER,
        base_url=base,
        clock=app.clock,
        ttl=timedelta(days=app.settings.file_link_days),
    )
    links.mount(web)
    return links.link


def build_deps(app: App, channels: Sequence[Channel], file_link: FileLink = no_links) -> Deps:
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
        file_link=file_link,
        web_base=app.settings.public_base_url,
    )


def mount_web_page(app: App, deps: Deps, web: WebServer) -> None:
    """The web page under /web, when the service has an address to link to (PUBLIC_BASE_URL)."""
    base = app.settings.public_base_url
    if base is None:
        return
    from bot.web.site import build_site, mount  # Jinja2 and segno only where the page is on

    site = build_site(
        deps,
        key=load_key(app.settings.data_dir, WEB_KEY),
        secure_cookie=base.startswith("https://"),
        uploads=app.settings.data_dir / UPLOAD_FOLDER,
    )
    mount(site, web)


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
        file_link=deps.file_link,
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

    async def drain(self, within: float) -> None:
        """Wait for running jobs, at most `within` seconds; a job still running after that
        is cancelled with the process (its transaction rolls back, its next run redoes it)."""
        if self._running:
            await asyncio.wait(self._running, timeout=within)


def build_leases(app: App, delivery: Delivery) -> jobs_module.Leases:
    """This process's hold on the sweep, the digest and sending (one process at a time on a
    shared database); a lease lasts as long as an outbox claim, so a dead sender's work and
    its claimed rows come back together."""
    return jobs_module.Leases(
        sessions=app.sessions,
        holder=delivery.worker,
        now=app.clock.now,
        ttl=delivery.lease,
    )


def build_scheduler(
    app: App, delivery: Delivery, jobs: Jobs, owner: jobs_module.Leases | None = None
) -> AsyncIOScheduler:
    """The static jobs: the sweep and the weekly digest (each checks the database), run only
    while this process holds their lease when `owner` is given."""
    scheduler = jobs_module.build_scheduler(
        app.settings.timezone,
        sessions=app.sessions,
        now=app.clock.now,
        calendar=app.rules.calendar,
        config_for_plan=app.rules.reminders.for_plan,
        run=jobs.guard,
        owner=owner,
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
        owner=owner,
    )
    return scheduler


async def serve(
    app: App,
    channels: Sequence[Channel],
    stop: asyncio.Event,
    *,
    web: WebServer | None = None,
    delivery_every: float = DELIVERY_SECONDS,
) -> None:
    """Run until `stop` is set (a signal, or the console's input ending).

    `web` carries the routes channels added (a webhook); file links join them, and /healthz
    when the server listens anyway or HEALTH_CHECK asks for it; it listens before the
    channels start (a webhook must be reachable when it is set).
    Raises ChannelDown, once everything is stopped, when a channel stopped receiving and
    cannot resume: the process must end so that its supervisor starts it again.
    """
    web = web or build_web_server(app.settings)
    deps = build_deps(app, channels, build_file_links(app, channels, web))
    mount_web_page(app, deps, web)
    conversation = Conversation(deps)
    delivery = build_delivery(app, deps, channels)
    states = ChannelStates(c.name for c in channels)
    if web.needed or app.settings.health_check:
        mount_health(app, web, states)
    async with listening(web):
        await start_and_run(app, channels, stop, conversation, delivery, delivery_every, states)


@asynccontextmanager
async def listening(web: WebServer) -> AsyncIterator[None]:
    """The HTTP server runs inside this block when some route needs it."""
    if not web.needed:
        yield
        return
    await web.start()
    try:
        yield
    finally:
        await web.stop()


async def start_and_run(
    app: App,
    channels: Sequence[Channel],
    stop: asyncio.Event,
    conversation: Conversation,
    delivery: Delivery,
    delivery_every: float,
    states: ChannelStates | None = None,
) -> None:
    """Channels, jobs and delivery started; run until stopped, then stopped in reverse."""
    states = states or ChannelStates(c.name for c in channels)
    await start_channels(conversation, channels)
    states.mark_all("running")
    jobs = Jobs()
    owner = build_leases(app, delivery)
    await owner.renew()  # before the first sweep, which runs at once
    if owner.holds(jobs_module.SWEEP_JOB):  # the processes on one database share the rules
        await jobs_module.recheck_if_rules_changed(
            app.sessions, fingerprint=app.rules.fingerprint(), now=app.clock.now()
        )
    delivery.may_claim = lambda: owner.holds(jobs_module.SENDING)
    released = asyncio.Event()
    keeping = asyncio.create_task(owner.keep(released), name="leases")
    scheduler = build_scheduler(app, delivery, jobs, owner)
    scheduler.start()
    # Its own loop, not a scheduler job: a pass drains the queue however long it takes, and
    # the scheduler's sweep and digest never wait behind it ("skipped: max instances").
    delivering = asyncio.create_task(delivery.run(every=delivery_every), name="delivery")
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await until_stopped(stop, channels, states)
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.gather(stop_delivery(delivery, delivering), jobs.drain(STOP_GRACE_SECONDS))
        released.set()  # the work is stopped: its leases go, another process may take them
        await keeping
        for channel in reversed(channels):
            await channel.stop()
            states.mark(channel.name, "stopped")


async def until_stopped(
    stop: asyncio.Event, channels: Sequence[Channel], states: ChannelStates | None = None
) -> None:
    """Return when `stop` is set; raise ChannelDown as soon as a channel is down."""
    waits = [
        asyncio.ensure_future(stop.wait()),
        *(asyncio.ensure_future(_watch(c, states)) for c in channels),
    ]
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    for wait in done:
        wait.result()  # a watch ends only by raising ChannelDown


async def _watch(channel: Channel, states: ChannelStates | None) -> None:
    try:
        await channel.watch()
    except ChannelDown:
        if states is not None:
            states.mark(channel.name, "down")
        raise


async def stop_delivery(delivery: Delivery, running: "asyncio.Task[None]") -> None:
    """No new send at once; those in flight finish (and are recorded), or are cut after a
    grace; what the worker still holds is released."""
    delivery.stop()
    _, late = await asyncio.wait({running}, timeout=STOP_GRACE_SECONDS)
    if late:  # a long 429 pause or a send that hangs: cut; its row goes back to the queue
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    released = await delivery.release_all()
    if released:
        log.info("stopping: %d outbox row(s) in flight went back to the queue", released)


async def start_channels(conversation: Conversation, channels: Sequence[Channel]) -> None:
    for channel in channels:
        await channel.start(conversation_handler(conversation, channel))


def conversation_handler(
    conversation: Conversation, channel: Channel
) -> Callable[[Inbound], Awaitable[Answer]]:
    async def handle(inbound: Inbound) -> Answer:
        return await conversation.handle(inbound, channel.capabilities, channel.download)

    return handle
