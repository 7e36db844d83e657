"""The weekly job: the digest (and at a period's end the written report) into the outbox, once.

It runs often (every few minutes) and acts only when the week's scheduled moment has passed
and this week's digest of a plan is not stored yet: a restart neither loses nor repeats it,
and a service that was down at the scheduled moment catches up within `CATCH_UP`. Storing
the digest and writing its outbox rows happen in one transaction, and every row has a
dedupe key, so two processes running the job at once send it once.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digest.report import period_phrase
from bot.digest.service import (
    DigestFiles,
    DigestKit,
    write_files,
    write_period_report,
)
from bot.digest.text import Format, message
from bot.texts import dates
from bot.texts import digest as t
from scheduler.digest_figures import Figures
from scheduler.digest_periods import ReportPeriod, periods_due, week_key
from storage.db import transaction
from storage.digests import digest_exists, save_digest
from storage.models import Plan
from storage.outbox import enqueue
from storage.people import delivery_targets, people_with_roles
from storage.plans import active_plans
from storage.vocab import SEES_EVERY_UNIT, DigestKind, OutboxKind, OutboxStatus

log = logging.getLogger(__name__)
CATCH_UP = timedelta(days=3)
DIGEST_CHECK_SECONDS = 300  # how often the service asks whether this week's digest is due
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Made:
    """One plan's digest, ready to store and send."""

    plan: Plan
    week: str
    figures: Figures
    files: DigestFiles
    reports: list[tuple[ReportPeriod, Figures, Path]]


async def run_digest_job(
    *,
    sessions: Sessions,
    now: Callable[[], datetime],
    kit: DigestKit,
    formats: Mapping[str, Format],
) -> int:
    """The scheduler's entry point: the clock's moment, then `send_weekly_digest`."""
    return await send_weekly_digest(sessions, kit, now=now(), formats=formats)


async def send_weekly_digest(
    sessions: Sessions, kit: DigestKit, *, now: datetime, formats: Mapping[str, Format]
) -> int:
    """Write this week's digest of every active plan to coordinators and leaders; rows added.

    `formats` are the running channels' text formats, in the order delivery prefers them."""
    slot = kit.schedule.latest_slot(now, kit.timezone)
    if now - slot > CATCH_UP:
        return 0
    week = week_key(slot.date())
    async with sessions() as session:
        plans = await active_plans(session, today=slot.date())
    written = 0
    for plan in plans:
        try:
            made = await _make(sessions, kit, plan, week, now)
            written += await _store_and_send(sessions, made, now, formats) if made else 0
        except Exception:  # one plan's failure must not hold back the others' digests
            log.exception("digest %s of plan %s failed; retried at the next run", week, plan.number)
    return written


async def _make(
    sessions: Sessions, kit: DigestKit, plan: Plan, week: str, now: datetime
) -> Made | None:
    """Figures and files of one plan's digest; None when this week's is stored already."""
    assert plan.id is not None  # an active plan is a stored one
    async with sessions() as session:
        if await digest_exists(session, plan_id=plan.id, kind=DigestKind.WEEKLY, period=week):
            return None
        figures = await kit.figures(session, plan, now)
        due = await _reports_due(session, kit, plan, figures)
        reports = [(p, await kit.figures(session, plan, kit.period_end(p), period=p)) for p in due]
    # Drawing and writing files is CPU work: keep it off the event loop, outside any session.
    folder = kit.folder(plan, figures.today)
    files = await asyncio.to_thread(write_files, figures, folder, ("png", "xlsx"))
    written = [
        (p, f, await asyncio.to_thread(write_period_report, f, p, folder, kit.style, figures.today))
        for p, f in reports
    ]
    return Made(plan, week, figures, files, written)


async def _reports_due(
    session: AsyncSession, kit: DigestKit, plan: Plan, figures: Figures
) -> list[ReportPeriod]:
    """Report periods of the plan's year that have ended and have no report yet."""
    assert plan.id is not None  # an active plan is a stored one
    due = []
    for period in periods_due(figures.today, kit.cutoff_day):
        made = await digest_exists(
            session, plan_id=plan.id, kind=DigestKind.REPORT, period=period.key
        )
        if period.year == plan.year and not made:
            due.append(period)
    return due


async def _store_and_send(
    sessions: Sessions, made: Made, now: datetime, formats: Mapping[str, Format]
) -> int:
    plan_id = made.plan.id
    assert plan_id is not None
    async with transaction(sessions) as session:
        stored = await save_digest(
            session,
            plan_id=plan_id,
            kind=DigestKind.WEEKLY,
            period=made.week,
            at=now,
            figures=made.figures.stored(),
        )
        if not stored:  # another process sent this week's digest a moment ago
            return 0
        for period, figures, _path in made.reports:
            await save_digest(
                session,
                plan_id=plan_id,
                kind=DigestKind.REPORT,
                period=period.key,
                at=now,
                figures=figures.stored(),
            )
        people = await recipients(session, channels=list(formats))
        rows = [row for p, channel in people for row in _rows(made, p, formats[channel], now)]
        added = await enqueue(session, rows)
    log.info("digest %s of plan %s: %d outbox row(s)", made.week, made.plan.number, added)
    return added


async def recipients(session: AsyncSession, *, channels: Sequence[str]) -> list[tuple[int, str]]:
    """Active coordinators and leaders, each with the channel the delivery worker will use
    (so it shapes their text); people on none of `channels` are left out."""
    people = await people_with_roles(session, roles=list(SEES_EVERY_UNIT))
    ids = [p.id for p in people if p.id is not None]
    targets = await delivery_targets(session, person_ids=ids, running=channels)
    return [(pid, targets[pid].channel) for pid in ids if pid in targets]


def _rows(made: Made, person_id: int, fmt: Format, now: datetime) -> list[dict[str, Any]]:
    """The message parts, then the chart, the Excel file and any written report."""
    base = f"{OutboxKind.DIGEST}:{made.plan.id}:{made.week}:{person_id}"
    plan, f = made.plan.number, made.figures
    payloads: list[tuple[str, dict[str, Any]]] = [
        (f"{base}:text:{n}", {"text": part, "html": fmt.html})
        for n, part in enumerate(message(f, fmt), start=1)
    ]
    if made.files.chart:
        caption = t.CHART_CAPTION.format(
            plan=plan, first=dates.day_month(f.week[0]), last=dates.day(f.week[1])
        )
        payloads.append((f"{base}:png", {"text": caption, "file_path": str(made.files.chart)}))
    if made.files.workbook:
        caption = t.WORKBOOK_CAPTION.format(plan=plan, day=dates.day(f.today))
        payloads.append((f"{base}:xlsx", {"text": caption, "file_path": str(made.files.workbook)}))
    for period, _figures, path in made.reports:
        caption = t.REPORT_CAPTION.format(period=period_phrase(period), plan=plan)
        key = f"{OutboxKind.DIGEST}:{made.plan.id}:{period.key}:{person_id}:docx"
        payloads.append((key, {"text": caption, "file_path": str(path)}))
    return [_row(key, person_id, payload, now) for key, payload in payloads]


def _row(key: str, person_id: int, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "person_id": person_id,
        "kind": OutboxKind.DIGEST,
        "payload": payload,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }
