"""Which reminders are due at `now`: a pure function of plain values, the calendar and the rules.

Every reminder has a slot: the rules' `send_at` local time on a working day, as a UTC instant,
so the same slot computed twice is equal and (assignment, kind, slot) names one reminder.
An assignment has two tracks: the unit's (before the deadline, on it, overdue, monthly
check-ins, snoozed) and the coordinators' (one escalation, which must not be lost behind an
overdue reminder). At `now` each track offers only its latest slot not after `now`: after
downtime that is the one reminder to catch up with, and the missed ones are superseded for good.

A date the rules cannot work with (one outside the calendar's years, written straight into
the database) costs only its own assignment: `latest_slots` hands the error to `skipped` and
goes on with the others.

Only a lead assignment (the unit that "chủ trì") is escalated. A supporting unit ("phối hợp")
is reminded as its plan's `supporting` rule says: its whole unit track (`remind`), one notice
on the first day the unit track would start (`inform_once`), or nothing (`none`).
"""

import bisect
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar, cast

from scheduler.calendar import WorkCalendar
from scheduler.reminder_config import ReminderConfig, Supporting
from storage.vocab import AssignmentRole, AssignmentStatus, ReminderKind, TaskKind

_T = TypeVar("_T")
log = logging.getLogger(__name__)

K = ReminderKind
SlotKey = tuple[int, str, datetime]  # (assignment id, kind, slot)
# Slots of the unit's track that fall at the same instant: the most urgent one is kept.
_URGENCY = (
    K.OVERDUE,
    K.DUE_TODAY,
    K.BEFORE_1WD,
    K.BEFORE_3D,
    K.BEFORE_7D,
    K.SNOOZED,
    K.MONTHLY_CHECKIN,
)


@dataclass(frozen=True)
class AssignmentFacts:
    """What the policy needs to know about one assignment."""

    id: int
    task_kind: str
    deadline: date | None
    period_start: date | None
    status: str
    snoozed_until: datetime | None = None
    cancelled: bool = False
    task_cancelled: bool = False
    role: str = AssignmentRole.LEAD

    @property
    def is_lead(self) -> bool:
        return self.role == AssignmentRole.LEAD

    @property
    def is_open(self) -> bool:
        closed = self.cancelled or self.task_cancelled or self.status == AssignmentStatus.DONE
        return not closed and self.deadline is not None


Skipped = Callable[[AssignmentFacts, Exception], None]


def log_skipped(facts: AssignmentFacts, error: Exception) -> None:
    """The default for `skipped`: one warning naming the assignment."""
    log.warning(
        "assignment %d (deadline %s) skipped: %s", facts.id, facts.deadline, _describe(error)
    )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Due:
    assignment_id: int
    kind: ReminderKind
    slot: datetime  # aware, UTC
    reason: str  # English, for logs and `--json`

    @property
    def key(self) -> SlotKey:
        return (self.assignment_id, self.kind.value, self.slot)


def in_window(now: datetime, calendar: WorkCalendar, config: ReminderConfig) -> bool:
    """Whether anything may be sent at `now`: a working day, inside the sending hours."""
    local = calendar.local(now)
    inside = config.window_start <= local.time() < config.window_end
    return inside and calendar.is_working_day(local.date())


def due_reminders(
    assignments: Iterable[AssignmentFacts],
    written: Collection[SlotKey],
    *,
    calendar: WorkCalendar,
    config: ReminderConfig,
    now: datetime,
    skipped: Skipped = log_skipped,
) -> list[Due]:
    """The reminders to write at `now`: each track's latest slot, unless already written."""
    latest = latest_slots(assignments, calendar=calendar, config=config, now=now, skipped=skipped)
    return [due for due in latest if due.key not in written]


def latest_slots(
    assignments: Iterable[AssignmentFacts],
    *,
    calendar: WorkCalendar,
    config: ReminderConfig,
    now: datetime,
    skipped: Skipped = log_skipped,
) -> list[Due]:
    """Each open assignment's latest slot per track at `now`, written or not.

    An assignment whose dates the rules cannot work with goes to `skipped`, not up the stack."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not in_window(now, calendar, config):
        return []
    rules = _Rules(calendar, config, now)
    found: list[Due] = []
    for facts in assignments:
        if not facts.is_open:
            continue
        try:
            tracks = rules.tracks(facts)
        except Exception as exc:  # one assignment's error must not stop the others
            skipped(facts, exc)
            continue
        found.extend(d for d in tracks if d)
    return found


def snooze_until(now: datetime, calendar: WorkCalendar, config: ReminderConfig) -> datetime:
    """Where "Nhắc lại sau" pressed at `now` puts the reminder: the next working day's slot."""
    day = calendar.add_working_days(calendar.local(now).date(), 1)
    return calendar.instant(day, config.send_at)


