"""When digests are made: the weekly slot, the digest's week, and the report periods.

Report periods follow the data cut-off of the state reporting regime, Nghị định
09/2019/NĐ-CP (Điều 12): a quarter's data runs from the 15th of the month before the
quarter to the 14th of its last month; 6 months from 15/12 of the year before to 14/6;
9 months to 14/9; a year from 15/12 of the year before to 14/12. Confirmed against
provincial regulations that restate it word for word (e.g. Quyết định 01/2023/QĐ-UBND of
Khánh Hòa, Điều 4). `cutoff_day=0` uses calendar periods instead (1/1-31/3, ...).

Errors:
    ScheduleError — a DIGEST_SCHEDULE value that is not a weekday and a time.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.textnorm import fold

ND09_CUTOFF_DAY = 14
_DAYS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{f"t{i + 2}": i for i in range(6)},  # "t2" (thứ hai) ... "t7"
    "cn": 6,
}
_SCHEDULE = re.compile(r"^\s*([a-z0-9]+)\s+(\d{1,2})[:h](\d{2})\s*$")


class ScheduleError(ValueError):
    """A weekly schedule that cannot be read."""


@dataclass(frozen=True)
class WeeklySchedule:
    weekday: int  # Monday is 0
    at: time

    @classmethod
    def parse(cls, text: str) -> "WeeklySchedule":
        """'fri 15:00', 'thu 9:30', 't6 15:00'."""
        found = _SCHEDULE.match(fold(text).lower())
        name = found.group(1) if found else ""
        name = name if name in _DAYS else name[:3]  # "friday" reads as "fri"
        if not found or name not in _DAYS:
            raise ScheduleError(f"{text!r} is not a weekday and a time, e.g. 'fri 15:00'")
        hour, minute = int(found.group(2)), int(found.group(3))
        if hour > 23 or minute > 59:
            raise ScheduleError(f"{text!r} has no such time of day")
        return cls(_DAYS[name], time(hour, minute))

    def latest_slot(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The most recent scheduled moment at or before `now` (aware, in `tz`)."""
        local = now.astimezone(tz)
        day = local.date() - timedelta(days=(local.weekday() - self.weekday) % 7)
        slot = datetime.combine(day, self.at, tzinfo=tz)
        return slot if slot <= local else slot - timedelta(days=7)


def week_of(day: date) -> tuple[date, date]:
    """The working week (Monday-Friday) that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=4)


def next_week(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week after `day`'s."""
    monday = day - timedelta(days=day.weekday()) + timedelta(days=7)
    return monday, monday + timedelta(days=6)


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class ReportPeriod:
    """One period the plan asks a written report for (plan section III.2)."""

    key: str  # "2023-Q1", "2023-H1", "2023-Q3", "2023-Y"
    kind: str  # "quarter", "half", "year"
    number: int  # the quarter (1 or 3), 6 for the half-year, 12 for the year
    year: int
    start: date
    end: date  # the data cut-off, inclusive


def report_periods(year: int, cutoff_day: int = ND09_CUTOFF_DAY) -> list[ReportPeriod]:
    """The year's reports in order: quarter I, 6 months, quarter III, year.

    Quarters II and IV end when the half-year and the year do; their report is that one.
    """
    return [
        ReportPeriod(f"{year}-Q1", "quarter", 1, year, *_span(year, 1, 3, cutoff_day)),
        ReportPeriod(f"{year}-H1", "half", 6, year, *_span(year, 1, 6, cutoff_day)),
        ReportPeriod(f"{year}-Q3", "quarter", 3, year, *_span(year, 7, 9, cutoff_day)),
        ReportPeriod(f"{year}-Y", "year", 12, year, *_span(year, 1, 12, cutoff_day)),
    ]


def _span(year: int, first_month: int, last_month: int, cutoff_day: int) -> tuple[date, date]:
    if cutoff_day == 0:
        following = date(year + last_month // 12, last_month % 12 + 1, 1)
        return date(year, first_month, 1), following - timedelta(days=1)
    before = date(year, first_month, 1) - timedelta(days=1)  # the last day of the month before
    return before.replace(day=cutoff_day + 1), date(year, last_month, cutoff_day)


def latest_ended(day: date, cutoff_day: int = ND09_CUTOFF_DAY) -> ReportPeriod:
    """The last report period whose data cut-off is on or before `day`."""
    candidates = report_periods(day.year - 1, cutoff_day) + report_periods(day.year, cutoff_day)
    return [p for p in candidates if p.end <= day][-1]


def periods_due(
    day: date, cutoff_day: int = ND09_CUTOFF_DAY, within_days: int = 35
) -> list[ReportPeriod]:
    """Report periods that ended in the `within_days` up to `day`: their report is due now."""
    candidates = report_periods(day.year - 1, cutoff_day) + report_periods(day.year, cutoff_day)
    return [p for p in candidates if day - timedelta(days=within_days) < p.end <= day]
