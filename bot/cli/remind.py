"""`nhacviec remind` and `nhacviec simulate`: what the reminder engine sends, to whom, and when."""

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.cli.args import at_moment, date_arg, moment_arg
from bot.cli.views import table, to_json
from bot.service import App
from bot.settings import Settings
from bot.texts import cli as words
from bot.texts import dates
from bot.texts.cli import HELP
from scheduler.calendar import WorkCalendar
from scheduler.policy import AssignmentFacts, Due, in_window, simulate
from scheduler.rules import Rules
from scheduler.sweep import (
    Planned,
    Target,
    load_targets,
    log_skipped,
    plan_reminders,
    write_reminders,
)
from storage.assignments import natural_key
from storage.db import transaction
from storage.plans import find_plan
from storage.vocab import ReminderKind

MAX_SIMULATION_DAYS = 800  # two plan years and a margin
_WIDTHS = [6, 24, 16, 22, 12, 20, 36]


def add_remind_commands(sub: Any) -> None:
    """Add `remind` and `simulate` to the `nhacviec` subcommands."""
    remind = sub.add_parser("remind", help=HELP["remind"])
    remind.add_argument("--dry-run", action="store_true", help=HELP["remind --dry-run"])
    remind.add_argument("--at", type=moment_arg, help=HELP["remind --at"])
    remind.add_argument("--plan", help=HELP["remind --plan"])
    remind.add_argument("--json", action="store_true")
    remind.set_defaults(handler=_remind)
    sim = sub.add_parser("simulate", help=HELP["simulate"])
    sim.add_argument(
        "--from", dest="start", type=date_arg, required=True, help=HELP["simulate --from"]
    )
    sim.add_argument("--to", dest="end", type=date_arg, required=True, help=HELP["simulate --to"])
    sim.add_argument("--plan", help=HELP["simulate --plan"])
    sim.add_argument("--json", action="store_true")
    sim.set_defaults(handler=_simulate)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> int:
    sys.stderr.write(text + "\n")
    return 2


async def _prepare(app: App, args: argparse.Namespace) -> tuple[Rules, str | None] | int:
    """The rules and the plan number asked for, or an exit code after saying what is wrong."""
    if not args.plan:
        return app.rules, None
    async with app.sessions() as session:
        found = await find_plan(session, number=args.plan.strip())
    if found is None:
        return _err(words.PLAN_NOT_FOUND.format(number=args.plan))
    return app.rules, found.number


async def _remind(app: App, args: argparse.Namespace) -> int:
    prepared = await _prepare(app, args)
    if isinstance(prepared, int):
        return prepared
    rules, plan = prepared
    if args.at is not None and not args.dry_run:
        return _err(words.AT_NEEDS_DRY_RUN)
    tz, send_at = app.settings.timezone, rules.config(plan).send_at
    now = at_moment(args.at, tz=tz, now=app.clock.now(), day_time=send_at)
    calendar, config_for_plan = rules.calendar, rules.reminders.for_plan
    if not args.dry_run:
        async with transaction(app.sessions) as session:
            planned = await plan_reminders(
                session, now=now, plan=plan, calendar=calendar, config_for_plan=config_for_plan
            )
            written = await write_reminders(session, planned, now=now)
        unreached = sum(p.recipient is None for p in planned)
        _out(words.swept(written, now.astimezone(app.settings.timezone), unreached))
        return 0
    async with app.sessions() as session:  # read only: nothing is added or committed
        planned = await plan_reminders(
            session, now=now, plan=plan, calendar=calendar, config_for_plan=config_for_plan
        )
    planned.sort(key=_order)
    if args.json:
        _out(to_json([_json(p, app.settings) for p in planned]))
    else:
        _out(_preview(planned, rules, plan, now, app.settings))
    return 0


def _order(p: Planned) -> tuple[Any, ...]:
    kind = list(ReminderKind).index(p.due.kind)
    name = p.recipient.name if p.recipient else ""
    return (p.target.plan, natural_key(p.target.task_code), p.target.unit, kind, name)


def _json(p: Planned, settings: Settings) -> dict[str, Any]:
    who = p.recipient
    return {
        "plan": p.target.plan,
        "task_code": p.target.task_code,
        "unit": p.target.unit,
        "kind": p.due.kind.value,
        "due_at": p.due.slot.astimezone(settings.timezone).isoformat(),
        "deadline": p.target.facts.deadline.isoformat() if p.target.facts.deadline else None,
        "person": who.name if who else None,
        "person_id": who.person_id if who else None,
        "channel": who.channels[0] if who and who.channels else None,
        "stands_in_for": who.stands_in_for if who else None,
        "gap": p.gap,
        "reason": p.due.reason,
    }


