"""The running service: channels, the conversation, the outbox worker and the scheduler."""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.channels.base import Answer, Channel, Inbound
from bot.conversation.buttons import ButtonSigner, load_key
from bot.conversation.core import Conversation
from bot.conversation.turn import Deps
from bot.delivery import Delivery
from bot.digest.send import DIGEST_CHECK_SECONDS, run_digest_job
from bot.rules import Rules
from scheduler import jobs as jobs_module
from scheduler.policy import in_window, snooze_until

log = logging.getLogger(__name__)
DELIVERY_SECONDS = 5


def build_deps(app: App, rules: Rules) -> Deps:
    signer = ButtonSigner(load_key(app.settings.data_dir))
    calendar, defaults = rules.calendar, rules.reminders.defaults
    return Deps(
        sessions=app.sessions,
        clock=app.clock,
        timezone=app.settings.timezone,
        signer=signer,
        evidence_dir=app.settings.data_dir / "minh-chung",
        days_late=calendar.working_days_between,
        snooze_until=lambda now, _tz: snooze_until(now, calendar, defaults),
    )


def build_delivery(app: App, deps: Deps, channels: Sequence[Channel], rules: Rules) -> Delivery:
    calendar, defaults = rules.calendar, rules.reminders.defaults
    return Delivery(
        may_send=lambda now: in_window(now, calendar, defaults),
        sessions=app.sessions,
        channels={c.name: c for c in channels},
        signer=deps.signer,
        clock=app.clock,
        timezone=app.settings.timezone,
        days_late=deps.days_late,
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


def build_scheduler(app: App, rules: Rules, delivery: Delivery, jobs: Jobs) -> AsyncIOScheduler:
    scheduler = jobs_module.build_scheduler(
        app.settings.timezone,
        sessions=app.sessions,
        now=app.clock.now,
        calendar=rules.calendar,
        config_for_plan=rules.reminders.for_plan,
        run=jobs.guard,
    )
    jobs_module.add_delivery_job(
        scheduler, jobs.guard(delivery.run_once), every=DELIVERY_SECONDS, first_run=app.clock.now()
    )
    scheduler.add_job(
        jobs.guard(run_digest_job),  # sends only once the week's DIGEST_SCHEDULE moment has passed
        "interval",
        seconds=DIGEST_CHECK_SECONDS,
        id="digest",
        kwargs={"app": app},
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    return scheduler


async def serve(app: App, channels: Sequence[Channel], stop: asyncio.Event) -> None:
    """Run until `stop` is set (a signal, or the console's input ending)."""
    rules = Rules.load(app.settings)
    deps = build_deps(app, rules)
    conversation = Conversation(deps)
    delivery = build_delivery(app, deps, channels, rules)
    await start_channels(conversation, channels)
    jobs = Jobs()
    scheduler = build_scheduler(app, rules, delivery, jobs)
    scheduler.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await delivery.recover()
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await jobs.drain()
        for channel in reversed(channels):
            await channel.stop()


async def start_channels(conversation: Conversation, channels: Sequence[Channel]) -> None:
    """Start each channel on the conversation; invites link to the first that can deep-link."""
    for channel in channels:
        await channel.start(conversation_handler(conversation, channel))
        if hasattr(channel, "invite_link"):
            conversation.deps.invite_link = channel.invite_link


def conversation_handler(conversation: Conversation, channel: Channel):  # noqa: ANN201
    async def handle(inbound: Inbound) -> Answer:
        return await conversation.handle(inbound, channel.capabilities, channel.download)

    return handle
