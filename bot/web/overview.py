"""The plan overview: the digest's figures, live, with filters; the chart and the files.

The figures are the digest's own (`DigestKit.figures`, i.e. scheduler.digest.compute), so
what the page says equals what the weekly digest would say at the same moment. Filters
narrow the tables and lists shown; the totals stay the plan's.
"""

import asyncio
import hashlib
import json
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest.chart import write_chart
from bot.digest.service import DigestKit, slug, write_files, write_period_report
from scheduler.digest_figures import Figures, Line
from scheduler.digest_periods import ReportPeriod, report_periods
from storage.db import find
from storage.models import Plan
from storage.plans import active_plans
from storage.vocab import AssignmentStatus
from storage.web import LeadRow, lead_rows

WEB_FOLDER = "trang-web"
LIST_ROWS = 200  # rows of one list on the page; a province's overdue list runs to thousands
REQUEST_ROWS = 50  # beside the digest's own files, never over them
STATUSES = ("overdue", *AssignmentStatus)
SORTS = {
    "name": lambda line: line.name,
    "total": lambda line: line.counts.total,
    "done": lambda line: line.counts.done_on_time,
    "late": lambda line: line.counts.done_late,
    "progress": lambda line: line.counts.in_progress,
    "blocked": lambda line: line.counts.blocked,
    "not_started": lambda line: line.counts.not_started,
    "overdue": lambda line: line.counts.overdue,
    "pct": lambda line: line.counts.ratio,
}


@dataclass(frozen=True)
class Choice:
    """What the overview's query string asks for, checked."""

    plan: Plan
    plans: list[Plan]
    period: ReportPeriod | None
    periods: list[ReportPeriod]
    area: str
    unit: str
    status: str
    sort: str
    descending: bool

    def query(self, **changes: str) -> str:
        values = {
            "plan": str(self.plan.id),
            "period": self.period.key if self.period else "",
            "area": self.area,
            "unit": self.unit,
            "status": self.status,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})

    def sort_link(self, column: str) -> str:
        descending = not self.descending if column == self.sort else column != "name"
        return "?" + self.query(sort=column, dir="desc" if descending else "asc")


async def choose(
    session: AsyncSession, request: web.Request, today: date, cutoff: int
) -> Choice | None:
    """The plan (the query's, or the first active one), its period and the filters; None
    when there is no plan (or the query names one that does not exist)."""
    q = request.query
    plans = await active_plans(session, today=today)
    plan: Plan | None = None
    if q.get("plan", "").isdigit():
        plan = await find(session, Plan, int(q["plan"]))
        if plan is not None and plan not in plans:
            plans = [*plans, plan]
    elif plans:
        plan = plans[0]
    if plan is None:
        return None
    periods = report_periods(plan.year, cutoff)
    period = next((p for p in periods if p.key == q.get("period")), None)
    sort = q.get("sort", "") if q.get("sort", "") in SORTS else ""
    status = q.get("status", "") if q.get("status", "") in STATUSES else ""
    return Choice(
        plan=plan,
        plans=plans,
        period=period,
        periods=periods,
        area=q.get("area", "")[:300],
        unit=q.get("unit", "")[:300],
        status=status,
        sort=sort,
        descending=q.get("dir") == "desc",
    )


async def figures_for(
    session: AsyncSession, kit: DigestKit, choice: Choice, now: datetime
) -> Figures:
    """The digest's figures now, or at the chosen period's end when that has passed."""
    at = now
    if choice.period is not None:
        at = min(now, kit.period_end(choice.period))
    return await kit.figures(session, choice.plan, at, period=choice.period)


def sorted_lines(lines: Sequence[Line], choice: Choice) -> list[Line]:
    if not choice.sort:
        return list(lines)
    return sorted(lines, key=SORTS[choice.sort], reverse=choice.descending)


def _matches(choice: Choice, *, unit: str | None = None, area: str | None = None) -> bool:
    return (not choice.unit or unit is None or unit == choice.unit) and (
        not choice.area or area is None or area == choice.area
    )