def _preview(
    planned: list[Planned], rules: Rules, plan: str | None, now: datetime, settings: Settings
) -> str:
    local = now.astimezone(settings.timezone)
    config = rules.config(plan)
    if not planned and not in_window(now, rules.calendar, config):
        start, end = dates.clock(config.window_start), dates.clock(config.window_end)
        return words.OUTSIDE_WINDOW.format(at=dates.weekday_moment(local), start=start, end=end)
    if not planned:
        return words.NOTHING_DUE.format(at=dates.weekday_moment(local))
    rows = [_row(p, rules.calendar, local.date(), settings) for p in planned]
    title = words.preview_title(local, len(planned), len({p.target.unit for p in planned}))
    return title + "\n" + table(words.REMINDER_HEADERS, rows, _WIDTHS)


def _row(p: Planned, calendar: WorkCalendar, today: date, settings: Settings) -> list[str]:
    who, deadline = p.recipient, p.target.facts.deadline
    assert deadline is not None
    slot = p.due.slot.astimezone(settings.timezone)
    late = calendar.working_days_between(deadline, slot.date())
    why = words.reason(p.due.kind, deadline=deadline, slot_day=slot.date(), late=late, today=today)
    return [
        p.target.task_code,
        p.target.unit,
        words.REMINDER_KIND[p.due.kind],
        words.person(who.name if who else None, who.stands_in_for if who else None, p.gap),
        ", ".join(who.channels) if who and who.channels else words.NO_CHANNEL,
        dates.weekday_moment(slot),
        why,
    ]


async def _simulate(app: App, args: argparse.Namespace) -> int:
    prepared = await _prepare(app, args)
    if isinstance(prepared, int):
        return prepared
    rules, plan = prepared
    if args.end < args.start:
        return _err(words.BAD_RANGE.format(start=args.start, end=args.end))
    if (args.end - args.start).days > MAX_SIMULATION_DAYS:
        return _err(words.RANGE_TOO_LONG.format(days=MAX_SIMULATION_DAYS))
    async with app.sessions() as session:
        targets = await load_targets(session, today=None, plans=[plan] if plan else None)
    groups: dict[str, list[AssignmentFacts]] = defaultdict(list)
    for target in targets:
        groups[target.plan].append(target.facts)
    by_id = {t.facts.id: t for t in targets}
    runs = simulate(
        [(rules.reminders.for_plan(n), facts) for n, facts in groups.items()],
        calendar=rules.calendar,
        start=args.start,
        end=args.end,
        skipped=lambda facts, error: log_skipped(by_id[facts.id], error),
    )
    days = _per_day(runs, by_id, app.settings)
    if args.json:
        _out(to_json(days))
    else:
        _out(_load_text(days, args.start, args.end, plan))
    return 0


def _per_day(
    runs: Sequence[tuple[datetime, list[Due]]], targets: dict[int, Target], settings: Settings
) -> list[dict[str, Any]]:
    """Counts per local day, by kind and by unit (a plan's several send times are one day)."""
    kinds: dict[date, Counter[str]] = defaultdict(Counter)
    units: dict[date, Counter[str]] = defaultdict(Counter)
    for now, due in runs:
        on = now.astimezone(settings.timezone).date()
        for d in due:
            kinds[on][d.kind.value] += 1
            units[on][targets[d.assignment_id].unit] += 1
    order = [k.value for k in ReminderKind]
    return [
        {
            "date": on.isoformat(),
            "total": sum(kinds[on].values()),
            "kinds": {k: kinds[on][k] for k in order if kinds[on][k]},
            "units": dict(sorted(units[on].items(), key=lambda item: (-item[1], item[0]))),
        }
        for on in sorted(kinds)
    ]


def _load_text(days: list[dict[str, Any]], start: date, end: date, plan: str | None) -> str:
    lines = [words.simulation_title(start, end, words.plan(plan) if plan else words.all_plans())]
    if not days:
        return (
            lines[0] + "\n" + words.SIM_NOTHING.format(start=dates.day(start), end=dates.day(end))
        )
    for entry in days:
        on = date.fromisoformat(entry["date"])
        lines.append(words.simulation_day(on, entry["total"], entry["kinds"]))
        lines.append(words.simulation_units(entry["units"]))
    busiest = max(days, key=lambda entry: entry["total"])
    total = sum(entry["total"] for entry in days)
    lines.append(
        words.simulation_total(
            total, len(days), date.fromisoformat(busiest["date"]), busiest["total"]
        )
    )
    return "\n".join(lines)
