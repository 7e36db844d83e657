"""The digest's figures as plain values: counts, lines by area and unit, and the lists."""

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

COUNT_FIELDS = (
    "total",
    "done_on_time",
    "done_late",
    "in_progress",
    "not_started",
    "blocked",
    "extension_requested",
    "overdue",
)


# Stored figures carry this: "tasks" since totals and areas count tasks, units lead assignments.
COUNTS_VERSION = "tasks"


@dataclass(frozen=True)
class Counts:
    """Tasks or assignments by state. All but `overdue` partition `total`; overdue cuts across
    them."""

    total: int = 0
    done_on_time: int = 0
    done_late: int = 0
    in_progress: int = 0
    not_started: int = 0
    blocked: int = 0
    extension_requested: int = 0
    overdue: int = 0  # deadline before the digest's day and not done

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def pct_done(self) -> int:
        """Whole percent, halves rounded up (39.5% reads 40%, as people round)."""
        return (200 * self.done + self.total) // (2 * self.total) if self.total else 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(getattr(self, f) + getattr(other, f) for f in COUNT_FIELDS))

    def minus(self, other: "Counts") -> "Counts":
        return Counts(*(getattr(self, f) - getattr(other, f) for f in COUNT_FIELDS))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Counts":
        return cls(**{f.name: int(data.get(f.name, 0)) for f in fields(cls)})


@dataclass(frozen=True)
class Line:
    """One area or one unit: its counts, their change since the last digest, its rank."""

    key: int | None
    name: str
    counts: Counts
    change: Counts | None = None
    rank: int | None = None


@dataclass(frozen=True, slots=True)
class OverdueItem:
    task_code: str
    title: str
    area: str | None
    unit: str
    deadline: date
    days: int  # calendar days past the deadline
    working_days: int  # working days past it (Vietnamese calendar)
    status: str
    occurrence_key: str = ""  # which period of a recurring task ("2024-Q1")


@dataclass(frozen=True, slots=True)
class Blocker:
    task_code: str
    title: str
    unit: str
    deadline: date | None
    since: date  # the day it was reported blocked
    note: str | None  # the latest note written on it
    occurrence_key: str = ""  # which period of a recurring task ("2024-Q1")


@dataclass(frozen=True, slots=True)
class DueItem:
    task_code: str
    title: str
    unit: str
    deadline: date
    status: str
    occurrence_key: str = ""  # which period of a recurring task ("2024-Q1")


@dataclass(frozen=True)
class Silent:
    """A unit with open work that has sent no update within the silence window."""

    unit: str
    last_update: date | None


@dataclass(frozen=True)
class Unreachable:
    """A unit whose focal person blocked the bot (or never started it)."""

    unit: str
    people: tuple[str, ...]
    since: date


@dataclass(frozen=True)
class PlanInfo:
    id: int
    number: str
    title: str
    issuing_body: str | None
    issued_on: date | None
    year: int


@dataclass(frozen=True)
class Figures:
    """Everything a digest says, as of `at`."""

    plan: PlanInfo
    at: datetime
    today: date  # `at`'s local date
    week: tuple[date, date]
    next_week: tuple[date, date]
    totals: Counts  # tasks (nhiệm vụ), each in the state of its lead assignments
    change: Counts | None
    previous_at: datetime | None
    areas: tuple[Line, ...]  # tasks per area
    units: tuple[Line, ...]  # lead assignments per unit, ranked: % done, then fewest overdue
    support: tuple[Line, ...]  # supporting assignments per unit, by name; never ranked
    overdue: tuple[OverdueItem, ...]  # most overdue first
    blockers: tuple[Blocker, ...]
    silent: tuple[Silent, ...]
    unreachable: tuple[Unreachable, ...]
    no_focal: tuple[str, ...]  # units with open work and no registered focal person
    due_next_week: tuple[DueItem, ...]
    done_in: int | None = None  # lead completions within a report period, when one is asked for

    @property
    def tasks(self) -> int:
        return self.totals.total

    @property
    def lead(self) -> Counts:
        """Every lead assignment (lượt giao chủ trì): the units' lines summed."""
        return sum((line.counts for line in self.units), Counts())

    @property
    def supporting(self) -> Counts:
        return sum((line.counts for line in self.support), Counts())

    def stored(self) -> dict[str, Any]:
        """What is kept in `digests.figures`: the counts (the lists are in the Excel file)."""
        return {
            "at": self.at.isoformat(),
            "counts": COUNTS_VERSION,
            "tasks": self.tasks,
            "totals": self.totals.as_dict(),
            "areas": [_line_dict(line) for line in self.areas],
            "units": [_line_dict(line) for line in self.units],
            "support": [_line_dict(line) for line in self.support],
            "lists": {
                "overdue": len(self.overdue),
                "blockers": len(self.blockers),
                "silent": len(self.silent),
                "unreachable": len(self.unreachable),
                "no_focal": len(self.no_focal),
                "due_next_week": len(self.due_next_week),
            },
        }


def _line_dict(line: Line) -> dict[str, Any]:
    return {"key": line.key, "name": line.name, **line.counts.as_dict()}


def stored_counts(figures: dict[str, Any], section: str) -> dict[int | None, Counts]:
    """Counts by area or unit id from a stored digest (`section` is "areas" or "units")."""
    return {row.get("key"): Counts.from_dict(row) for row in figures.get(section, [])}
