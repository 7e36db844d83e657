"""The weekly digest's figures for one plan, as of a moment `at` (pure: no clock is read).

What is counted: "nhiệm vụ" means tasks, never unit assignments. The totals and the areas count
tasks (a recurring task once, however many occurrences: it is done when all of them are); a
task's state comes from its lead assignments (the units that "chủ trì"). The units' lines, the
ranking and every list count lead assignments; supporting assignments ("phối hợp") are counted
apart, per unit, and are never ranked or listed as overdue.

Definitions for one assignment (one unit's share of one occurrence of a task):
    done on time   status done, completed on or before its deadline (local day), or no deadline
    done late      status done, completed on a local day after its deadline
    in progress, not started, blocked, extension requested — by status
    overdue        deadline before `at`'s local day and not done (cuts across the above)
and for one task, from its lead assignments:
    done           all done: late if any was done late, else on time
    blocked        not done and any blocked; else extension requested if any asks for one;
                   else in progress if any is in progress or done; else not started
    overdue        not done and any overdue (cuts across the above)
    % done         (on time + late) / total, halves rounded up
    change         each count minus the previous stored weekly digest's
    silent         units with open work and no update by their own people in 14 days
    unreachable    units whose focal person blocked the bot; no focal: none registered
    due next week  not done, deadline Monday to Sunday of the following week
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler import digest_sql as q
from scheduler.digest_figures import (
    COUNTS_VERSION,
    Blocker,
    Counts,
    DueItem,
    Figures,
    Line,
    OverdueItem,
    PlanInfo,
    Silent,
    Unreachable,
    stored_counts,
)
from scheduler.digest_periods import ReportPeriod, next_week, week_key, week_of
from scheduler.digest_sql import State
from scheduler.digest_tally import as_counts, tally
from storage.digests import previous_digest
from storage.models import Plan
from storage.vocab import DigestKind

log = logging.getLogger(__name__)
WorkingDays = Callable[[date, date], int]  # working days in (start, end]
SILENCE = timedelta(days=14)


def weekdays_between(start: date, end: date) -> int:
    """Monday-Friday days in (start, end]: the fallback when no holiday calendar is given,
    or when it cannot answer for a date; negative when end is before start."""
    if end < start:
        return -weekdays_between(end, start)
    weeks, rest = divmod((end - start).days, 7)
    extra = sum(1 for i in range(1, rest + 1) if (start + timedelta(days=i)).weekday() < 5)
    return weeks * 5 + extra


async def compute(
    session: AsyncSession,
    *,
    plan: Plan,
    at: datetime,
    tz: ZoneInfo,
    working_days: WorkingDays = weekdays_between,
    period: ReportPeriod | None = None,
) -> Figures:
    """Every figure of the digest of `plan` as of `at` (aware)."""
    assert plan.id is not None
    local = at.astimezone(tz)
    today = local.date()
    states = await q.assignment_states(session, plan_id=plan.id, at=at)
    counted = tally(
        states,
        today=today,
        offset=local.utcoffset() or timedelta(0),
        next_week=next_week(today),
        period=(period.start, period.end) if period else None,
    )
    names = Names(
        await q.plan_tasks(session, plan_id=plan.id),
        await q.unit_names(session),
        list(await q.areas_of(session, plan.id)),
    )
    previous = await previous_digest(
        session, plan_id=plan.id, kind=DigestKind.WEEKLY, before=at, other_than=week_key(today)
    )
    # A digest stored before tasks were counted apart from assignments is not compared with.
    comparable = previous is not None and previous.figures.get("counts") == COUNTS_VERSION
    before: dict[str, Any] = previous.figures if previous and comparable else {}
    units = _lines(names.of_units(counted.units), stored_counts(before, "units"))
    tasks = [_task(area, as_counts(c)) for area, c in counted.tasks.values()]
    totals = sum((counts for _area, counts in tasks), Counts())
    open_units = {line.key: line.name for line in units if line.counts.done < line.counts.total}
    return Figures(
        plan=_plan_info(plan),
        at=local,
        today=today,
        week=week_of(today),
        next_week=next_week(today),
        totals=totals,
        change=totals.minus(Counts.from_dict(before["totals"])) if before else None,
        previous_at=previous.at if before and previous else None,
        areas=_areas(names.areas, tasks, stored_counts(before, "areas")),
        units=_ranked(units),
        support=tuple(sorted(_lines(names.of_units(counted.support), {}), key=_by_name)),
        done_in=counted.done_in if period else None,
        overdue=_overdue(counted.overdue, names, today, working_days, plan.number),
        blockers=_blockers(counted.blocked, names, tz),
        due_next_week=_due(counted.due, names),
        **await _watch(session, at, tz, open_units),
    )


@dataclass(frozen=True)
class Names:
    """What the lists show of the ids the assignments carry."""

    tasks: dict[int, tuple[str, str]]  # code, title
    units: dict[int, str]
    areas: list[tuple[int, str]]  # in the plan's order

    def of_units(self, counts: dict[int, list[int]]) -> dict[int | None, tuple[str, Counts]]:
        return {u: (self.units[u], as_counts(c)) for u, c in counts.items() if u in self.units}

    def listed(self, task: int, unit: int) -> tuple[str, str, str]:
        """The task's code and title and the unit's name."""
        code, title = self.tasks[task]
        return code, title, self.units[unit]


async def _watch(
    session: AsyncSession, at: datetime, tz: ZoneInfo, open_units: dict[int | None, str]
) -> dict[str, Any]:
    """The units to watch: silent, unreachable, with no focal person."""
    people = await q.focal_people(session)
    return {
        "silent": _silent(
            open_units,
            await q.registered_since(session),
            await q.last_answers(session, at=at),
            at,
            tz,
        ),
        "unreachable": _unreachable(open_units, people, at, tz),
        "no_focal": _no_focal(open_units, people),
    }


def _plan_info(plan: Plan) -> PlanInfo:
    return PlanInfo(
        plan.id or 0, plan.number, plan.title, plan.issuing_body, plan.issued_on, plan.year
    )


def _by_name(line: Line) -> str:
    return line.name


def _task(area: int | None, leads: Counts) -> tuple[int | None, Counts]:
    """One task's area and its state (a Counts of one), from its lead assignments' counts."""
    if leads.done == leads.total:
        state = "done_late" if leads.done_late else "done_on_time"
    elif leads.blocked or leads.extension_requested:
        state = "blocked" if leads.blocked else "extension_requested"
    elif leads.in_progress or leads.done:
        state = "in_progress"
    else:
        state = "not_started"
    return area, Counts(total=1, overdue=min(leads.overdue, 1), **{state: 1})


def _lines(
    sums: dict[int | None, tuple[str, Counts]], before: dict[int | None, Counts]
) -> list[Line]:
    return [
        Line(key, label, counts, counts.minus(before.get(key, Counts())) if before else None)
        for key, (label, counts) in sums.items()
    ]


def _areas(
    ordered: list[tuple[int, str]],
    tasks: list[tuple[int | None, Counts]],
    before: dict[int | None, Counts],
) -> tuple[Line, ...]:
    """The plan's areas in their order, each with its tasks' counts; no area comes last."""
    sums: dict[int | None, Counts] = {}
    for area, counts in tasks:
        sums[area] = sums.get(area, Counts()) + counts
    keys: list[tuple[int | None, str]] = list(ordered)
    if None in sums:
        keys.append((None, ""))  # named by the bot (texts.common.NO_AREA)
    lines = []
    for key, name in keys:
        counts = sums.get(key, Counts())
        change = counts.minus(before.get(key, Counts())) if before else None
        lines.append(Line(key, name, counts, change))
    return tuple(lines)


def _ranked(units: list[Line]) -> tuple[Line, ...]:
    """Highest share done first; among equals, fewest overdue, then by name."""
    ordered = sorted(units, key=lambda u: (-u.counts.ratio, u.counts.overdue, u.name))
    return tuple(
        Line(u.key, u.name, u.counts, u.change, rank) for rank, u in enumerate(ordered, start=1)
    )


def _days_late(
    working_days: WorkingDays,
    deadline: date,
    today: date,
    known: dict[date, int],
    where: tuple[str, int],
) -> int:
    """`working_days`, remembered in `known` per deadline (twenty thousand overdue rows share a
    few hundred deadlines); a date it cannot answer for is logged for each row that has it and
    counted Monday-Friday: one row's bad deadline must not stop the plan's digest."""
    if deadline in known:
        return known[deadline]
    try:
        known[deadline] = working_days(deadline, today)
        return known[deadline]
    except Exception as exc:  # e.g. CalendarError: a deadline outside the calendar's years
        log.warning(
            "plan %s, assignment %s: working days late from deadline %s counted Monday-Friday: "
            "%s: %s",
            *where,
            deadline,
            type(exc).__name__,
            exc,
        )
        return weekdays_between(deadline, today)


def _overdue(
    rows: list[State], names: Names, today: date, working_days: WorkingDays, plan: str
) -> tuple[OverdueItem, ...]:
    """Earliest deadline first, then by task code and unit."""
    areas = dict(names.areas)
    known: dict[date, int] = {}
    items = []
    for i, unit_id, task_id, area_id, _role, deadline, key, status, _at, _note in rows:
        code, title, unit = names.listed(task_id, unit_id)
        assert deadline is not None  # overdue: its deadline has passed
        items.append(
            OverdueItem(
                code,
                title,
                areas.get(area_id) if area_id is not None else None,
                unit,
                deadline,
                (today - deadline).days,
                _days_late(working_days, deadline, today, known, (plan, i)),
                status,
                key,
            )
        )
    return tuple(sorted(items, key=lambda o: (o.deadline, o.task_code, o.unit)))


def _blockers(rows: list[State], names: Names, tz: ZoneInfo) -> tuple[Blocker, ...]:
    """Longest blocked first, then by task code and unit."""
    found = []
    for _id, unit_id, task_id, _area, _role, deadline, key, _status, changed_at, note in rows:
        assert changed_at is not None  # blocked: an update says so
        code, title, unit = names.listed(task_id, unit_id)
        found.append((changed_at, code, unit, title, deadline, note, key))
    found.sort(key=lambda row: row[:3])
    return tuple(
        Blocker(code, title, unit, deadline, at.astimezone(tz).date(), note, key)
        for at, code, unit, title, deadline, note, key in found
    )


def _due(rows: list[State], names: Names) -> tuple[DueItem, ...]:
    items = []
    for _id, unit_id, task_id, _area, _role, deadline, key, status, _at, _note in rows:
        assert deadline is not None  # due next week
        items.append(DueItem(*names.listed(task_id, unit_id), deadline, status, key))
    return tuple(sorted(items, key=lambda d: (d.deadline, d.task_code, d.unit)))


def _silent(
    open_units: dict[int | None, str],
    registered: dict[int, datetime],
    last: dict[int, datetime],
    at: datetime,
    tz: ZoneInfo,
) -> tuple[Silent, ...]:
    # Silence counts from the latest of the unit's last answer and its person's registration:
    # a unit nobody registered for and never heard from is listed once, under no_focal.
    quiet = []
    for key, name in open_units.items():
        heard = (registered.get(key), last.get(key)) if key is not None else ()
        since = [d for d in heard if d is not None]
        if since and max(since) <= at - SILENCE:
            quiet.append(Silent(name, last[key].astimezone(tz).date() if key in last else None))
    # Never heard from first, then the longest silent.
    return tuple(sorted(quiet, key=lambda s: (s.last_update or date.min, s.unit)))


def _unreachable(
    open_units: dict[int | None, str], people: list[Any], at: datetime, tz: ZoneInfo
) -> tuple[Unreachable, ...]:
    found: dict[int, tuple[list[str], datetime]] = {}
    for unit_id, name, since in people:
        if unit_id in open_units and since is not None and since <= at:
            names, first = found.get(unit_id, ([], since))
            found[unit_id] = ([*names, name], min(first, since))
    return tuple(
        sorted(
            (
                Unreachable(open_units[u], tuple(n), s.astimezone(tz).date())
                for u, (n, s) in found.items()
            ),
            key=lambda u: u.unit,
        )
    )


def _no_focal(open_units: dict[int | None, str], people: list[Any]) -> tuple[str, ...]:
    covered = {unit_id for unit_id, _name, _since in people}
    return tuple(sorted(name for key, name in open_units.items() if key not in covered))
