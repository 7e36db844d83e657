"""The APScheduler wiring: a few static jobs with fixed ids; the database holds the truth.

Fixed ids with `replace_existing` mean a restart re-registers the same jobs instead of adding
copies; `coalesce` and `max_instances=1` mean a slow run is never overlapped by the next one,
and runs missed while the process was down or busy collapse into one.

Several processes may run on one PostgreSQL database: each job runs only in the process that
holds its lease (`Leases`, storage/leases.py); the others stand by and take it over once the
holder stops renewing it (it died, hung or lost the database).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.calendar import WorkCalendar
from scheduler.sweep import ConfigForPlan, SweepResult, sweep_batches
from storage import leases
from storage.db import transaction
from storage.schedules import reschedule, rules_fingerprint, save_rules_fingerprint

log = logging.getLogger(__name__)

SWEEP_JOB = "sweep"
DIGEST_JOB = "digest"
SENDING = "delivery"  # sending the outbox through the channels (bot/delivery)
LEASED = (SWEEP_JOB, DIGEST_JOB, SENDING)
SWEEP_EVERY_SECONDS = 60
# Late runs still run (once, coalesced): the sweep catches up from the database anyway.
_STATIC = {
    "replace_existing": True,
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": None,
}


@dataclass
class Leases:
    """The leases this process holds or waits for, renewed every third of `ttl`.

    A lease counts as held for two thirds of `ttl` after it was last taken or renewed by this
    process's clock: a renewal that fails once (the database was busy) loses nothing, and a
    process cut off from the database stops acting on it a third of `ttl` before another
    process may take it.
    """

    sessions: async_sessionmaker[AsyncSession]
    holder: str
    now: Callable[[], datetime]
    ttl: timedelta
    names: Sequence[str] = LEASED
    _taken: dict[str, datetime] = field(default_factory=dict)

    def holds(self, name: str) -> bool:
        taken = self._taken.get(name)
        return taken is not None and self.now() < taken + self.ttl * 2 / 3

    async def renew(self) -> None:
        """Take or renew each lease (one short transaction each); log what changed hands."""
        for name in self.names:
            moment = self.now()
            try:
                async with transaction(self.sessions) as session:
                    got = await leases.take(
                        session, name=name, holder=self.holder, now=moment, ttl=self.ttl
                    )
            except Exception:
                log.warning("lease %s could not be renewed; trying again", name, exc_info=True)
                continue
            if got:
                if name not in self._taken:  # newly taken, not a renewal (late or not)
                    log.info("this process now does the %s (lease taken)", name)
                self._taken[name] = moment
            elif self._taken.pop(name, None) is not None:
                log.warning("lease %s went to another process", name)

    async def keep(self, stop: asyncio.Event) -> None:
        """Renew until `stop` is set, then give up what is held (another process may take it
        at once)."""
        while not stop.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.ttl.total_seconds() / 3)
            if not stop.is_set():
                await self.renew()
        await self.give_up()

    async def give_up(self) -> None:
        held = [name for name in self.names if name in self._taken]
        self._taken.clear()
        if not held:
            return
        with suppress(Exception):  # the database is gone: the leases expire by themselves
            async with transaction(self.sessions) as session:
                await leases.give_up(session, names=held, holder=self.holder)


def only_with_lease(
    owner: Leases | None, name: str, job: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    """`job`, run only while this process holds lease `name` (always, without `owner`)."""
    if owner is None:
        return job

    async def leased(*args: Any, **kwargs: Any) -> Any:
        if not owner.holds(name):
            return None
        return await job(*args, **kwargs)

    return leased


def build_scheduler(
    timezone: ZoneInfo,
    *,
    sessions: async_sessionmaker[AsyncSession],
    now: Callable[[], datetime],
    calendar: WorkCalendar,
    config_for_plan: ConfigForPlan,
    sweep_every: float = SWEEP_EVERY_SECONDS,
    run: Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]] = lambda job: job,
    owner: Leases | None = None,
) -> AsyncIOScheduler:
    """A scheduler (not started) with the sweep job; `now` is the injected clock's reader.

    `run` wraps each job (the service shields them so stopping waits for a running one);
    with `owner`, the sweep runs only while this process holds its lease.
    """
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        run(only_with_lease(owner, SWEEP_JOB, run_sweep)),
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
    owner: Leases | None = None,
) -> None:
    """The weekly digest beside the sweep: checked often, it acts once the week's moment has
    passed and the database has no digest of that week yet (built by the bot, which renders)."""
    scheduler.add_job(
        only_with_lease(owner, DIGEST_JOB, job),
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