def next_due_at(
    facts: AssignmentFacts, *, calendar: WorkCalendar, config: ReminderConfig, after: datetime
) -> datetime | None:
    """The first moment after `after` at which the policy offers `facts` a reminder it did not
    offer at `after`; None when nothing more will come (closed, or every track is over).

    Between `after` and that moment `latest_slots` gives this assignment exactly what it gave
    at `after`, so whoever has written those need not ask again until then. Sending hours are
    left aside: every slot lies inside them (`window_opens` is for a moment outside)."""
    return Lookahead(calendar, config).next_due_at(facts, after)


class Lookahead:
    """`next_due_at` for many assignments under one calendar and config: what depends only
    on a moment and a deadline is worked out once, and so is the answer for assignments that
    differ only by id (the units of one task)."""

    _KEEP = 4096  # answers and moments kept; past that the caches start again

    def __init__(self, calendar: WorkCalendar, config: ReminderConfig) -> None:
        self.calendar, self.config = calendar, config
        self._rules: dict[datetime, _Rules] = {}
        self._answers: dict[tuple[Any, ...], datetime | None] = {}

    def next_due_at(self, facts: AssignmentFacts, after: datetime) -> datetime | None:
        """See the function `next_due_at`. The candidates are the slots of the days the
        assignment's tracks can use; each is checked by asking the policy at that moment."""
        if after.tzinfo is None:
            raise ValueError("after must be timezone-aware")
        if not facts.is_open:
            return None
        # All an open assignment's schedule depends on, its id and status aside.
        f = facts
        key = (after, f.task_kind, f.deadline, f.period_start, f.snoozed_until, f.role)
        if key not in self._answers:
            if len(self._answers) >= self._KEEP:
                self._answers.clear()
            self._answers[key] = self._first_new(facts, after)
        return self._answers[key]

    def _first_new(self, facts: AssignmentFacts, after: datetime) -> datetime | None:
        for moment in sorted({m for m in self._at(after).upcoming(facts) if m > after}):
            offered = self._at(moment).tracks(facts)
            if any(d is not None and d.slot == moment for d in offered):
                return moment
        return None

    def _at(self, moment: datetime) -> "_Rules":
        rules = self._rules.get(moment)
        if rules is None:
            if len(self._rules) >= self._KEEP:
                self._rules.clear()
            rules = self._rules[moment] = _Rules(self.calendar, self.config, moment)
        return rules


def window_opens(now: datetime, calendar: WorkCalendar, config: ReminderConfig) -> datetime:
    """The first moment at or after `now` inside the sending hours of a working day."""
    if in_window(now, calendar, config):
        return now
    local = calendar.local(now)
    day = local.date()
    if not (calendar.is_working_day(day) and local.time() < config.window_start):
        day = calendar.add_working_days(day, 1)
    return calendar.instant(day, config.window_start)


def simulate(
    groups: Sequence[tuple[ReminderConfig, Sequence[AssignmentFacts]]],
    *,
    calendar: WorkCalendar,
    start: date,
    end: date,
    skipped: Skipped = log_skipped,
) -> list[tuple[datetime, list[Due]]]:
    """Run the policy on a virtual clock at each working day's send times, nobody answering.

    As the sweep does, each assignment is asked at the first run, then at the first run on or
    after its `next_due_at`. One skipped is left out of the rest of the run (reported once)."""
    times = sorted({config.send_at for config, _ in groups})
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    moments = [calendar.instant(d, at) for d in days if calendar.is_working_day(d) for at in times]
    runs: dict[datetime, list[Due]] = defaultdict(list)
    for config, group in groups:
        ahead = Lookahead(calendar, config)
        for facts in group:
            for now, due in _simulate_one(facts, moments, calendar, config, ahead, skipped):
                runs[now].extend(due)
    return [(now, runs[now]) for now in sorted(runs)]


def _simulate_one(
    facts: AssignmentFacts,
    moments: list[datetime],
    calendar: WorkCalendar,
    config: ReminderConfig,
    ahead: Lookahead,
    skipped: Skipped,
) -> Iterator[tuple[datetime, list[Due]]]:
    written: set[SlotKey] = set()
    failed: list[Exception] = []
    index = 0
    while index < len(moments):
        now = moments[index]
        due = due_reminders(
            [facts], written, calendar=calendar, config=config, now=now, skipped=_keep(failed)
        )
        try:
            after = None if failed else ahead.next_due_at(facts, now)
        except Exception as exc:  # one assignment's error must not stop the others
            failed.append(exc)
        if failed:
            skipped(facts, failed[0])
            return
        written.update(d.key for d in due)  # a simulated send counts as written
        if due:
            yield now, due
        if after is None:
            return
        index = bisect.bisect_left(moments, after, lo=index + 1)


