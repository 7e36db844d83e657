"""Parse plan deadline specs ("30/6/2023", "Quý II/2023", "hàng quý") into dated occurrences."""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from scheduler.calendar import FIRST_YEAR, LAST_YEAR
from storage.textnorm import fold
from storage.vocab import TaskKind

# A plan's deadlines (and their extensions) fall within this many years of the plan's own
# year: `30/6/1023` is a typo, and the working-day calendar would refuse it anyway.
YEARS_AROUND_PLAN = 5


@dataclass(frozen=True)
class Occurrence:
    key: str  # stable within a task, so re-imports keep each occurrence's history
    start: date  # first day of the period covered
    due: date  # the deadline: last day of the period


@dataclass(frozen=True)
class Deadline:
    kind: TaskKind
    occurrences: tuple[Occurrence, ...]  # sorted by due; never empty


class DeadlineError(ValueError):
    """A spec that cannot become a deadline: `code` is for machines, `detail` is English."""

    code: str  # "empty", "unreadable" or "invalid_date"
    detail: str

    def __init__(self, code: str, detail: str) -> None:
        # Both go to ValueError so the exception pickles and compares like a plain one.
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class _Spec:
    raw: str  # as typed, for error details
    text: str  # folded, trailing punctuation removed
    plan_year: int


_TRAILING = re.compile(r"[\s.,;:]+$")
_YEAR_TAIL = r"(?:(?:\s*[/.-]\s*|\s+nam\s+)(\d{4}))?"

# "trước ngày 30/6" is how plans write "by 30/6", so it means that very day.
_DATE_LEAD = re.compile(
    r"^(?:(?:hoan thanh|thuc hien|cham nhat|truoc|thoi han|han)\b\s*:?\s*)*(?:ngay\s+)?"
)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DMY = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})(?:\s*\2\s*(\d{4}|\d{2}))?$")
_DAY_WORDS = re.compile(r"^(\d{1,2})\s+thang\s+(\d{1,2})(?:(?:\s*/\s*|\s+nam\s+)(\d{4}))?$")

# Only "within" may lead a period: "trước tháng 6" (before June) would need a guess.
_PERIOD_LEAD = re.compile(r"^(?:(?:hoan thanh|thuc hien)\s+)?(?:trong\s+)?")
_MONTH = re.compile(r"^(?:thang|t)\s*(\d{1,2})" + _YEAR_TAIL + "$")
_QUARTER = re.compile(r"^(?:quy|q)\s*([ivxl]+|\d{1,2})" + _YEAR_TAIL + "$")
_HALF = re.compile(r"^6\s+thang\s+(dau|cuoi)(?:\s+nam(?:\s+(\d{4}))?)?$")
_YEAR = re.compile(r"^(?:ca\s+)?nam(?:\s+(\d{4}))?$")

_ONGOING_WORD = r"(?:thuong xuyen|lien tuc)"
_ONGOING = re.compile(
    rf"^(?:thuc hien\s+)?{_ONGOING_WORD}(?:(?:\s*[,;]\s*|\s+)(?:va\s+)?{_ONGOING_WORD})?$"
)

_LIST_SEP = re.compile(r"\s*(?:[,;]|\bva\b)\s*")
_REPORT_ITEM = re.compile(r"^((?:(?:bao cao|dinh ky|hang)\s+)*)(6 thang|quy|thang|nam)$")
_REPORT_MONTHS = {"thang": 1, "quy": 3, "6 thang": 6, "nam": 12}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def plausible_days(plan_year: int) -> tuple[date, date]:
    """The first and last day a deadline of a plan of `plan_year` may fall on.

    The window is the plan's year give or take YEARS_AROUND_PLAN, inside the years the
    calendar knows; a plan year outside them leaves an empty window (first > last)."""
    first = max(plan_year - YEARS_AROUND_PLAN, FIRST_YEAR)
    last = min(plan_year + YEARS_AROUND_PLAN, LAST_YEAR)
    return date(first, 1, 1), date(last, 12, 31)


def is_plausible(day: date, *, plan_year: int) -> bool:
    first, last = plausible_days(plan_year)
    return first <= day <= last


def _invalid(detail: str) -> DeadlineError:
    return DeadlineError("invalid_date", detail)


def _year(group: str | None, spec: _Spec) -> int:
    if group is None:
        return spec.plan_year
    year = int(group) + 2000 if len(group) == 2 else int(group)
    if not 1 <= year <= 9999:
        raise _invalid(f"year {year} is out of range in {spec.raw}")
    return year


def _month(group: str, spec: _Spec) -> int:
    month = int(group)
    if not 1 <= month <= 12:
        raise _invalid(f"month {month} is out of range in {spec.raw}")
    return month


def _make_date(day: int, month: int, year: int, spec: _Spec) -> date:
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise _invalid(f"day {day} is out of range for month {month} in {spec.raw}")
    return date(year, month, day)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _period(year: int, months: int, index: int) -> tuple[date, date]:
    """First and last day of the index-th (1-based) period of `months` months."""
    return date(year, (index - 1) * months + 1, 1), _month_end(year, index * months)


