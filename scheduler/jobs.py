"""The APScheduler wiring: a few static jobs with fixed ids; the database holds the truth.

Fixed ids with `replace_existing` mean a restart re-registers the same jobs instead of adding
copies; `coalesce` and `max_instances=1` mean a slow run is never overlapped by the next one,
and runs missed while the process was down or busy collapse into one.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.calendar import WorkCalendar
from scheduler.sweep import ConfigForPlan, SweepResult, sweep_batches
from storage.db import transaction
from storage.schedules import reschedule, rules_fingerprint, save_rules_fingerprint

log = logging.getLogger(__name__)

SWEEP_JOB = "sweep"
DIGEST_JOB = "digest"
SWEEP_EVERY_SECONDS = 60
# Late runs still run (once, coalesced): the sweep catches up from the database anyway.
_STATIC = {
    "replace_existing": True,
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": None,
}


def build_scheduler(
    timezone: ZoneInfo,
    *,
    sessions: async_sessionmaker[AsyncSession],
    now: Callable[[], datetime],
    calendar: WorkCalendar,
    config_for_plan: ConfigForPlan,
    sweep_every: float = SWEEP_EVERY_SECONDS,
    run: Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]] = lambda job: job,
) -> AsyncIOScheduler:
    """A scheduler (not started) with the sweep job; `now` is the injected clock's reader.

    `run` wraps each job (the service shields them so stopping waits for a running one).
    """
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        run(run_sweep),
        IntervalTrigger(seconds=sweep_every, timezone=timezone),
        id=SWEEP_JOB,
        name="write due reminders to the outbox",
        kwargs={
            "sessions": sessions,
            "now": now,
            "calendar": calendar,
            "config_for_plan": config_for_plan,
        },
        next_run_time=now(),  # catch up at once after downtime, not a minute later
        **_STATIC,
    )
    return scheduler


def add_digest_job(
    scheduler: AsyncIOScheduler,
    job: Callable[..., Awaitable[Any]],
    *,
    every: float,
    kwargs: dict[str, Any],
) -> None:
    """The weekly digest beside the sweep: checked often, it acts once the week's moment has
    passed and the database has no digest of that week yet (built by the bot, which renders)."""
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=every, timezone=scheduler.timezone),
        id=DIGEST_JOB,
        name="write the weekly digest to the outbox",
        kwargs=kwargs,
        **_STATIC,
    )


async def run_sweep(
    *,
    sessions: async_sessionmaker[AsyncSession],
    now: Callable[[], datetime],
    calendar: WorkCalendar,
    config_for_plan: ConfigForPlan,
) -> SweepResult:
    """One sweep at the moment the clock gives, each batch in its own short transaction
    (its outbox rows and its moved moments together), so answers are never held up long."""
    moment = now()
    result = await sweep_batches(
        lambda: transaction(sessions),
        now=moment,
        calendar=calendar,
        config_for_plan=config_for_plan,
    )
    if result.written:
        log.info("sweep at %s wrote %d reminder(s)", moment.isoformat(), result.written)
    return result


async def recheck_if_rules_changed(
    sessions: async_sessionmaker[AsyncSession], *, fingerprint: str, now: datetime
) -> bool:
    """At start: if the rules (calendar, reminder settings) differ from those the stored
    moments were computed from, every open assignment is looked at again by the next sweep."""
    async with transaction(sessions) as session:
        if await rules_fingerprint(session) == fingerprint:
            return False
        await reschedule(session, every_open=True)
        await save_rules_fingerprint(session, fingerprint=fingerprint, now=now)
    log.info("the reminder rules or the calendar changed: every open schedule is recomputed")
    return True
