"""Making a digest: which plans, their figures, and the files, written where the service keeps them."""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest.chart import write_chart
from bot.digest.report import ReportStyle, write_report
from bot.digest.workbook import write_workbook
from bot.texts.common import NO_AREA
from scheduler.digest import compute
from scheduler.digest_figures import Figures
from scheduler.digest_periods import ND09_CUTOFF_DAY, ReportPeriod, WeeklySchedule
from storage.models import Plan

FORMATS = ("text", "png", "xlsx", "docx")
_UNSAFE = re.compile(r"[^0-9A-Za-z]+")
SLUG_BYTES = 80


@dataclass(frozen=True)
class DigestKit:
    """What making a digest needs, built once by the composition root (`bot.service`)."""

    timezone: ZoneInfo
    out_root: Path  # files go to out_root/<plan>/<yyyy-mm-dd>/
    working_days: Callable[[date, date], int]
    schedule: WeeklySchedule  # when the weekly digest goes out
    cutoff_day: int = ND09_CUTOFF_DAY
    style: ReportStyle = field(default_factory=ReportStyle)

    def folder(self, plan: Plan, day: date) -> Path:
        return (self.out_root / slug(plan.number) / day.isoformat()).resolve()

    async def figures(
        self,
        session: AsyncSession,
        plan: Plan,
        at: datetime,
        period: ReportPeriod | None = None,
    ) -> Figures:
        figures = await compute(
            session,
            plan=plan,
            at=at,
            tz=self.timezone,
            working_days=self.working_days,
            period=period,
        )
        return named(figures)

    def period_end(self, period: ReportPeriod) -> datetime:
        """The report's moment: the last instant of its data cut-off day, local time."""
        following = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=self.timezone)
        return following - timedelta(microseconds=1)


def named(figures: Figures) -> Figures:
    """The figures with the row of tasks under no area named as people read it."""
    areas = tuple(
        replace(line, name=NO_AREA) if line.key is None else line for line in figures.areas
    )
    return replace(figures, areas=areas)


def slug(number: str) -> str:
    """A plan number as a folder or file name: 32/KH-UBND → 32-KH-UBND.

    At most SLUG_BYTES bytes (ASCII), so "tong-hop-<slug>-2023-06-23.xlsx" stays well inside
    the 255 bytes a file name may have; a longer number keeps its start and a hash of the
    whole, so two long numbers still get two folders."""
    cleaned = _UNSAFE.sub("-", number).strip("-") or "ke-hoach"
    if len(cleaned) <= SLUG_BYTES:
        return cleaned
    tail = hashlib.sha256(number.encode()).hexdigest()[:8]
    return f"{cleaned[: SLUG_BYTES - len(tail) - 1].rstrip('-')}-{tail}"


@dataclass(frozen=True)
class DigestFiles:
    chart: Path | None = None
    workbook: Path | None = None

    def paths(self) -> list[Path]:
        return [p for p in (self.chart, self.workbook) if p is not None]


def file_paths(figures: Figures, folder: Path, formats: Iterable[str]) -> DigestFiles:
    """Where `write_files` puts the chart and the Excel file asked for."""
    wanted = set(formats)
    name = f"tong-hop-{slug(figures.plan.number)}-{figures.today.isoformat()}"
    return DigestFiles(
        chart=folder / f"{name}.png" if "png" in wanted else None,
        workbook=folder / f"{name}.xlsx" if "xlsx" in wanted else None,
    )


def write_files(figures: Figures, folder: Path, formats: Iterable[str]) -> DigestFiles:
    """The chart and the Excel file, as asked (CPU work: callers run it in a thread)."""
    paths = file_paths(figures, folder, formats)
    return DigestFiles(
        chart=write_chart(figures, paths.chart) if paths.chart else None,
        workbook=write_workbook(figures, paths.workbook) if paths.workbook else None,
    )


def report_path(folder: Path, figures: Figures, period: ReportPeriod) -> Path:
    """bao-cao-32-KH-UBND-2023-H1.docx in `folder`."""
    return folder / f"bao-cao-{slug(figures.plan.number)}-{period.key}.docx"


def write_period_report(
    figures: Figures, period: ReportPeriod, folder: Path, style: ReportStyle, dated: date
) -> Path:
    return write_report(figures, period, report_path(folder, figures, period), style, dated)