def _once(due: date) -> Deadline:
    return Deadline(TaskKind.ONCE, (Occurrence("once", due, due),))


def _parse_date(spec: _Spec) -> Deadline | None:
    text = _DATE_LEAD.sub("", spec.text)
    if m := _ISO.match(text):
        year, month, day = m.group(1), m.group(2), m.group(3)
    elif m := _DMY.match(text):
        day, month, year = m.group(1), m.group(3), m.group(4)
    elif m := _DAY_WORDS.match(text):
        day, month, year = m.group(1), m.group(2), m.group(3)
    else:
        return None
    # Month before year: "12/13/2023" should blame the month, the likelier typo.
    month_num = _month(month, spec)
    return _once(_make_date(int(day), month_num, _year(year, spec), spec))


def _quarter_number(numeral: str, spec: _Spec) -> int:
    number = _ROMAN.get(numeral) if not numeral.isdigit() else int(numeral)
    if number is None or not 1 <= number <= 4:
        raise _invalid(f"quarter {numeral.upper()} is not one of I-IV in {spec.raw}")
    return number


def _parse_period(spec: _Spec) -> Deadline | None:
    text = _PERIOD_LEAD.sub("", spec.text)
    if m := _MONTH.match(text):
        month = _month(m.group(1), spec)
        return _once(_month_end(_year(m.group(2), spec), month))
    if m := _QUARTER.match(text):
        quarter = _quarter_number(m.group(1), spec)
        return _once(_period(_year(m.group(2), spec), 3, quarter)[1])
    if m := _HALF.match(text):
        half = 1 if m.group(1) == "dau" else 2
        return _once(_period(_year(m.group(2), spec), 6, half)[1])
    if m := _YEAR.match(text):
        return _once(date(_year(m.group(1), spec), 12, 31))
    return None


def _parse_ongoing(spec: _Spec) -> Deadline | None:
    if not _ONGOING.match(spec.text):
        return None
    year = spec.plan_year
    return Deadline(
        TaskKind.ONGOING, (Occurrence("ongoing", date(year, 1, 1), date(year, 12, 31)),)
    )


def _report_lengths(text: str) -> set[int] | None:
    """Period lengths in months of a report list like "định kỳ hàng quý, 6 tháng, năm"."""
    items = [_REPORT_ITEM.match(part) for part in _LIST_SEP.split(text)]
    if not all(items):
        return None
    matches = [m for m in items if m is not None]
    # A lone bare "quý"/"tháng"/"năm" says nothing about repetition; "6 tháng" can only.
    marked = any(m.group(1) for m in matches) or len(matches) > 1
    if not marked and matches[0].group(2) != "6 thang":
        return None
    return {_REPORT_MONTHS[m.group(2)] for m in matches}


def _period_key(year: int, months: int, index: int) -> str:
    if months == 12:
        return f"{year}-Y"
    if months == 1:
        return f"{year}-M{index:02d}"
    return f"{year}-{'Q' if months == 3 else 'H'}{index}"


def _parse_recurring(spec: _Spec) -> Deadline | None:
    lengths = _report_lengths(spec.text)
    if lengths is None:
        return None
    year = spec.plan_year
    by_due: dict[date, Occurrence] = {}
    # Longest first: a longer report due the same day covers the shorter one (H1 covers Q2).
    for months in sorted(lengths, reverse=True):
        for index in range(1, 12 // months + 1):
            start, due = _period(year, months, index)
            by_due.setdefault(due, Occurrence(_period_key(year, months, index), start, due))
    ordered = tuple(sorted(by_due.values(), key=lambda occurrence: occurrence.due))
    return Deadline(TaskKind.RECURRING, ordered)


_PARSERS: tuple[Callable[[_Spec], Deadline | None], ...] = (
    _parse_date,
    _parse_period,
    _parse_ongoing,
    _parse_recurring,
)


def parse_deadline(spec: str | date | datetime, *, plan_year: int) -> Deadline:
    """Read one deadline cell; raise DeadlineError rather than guess."""
    if isinstance(plan_year, bool) or not isinstance(plan_year, int) or not 1 <= plan_year <= 9999:
        raise ValueError(f"plan_year must be a year between 1 and 9999, got {plan_year!r}")
    if isinstance(spec, datetime):  # before `date`: datetime is a subclass of it
        return _once(spec.date())
    if isinstance(spec, date):
        return _once(spec)
    if not isinstance(spec, str):
        raise TypeError(f"deadline spec must be str or date, got {type(spec).__name__}")
    parsed = _Spec(raw=spec.strip(), text=_TRAILING.sub("", fold(spec)), plan_year=plan_year)
    if not parsed.text:
        raise DeadlineError("empty", "the deadline spec is empty")
    for parser in _PARSERS:
        if (deadline := parser(parsed)) is not None:
            return deadline
    raise DeadlineError("unreadable", f"no known deadline form matches {parsed.raw!r}")