def _keep(failed: list[Exception]) -> Skipped:
    return lambda _facts, error: failed.append(error)


Rung = tuple[ReminderKind, date, str]  # a reminder's kind, day and reason, for any assignment


@dataclass(frozen=True)
class _Rules:
    """The rules at one `now`; what depends only on a deadline is worked out once per deadline."""

    calendar: WorkCalendar
    config: ReminderConfig
    now: datetime
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def last_day(self) -> date:
        """The latest day whose slot is not after `now`."""
        today = self.calendar.local(self.now).date()
        return today if self.slot(today) <= self.now else today - timedelta(days=1)

    def slot(self, day: date) -> datetime:
        return self._once(("slot", day), lambda: self.calendar.instant(day, self.config.send_at))

    def _once(self, key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(_T, self._memo[key])

    def _due(self, facts: AssignmentFacts, rung: Rung | None) -> Due | None:
        if rung is None or rung[1] > self.last_day:
            return None
        return Due(facts.id, rung[0], self.slot(rung[1]), rung[2])

    def tracks(self, facts: AssignmentFacts) -> tuple[Due | None, ...]:
        """The lead's two tracks, or what the plan's rule gives a supporting unit; worked out
        once for assignments that differ only by id and status (the units of one task)."""
        f = facts
        key = ("tracks", f.task_kind, f.deadline, f.period_start, f.snoozed_until, f.role)
        shared = self._once(key, lambda: self._tracks(facts))
        return tuple(d and Due(facts.id, d.kind, d.slot, d.reason) for d in shared)

    def _tracks(self, facts: AssignmentFacts) -> tuple[Due | None, ...]:
        if facts.is_lead:
            return (self.unit_track(facts), self.escalation(facts))
        if self.config.supporting == Supporting.REMIND:
            return (self.unit_track(facts),)
        if self.config.supporting == Supporting.INFORM_ONCE:
            return (self.notice(facts),)
        return ()

    def notice(self, facts: AssignmentFacts) -> Due | None:
        """The one notice to a supporting unit: on the first day its unit track would start.

        Its slot never moves, so the notice is written once however late the sweep first sees
        it (after downtime, or for a task imported past that day).
        """
        why = f"supporting unit told, deadline {facts.deadline}"
        return self._due(facts, (K.SUPPORT_NOTICE, self.notice_day(facts), why))

    def notice_day(self, facts: AssignmentFacts) -> date:
        deadline = facts.deadline
        assert deadline is not None  # only open assignments get here
        if facts.task_kind == TaskKind.ONGOING:
            start = facts.period_start or date(deadline.year, 1, 1)
            return self._once(("start", start), lambda: self.calendar.next_working_day(start))
        first = lambda: min(  # noqa: E731
            [r[1] for r in self.before(deadline)] + [self.calendar.previous_working_day(deadline)]
        )
        return self._once(("first", deadline), first)

    def upcoming(self, facts: AssignmentFacts) -> list[datetime]:
        """The slots after `now` at which the tracks of `tracks` may offer something new: a
        superset, which `next_due_at` checks one by one."""
        if facts.is_lead:
            day = self.escalation_day(facts)
            return [*self.unit_upcoming(facts), *([self.slot(day)] if day else [])]
        if self.config.supporting == Supporting.REMIND:
            return self.unit_upcoming(facts)
        if self.config.supporting == Supporting.INFORM_ONCE:
            return [self.slot(self.notice_day(facts))]
        return []

    def unit_upcoming(self, facts: AssignmentFacts) -> list[datetime]:
        snoozed = self.snoozed(facts)
        if snoozed is not None and snoozed.slot > self.now:
            return [snoozed.slot]  # everything is held till then, and then that one is due
        deadline = facts.deadline
        assert deadline is not None  # only open assignments get here
        if facts.task_kind == TaskKind.ONGOING:
            days = [self.next_checkin(deadline, facts.period_start)]
        else:
            days = [*(r[1] for r in self.before(deadline)), self.next_overdue(deadline)]
        return [self.slot(day) for day in days if day is not None]

    def unit_track(self, facts: AssignmentFacts) -> Due | None:
        snoozed = self.snoozed(facts)
        if snoozed is not None and snoozed.slot > self.now:
            return None  # the person asked to hear about it later: hold everything till then
        due = [self._due(facts, rung) for rung in self.rungs(facts)]
        ready = [d for d in (*due, snoozed) if d is not None and d.slot <= self.now]
        return max(ready, key=lambda d: (d.slot, -_URGENCY.index(d.kind)), default=None)

    def rungs(self, facts: AssignmentFacts) -> list[Rung | None]:
        deadline, start = facts.deadline, facts.period_start
        assert deadline is not None  # only open assignments get here
        if facts.task_kind == TaskKind.ONGOING:
            return [self._once(("checkin", deadline, start), lambda: self.checkin(deadline, start))]
        ladder = lambda: [*self.before(deadline), self.overdue(deadline)]  # noqa: E731
        return self._once(("ladder", deadline), ladder)

    def escalation(self, facts: AssignmentFacts) -> Due | None:
        day = self.escalation_day(facts)
        if day is None:
            return None
        why = f"{self.config.escalate_after_working_days} working days past deadline"
        return self._due(facts, (K.ESCALATION, day, f"{why} {facts.deadline}"))

    def escalation_day(self, facts: AssignmentFacts) -> date | None:
        after, deadline = self.config.escalate_after_working_days, facts.deadline
        if not after or deadline is None or facts.task_kind == TaskKind.ONGOING:
            return None
        return self._once(
            ("late", deadline, after), lambda: self.calendar.add_working_days(deadline, after)
        )

    def before(self, deadline: date) -> list[Rung]:
        """The reminders before the deadline and on it; a non-working day moves earlier."""
        cfg, cal = self.config, self.calendar
        last = cal.previous_working_day(deadline)
        found: list[Rung] = []
        for kind, days in (
            (K.BEFORE_7D, cfg.first_days_before),
            (K.BEFORE_3D, cfg.second_days_before),
        ):
            if days:
                day = cal.previous_working_day(deadline - timedelta(days=days))
                found.append((kind, day, f"{days} days before deadline {deadline}"))
        if n := cfg.working_days_before:
            why = f"{n} working day(s) before deadline {deadline}"
            found.append((K.BEFORE_1WD, cal.add_working_days(last, -n), why))
        if cfg.on_deadline:
            why = f"deadline {deadline}" + ("" if last == deadline else ", a non-working day")
            found.append((K.DUE_TODAY, last, why))
        return found

    def overdue(self, deadline: date) -> Rung | None:
        """The latest overdue slot: every N working days after the deadline."""
        every = self.config.overdue_every_working_days
        if not every:
            return None
        steps = self.calendar.working_days_between(deadline, self.last_day) // every
        if steps < 1:
            return None
        late = steps * every
        day = self.calendar.add_working_days(deadline, late)
        return (K.OVERDUE, day, f"{late} working days past deadline {deadline}")

    def checkin(self, deadline: date, start: date | None) -> Rung | None:
        """The latest first-working-day-of-the-month within the task's period."""
        if not self.config.monthly_checkin:
            return None
        start = start or date(deadline.year, 1, 1)
        this_month = min(self.last_day, deadline).replace(day=1)
        for month in (this_month, (this_month - timedelta(days=1)).replace(day=1)):
            day = self.calendar.next_working_day(month)
            if day < start:
                return None
            if day <= min(self.last_day, deadline):
                return (K.MONTHLY_CHECKIN, day, f"monthly check-in {month:%Y-%m}")
        return None

    def next_overdue(self, deadline: date) -> date | None:
        """The first overdue day after `last_day`."""
        every = self.config.overdue_every_working_days
        if not every:
            return None
        late = self.calendar.working_days_between(deadline, self.last_day)
        return self.calendar.add_working_days(deadline, (max(late // every, 0) + 1) * every)

    def next_checkin(self, deadline: date, start: date | None) -> date | None:
        """The first check-in day after `last_day`: a month's first working day in the period."""
        if not self.config.monthly_checkin:
            return None
        start = start or date(deadline.year, 1, 1)
        month = max(self.last_day, start).replace(day=1)
        for _ in range(3):  # the month of the later of the two, or one of the next two
            day = self.calendar.next_working_day(month)
            if day > self.last_day and day >= start:
                return day if day <= deadline else None
            month = (month + timedelta(days=32)).replace(day=1)
        return None

    def snoozed(self, facts: AssignmentFacts) -> Due | None:
        """The first slot at or after `snoozed_until` (which may be in the future)."""
        if facts.snoozed_until is None:
            return None
        until = facts.snoozed_until
        day = self.calendar.next_working_day(self.calendar.local(until).date())
        if self.slot(day) < until:
            day = self.calendar.add_working_days(day, 1)
        return Due(facts.id, K.SNOOZED, self.slot(day), f"snoozed until {until.isoformat()}")
