"""Vietnamese working days: Monday-Friday minus public holidays, plus announced swaps.

Public holidays (Tết included, with their compensatory days) come from the `holidays`
package; days off the government swaps in and make-up working Saturdays come from override
files: the shipped `scheduler/data/ngay-nghi-bu.yaml` and an optional one of the operator's.

Errors:
    CalendarError — an override file is missing or malformed, or a date is outside the years
    the calendar knows (English, for logs; the CLI shows it as is).
"""

import bisect
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from scheduler import holidays_vn as holidays  # Vietnam only (see there)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SHIPPED_OVERRIDES = "ngay-nghi-bu.yaml"
# The package's lunar calendar and observed-day rules hold from 1995 up to 2099.
FIRST_YEAR, LAST_YEAR = 1995, 2099
_SECTIONS = {"days_off", "working_days"}
_ENTRY_KEYS = {"date", "note"}


class CalendarError(ValueError):
    """A calendar override file or a date the calendar cannot answer for."""


@dataclass(frozen=True)
class Overrides:
    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()

    def __or__(self, other: "Overrides") -> "Overrides":
        return Overrides(self.days_off | other.days_off, self.working_days | other.working_days)


def load_overrides(path: Path | None = None) -> Overrides:
    """Read an override file; None reads the one shipped with the package."""
    if path is None:
        text = files("scheduler").joinpath("data", SHIPPED_OVERRIDES).read_text(encoding="utf-8")
        return parse_overrides(yaml.safe_load(text), SHIPPED_OVERRIDES)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(f"calendar file {path} cannot be read: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2027-02-30
        raise CalendarError(f"calendar file {path} is not valid YAML: {exc}") from exc
    return parse_overrides(data, str(path))


def parse_overrides(data: Any, source: str) -> Overrides:
    """Check the parsed YAML and turn it into sets of dates."""
    if data is None:
        return Overrides()
    if not isinstance(data, dict):
        raise CalendarError(f"{source}: expected a mapping with days_off and working_days")
    unknown = set(data) - _SECTIONS
    if unknown:
        raise CalendarError(f"{source}: unknown keys {sorted(map(str, unknown))}")
    off = _dates(data.get("days_off") or [], f"{source}: days_off")
    work = _dates(data.get("working_days") or [], f"{source}: working_days")
    if both := off & work:
        listed = ", ".join(d.isoformat() for d in sorted(both))
        raise CalendarError(f"{source}: {listed} is both a day off and a working day")
    return Overrides(frozenset(off), frozenset(work))


def _dates(entries: Any, where: str) -> set[date]:
    if not isinstance(entries, list):
        raise CalendarError(f"{where}: expected a list of entries like {{date: 2024-05-04}}")
    found = set()
    for number, entry in enumerate(entries, start=1):
        value = entry.get("date") if isinstance(entry, dict) else entry
        if isinstance(entry, dict) and (unknown := set(entry) - _ENTRY_KEYS):
            raise CalendarError(f"{where} entry {number}: unknown keys {sorted(map(str, unknown))}")
        found.add(_date(value, f"{where} entry {number}"))
    return found


def _date(value: Any, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarError(f"{where}: {value!r} is not a date (write it as YYYY-MM-DD)")


class WorkCalendar:
    """Working days in Asia/Ho_Chi_Minh; instants it gives back are UTC."""

    def __init__(self, overrides: Overrides | None = None, *, timezone: ZoneInfo = VIETNAM):
        self.timezone = timezone
        self._overrides = overrides or Overrides()
        self._years: tuple[int, int] | None = None
        self._days: list[date] = []  # sorted working days of the loaded years
        self._by_year: dict[int, list[date]] = {}

    @classmethod
    def load(cls, extra: Path | None = None, *, timezone: ZoneInfo = VIETNAM) -> "WorkCalendar":
        """The shipped overrides merged with an operator's file (which wins on conflicts)."""
        shipped = load_overrides()
        if extra is None:
            return cls(shipped, timezone=timezone)
        own = load_overrides(extra)
        merged = Overrides(
            (shipped.days_off - own.working_days) | own.days_off,
            (shipped.working_days - own.days_off) | own.working_days,
        )
        return cls(merged, timezone=timezone)

    def fingerprint(self) -> str:
        """What its working days are made of (time zone, the holiday data's version, the days
        swapped), as text: a changed calendar file gives another one."""
        days = {
            "timezone": str(self.timezone),
            "holidays": holidays.__version__,
            "days_off": sorted(d.isoformat() for d in self._overrides.days_off),
            "working_days": sorted(d.isoformat() for d in self._overrides.working_days),
        }
        return json.dumps(days, sort_keys=True)

    def is_working_day(self, day: date) -> bool:
        self._cover(day.year, day.year)
        index = bisect.bisect_left(self._days, day)
        return index < len(self._days) and self._days[index] == day

    def previous_working_day(self, day: date) -> date:
        """The working day on or before `day`."""
        return self._at(day, 0, before=True)

    def next_working_day(self, day: date) -> date:
        """The working day on or after `day`."""
        return self._at(day, 0, before=False)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it if n < 0); `day` itself if n == 0."""
        if n == 0:
            return day
        return self._at(day, n, before=n < 0)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        self._cover(start.year, end.year)
        return bisect.bisect_right(self._days, end) - bisect.bisect_right(self._days, start)

    def instant(self, day: date, at: time) -> datetime:
        """The UTC instant of local time `at` on `day`."""
        return datetime.combine(day, at, tzinfo=self.timezone).astimezone(UTC)

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("a naive datetime has no place on the calendar; attach a time zone")
        return moment.astimezone(self.timezone)

    def _at(self, day: date, n: int, *, before: bool) -> date:
        # One year of margin per ~250 working days keeps the index inside the loaded range.
        span = abs(n) // 240 + 1
        while True:
            self._cover(day.year - (span if before else 0), day.year + (0 if before else span))
            index = self._index(day, n, before=before)
            if 0 <= index < len(self._days):
                return self._days[index]
            span += 1

    def _index(self, day: date, n: int, *, before: bool) -> int:
        """Where the answer sits in the loaded days; may fall outside them."""
        if before:  # n == 0: on or before; n < 0: strictly before
            return bisect.bisect_right(self._days, day) - 1 if n == 0 else self._left(day) + n
        return self._left(day) if n == 0 else bisect.bisect_right(self._days, day) + n - 1

    def _left(self, day: date) -> int:
        return bisect.bisect_left(self._days, day)

    def _cover(self, first: int, last: int) -> None:
        if first < FIRST_YEAR or last > LAST_YEAR:
            raise CalendarError(f"the calendar covers {FIRST_YEAR}-{LAST_YEAR}, not {first}-{last}")
        if self._years is not None:
            first, last = min(first, self._years[0]), max(last, self._years[1])
            if (first, last) == self._years:
                return
        self._years = (first, last)
        self._days = [d for year in range(first, last + 1) for d in self._year_days(year)]

    def _year_days(self, year: int) -> list[date]:
        if year not in self._by_year:
            off = holidays.country_holidays("VN", years=year)
            swapped_in = set(getattr(off, "weekend_workdays", ()))  # older versions lack it
            days = (date(year, 1, 1) + timedelta(days=i) for i in range(366))
            self._by_year[year] = [
                d for d in days if d.year == year and self._working(d, off, swapped_in)
            ]
        return self._by_year[year]

    def _working(self, day: date, off: Any, swapped_in: set[date]) -> bool:
        if day in self._overrides.working_days:
            return True
        if day in self._overrides.days_off:
            return False
        if day in swapped_in:
            return True
        return day.weekday() < 5 and day not in off