def context(
    figures: Figures, choice: Choice, matching: tuple[list[LeadRow], int]
) -> dict[str, Any]:
    """What the overview template shows, filtered as chosen; each list cut at LIST_ROWS
    (the Excel file has them all)."""
    f, c = figures, choice
    show = c.status or "all"
    lists: dict[str, Sequence[Any]] = {
        "overdue": [i for i in f.overdue if _matches(c, unit=i.unit, area=i.area)]
        if show in ("all", "overdue")
        else [],
        "blockers": [b for b in f.blockers if _matches(c, unit=b.unit)]
        if show in ("all", AssignmentStatus.BLOCKED)
        else [],
        "due": [d for d in f.due_next_week if _matches(c, unit=d.unit)] if show == "all" else [],
        "silent": [s for s in f.silent if _matches(c, unit=s.unit)],
        "unreachable": [u for u in f.unreachable if _matches(c, unit=u.unit)],
        "no_focal": [n for n in f.no_focal if _matches(c, unit=n)],
    }
    return {
        "f": f,
        "choice": c,
        "areas": sorted_lines([a for a in f.areas if not c.area or a.name == c.area], c),
        "units": sorted_lines([u for u in f.units if _matches(c, unit=u.name)], c),
        **{name: items[:LIST_ROWS] for name, items in lists.items()},
        "rows": matching[0],
        "counts": {"rows": matching[1], **{name: len(items) for name, items in lists.items()}},
        "filtered": bool(c.area or c.unit or c.status),
        "area_names": [a.name for a in f.areas],
        "unit_names": sorted(u.name for u in f.units),
    }


async def matching_rows(
    session: AsyncSession, choice: Choice, figures: Figures
) -> tuple[list[LeadRow], int]:
    """Lead assignments of the plan that pass every filter (shown only when one is set):
    the digest lists and ranks lead work only, so the overdue filter lists its overdue list."""
    c = choice
    if not (c.area or c.unit or c.status):
        return [], 0
    units = {line.name: line.key for line in figures.units}
    areas = {line.name: line.key for line in figures.areas}
    if (c.unit and c.unit not in units) or (c.area and c.area not in areas):
        return [], 0
    area_id = areas.get(c.area) if c.area else None
    overdue = c.status == "overdue"
    return await lead_rows(
        session,
        plan_id=c.plan.id or 0,
        unit_id=units[c.unit] if c.unit else None,
        area_id=area_id,
        without_area=bool(c.area) and area_id is None,
        status=None if overdue or not c.status else c.status,
        overdue_on=figures.today if overdue else None,
        limit=LIST_ROWS,
    )


def figures_key(figures: Figures) -> str:
    """What the chart of these figures shows, hashed: the same key, the same picture."""
    drawn = {k: v for k, v in figures.stored().items() if k != "at"}
    return hashlib.sha256(json.dumps(drawn, sort_keys=True).encode()).hexdigest()[:16]


class Charts:
    """The figures of the last few overviews, by key, so that the chart the page asks for
    right after is drawn from them instead of computing the figures a second time."""

    def __init__(self, keep: int = 16) -> None:
        self._keep = keep
        self._figures: OrderedDict[str, Figures] = OrderedDict()

    def remember(self, figures: Figures) -> str:
        key = figures_key(figures)
        self._figures[key] = figures
        self._figures.move_to_end(key)
        while len(self._figures) > self._keep:
            self._figures.popitem(last=False)
        return key

    def get(self, key: str) -> Figures | None:
        return self._figures.get(key)


async def chart_file(figures: Figures, folder: Path) -> Path:
    """The chart of these figures, drawn once: the same figures on the same day (what the
    chart shows) reuse the file, so reloading the page does not redraw it."""
    name = f"bieu-do-{slug(figures.plan.number)}-{figures.today.isoformat()}"
    path = folder / f"{name}-{figures_key(figures)}.png"
    if path.is_file():
        return path
    drawing = path.with_suffix(f".{secrets.token_hex(4)}.png")  # a reader never sees half
    await asyncio.to_thread(write_chart, figures, drawing)
    return drawing.replace(path)


async def workbook_file(figures: Figures, folder: Path) -> Path | None:
    files = await asyncio.to_thread(write_files, figures, folder, ("xlsx",))
    return files.workbook


async def report_file(kit: DigestKit, figures: Figures, period: ReportPeriod, folder: Path) -> Path:
    return await asyncio.to_thread(
        write_period_report, figures, period, folder, kit.style, figures.today
    )


def download(path: Path) -> web.FileResponse:
    disposition = f"attachment; filename*=UTF-8''{quote(path.name)}"
    return web.FileResponse(path, headers={"Content-Disposition": disposition})
