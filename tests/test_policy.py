"""The reminder policy: examples on real dates, and properties that must hold for any input."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.calendar import WorkCalendar
from scheduler.policy import (
    AssignmentFacts,
    Due,
    SlotKey,
    due_reminders,
    in_window,
    latest_slots,
    simulate,
    snooze_until,
)
from scheduler.reminder_config import (
    ReminderConfig,
    ReminderConfigError,
    Supporting,
    parse_reminder_settings,
)
from storage.vocab import AssignmentRole, AssignmentStatus, ReminderKind, TaskKind

CAL = WorkCalendar.load()
RULES = ReminderConfig()
K = ReminderKind


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    """A local (Asia/Ho_Chi_Minh) wall-clock moment as the aware instant the policy takes."""
    return CAL.instant(day, time(hour, minute))


def once(deadline: date, id: int = 1, **changes: object) -> AssignmentFacts:
    facts = AssignmentFacts(id, TaskKind.ONCE, deadline, deadline.replace(day=1), "not_started")
    return AssignmentFacts(**{**facts.__dict__, **changes})  # type: ignore[arg-type]


def schedule(
    *facts: AssignmentFacts, start: date, end: date, config: ReminderConfig = RULES
) -> list[tuple[date, str]]:
    """Every reminder a plan would get, as (local day, kind), if nobody ever answered."""
    runs = simulate([(config, facts)], calendar=CAL, start=start, end=end)
    return [(CAL.local(d.slot).date(), d.kind.value) for _, due in runs for d in due]


def due_at(
    now: datetime,
    *facts: AssignmentFacts,
    written: set[SlotKey] | None = None,
    config: ReminderConfig = RULES,
) -> list[Due]:
    return due_reminders(facts, written or set(), calendar=CAL, config=config, now=now)


# --- examples on concrete dates -------------------------------------------------------------


def test_a_friday_deadline_gets_the_whole_ladder() -> None:
    assert schedule(once(date(2023, 6, 30)), start=date(2023, 6, 1), end=date(2023, 7, 14)) == [
        (date(2023, 6, 23), "before_7d"),  # Fri, 08:00
        (date(2023, 6, 27), "before_3d"),
        (date(2023, 6, 29), "before_1wd"),
        (date(2023, 6, 30), "due_today"),
        (date(2023, 7, 4), "overdue"),  # 2 working days after
        (date(2023, 7, 6), "overdue"),
        (date(2023, 7, 7), "escalation"),  # 5 working days after
        (date(2023, 7, 10), "overdue"),
        (date(2023, 7, 12), "overdue"),
        (date(2023, 7, 14), "overdue"),
    ]


def test_every_slot_is_at_eight_local_time() -> None:
    (first,) = due_at(at(date(2023, 6, 23), 9), once(date(2023, 6, 30)))
    assert first.slot == datetime(2023, 6, 23, 1, 0, tzinfo=UTC)
    assert first.kind is K.BEFORE_7D and "7 days" in first.reason


def test_a_sunday_deadline_moves_its_reminders_to_the_working_days_before() -> None:
    got = schedule(once(date(2023, 12, 31)), start=date(2023, 12, 18), end=date(2024, 1, 3))
    assert got == [
        (date(2023, 12, 22), "before_7d"),  # Sunday 24/12 moves to Friday 22/12
        (date(2023, 12, 28), "before_1wd"),  # the 3-day one falls the same day: one is enough
        (date(2023, 12, 29), "due_today"),  # the last working day on or before the deadline
        (date(2024, 1, 3), "overdue"),  # 1/1 is a holiday: 2/1, 3/1 are the 2 working days
    ]


def test_tet_pushes_reminders_before_the_holiday() -> None:
    got = schedule(once(date(2023, 1, 31)), start=date(2023, 1, 9), end=date(2023, 1, 31))
    assert got == [
        (date(2023, 1, 19), "before_7d"),  # 24/1 is mùng 3 Tết
        (date(2023, 1, 27), "before_3d"),  # Saturday 28/1 moves to Friday 27/1
        (date(2023, 1, 30), "before_1wd"),
        (date(2023, 1, 31), "due_today"),
    ]


def test_nothing_before_eight_outside_the_window_or_on_a_day_off() -> None:
    facts = once(date(2023, 6, 30))
    assert due_at(at(date(2023, 6, 23), 7, 59), facts) == []
    assert [d.kind for d in due_at(at(date(2023, 6, 23), 8), facts)] == [K.BEFORE_7D]
    assert due_at(at(date(2023, 6, 23), 17, 30), facts) == []  # the window has closed
    assert due_at(at(date(2023, 6, 24), 10), facts) == []  # Saturday
    # The slot waits for the next window: Monday morning it is still the latest one.
    assert [d.kind for d in due_at(at(date(2023, 6, 26), 7, 30), facts)] == [K.BEFORE_7D]


def test_catch_up_after_downtime_sends_the_latest_slot_only() -> None:
    facts = once(date(2023, 6, 30))
    (late,) = due_at(at(date(2023, 7, 5), 9), facts)  # down since before 23/6
    assert (late.kind, CAL.local(late.slot).date()) == (K.OVERDUE, date(2023, 7, 4))
    assert due_at(at(date(2023, 7, 5), 10), facts, written={late.key}) == []
    # Down again over the escalation day: one to the unit, and the escalation is not lost.
    after = due_at(at(date(2023, 7, 11), 9), facts, written={late.key})
    assert sorted((d.kind.value, CAL.local(d.slot).date()) for d in after) == [
        ("escalation", date(2023, 7, 7)),
        ("overdue", date(2023, 7, 10)),
    ]


def test_done_and_cancelled_are_never_reminded() -> None:
    now = at(date(2023, 7, 4), 9)
    assert due_at(now, once(date(2023, 6, 30), status=AssignmentStatus.DONE)) == []
    assert due_at(now, once(date(2023, 6, 30), cancelled=True)) == []
    assert due_at(now, once(date(2023, 6, 30), task_cancelled=True)) == []
    assert due_at(now, once(date(2023, 6, 30), status=AssignmentStatus.BLOCKED)) != []


def test_ongoing_tasks_get_a_check_in_on_each_months_first_working_day() -> None:
    ongoing = AssignmentFacts(
        7, TaskKind.ONGOING, date(2023, 12, 31), date(2023, 1, 1), "in_progress"
    )
    got = schedule(ongoing, start=date(2023, 1, 1), end=date(2024, 2, 29))
    assert {kind for _, kind in got} == {"monthly_checkin"}  # no overdue, no escalation
    assert [day for day, _ in got] == [
        date(2023, 1, 3),  # 1/1 Sunday, 2/1 nghỉ bù
        date(2023, 2, 1),
        date(2023, 3, 1),
        date(2023, 4, 3),  # 1/4 is a Saturday
        date(2023, 5, 4),  # 1-3/5 are holidays
        date(2023, 6, 1),
        date(2023, 7, 3),
        date(2023, 8, 1),
        date(2023, 9, 5),  # 1/9 and 4/9 are holidays
        date(2023, 10, 2),
        date(2023, 11, 1),
        date(2023, 12, 1),  # and nothing after the period ends
    ]


def test_recurring_reports_are_reminded_per_occurrence() -> None:
    q1 = once(date(2023, 3, 31), id=1, task_kind=TaskKind.RECURRING)
    q2 = once(date(2023, 6, 30), id=2, task_kind=TaskKind.RECURRING)
    got = due_reminders([q1, q2], set(), calendar=CAL, config=RULES, now=at(date(2023, 3, 24), 9))
    assert [(d.assignment_id, d.kind) for d in got] == [(1, K.BEFORE_7D)]
    got = due_reminders([q1, q2], set(), calendar=CAL, config=RULES, now=at(date(2023, 6, 23)))
    assert {(d.assignment_id, d.kind) for d in got} == {
        (1, K.OVERDUE),
        (1, K.ESCALATION),
        (2, K.BEFORE_7D),
    }


UNIT_ONLY = ReminderConfig(escalate_after_working_days=None)  # the escalation ignores snoozes


def test_a_snoozed_reminder_comes_back_the_next_working_day() -> None:
    pressed = at(date(2023, 4, 28), 10)  # Friday before the 29/4-3/5 holidays
    until = snooze_until(pressed, CAL, RULES)
    assert until == at(date(2023, 5, 4))
    facts = once(date(2023, 4, 20), snoozed_until=until)  # overdue since 20/4
    assert due_at(at(date(2023, 4, 28), 16), facts, config=UNIT_ONLY) == []  # held until then
    (back,) = due_at(at(date(2023, 5, 4), 8), facts, config=UNIT_ONLY)
    assert (back.kind, back.slot) == (K.SNOOZED, until)
    # Then the usual ladder goes on: 5/5 is 8 working days late, an overdue slot.
    (next_one,) = due_at(at(date(2023, 5, 5), 9), facts, written={back.key}, config=UNIT_ONLY)
    assert next_one.kind is K.OVERDUE


def test_a_snooze_landing_on_an_overdue_slot_sends_one_reminder_not_two() -> None:
    until = at(date(2023, 5, 4))  # 6 working days after 21/4: an overdue slot too
    (back,) = due_at(until, once(date(2023, 4, 21), snoozed_until=until), config=UNIT_ONLY)
    assert (back.kind, back.slot) == (K.OVERDUE, until)  # the more telling of the two


def test_a_snooze_to_a_day_off_waits_for_the_next_working_day() -> None:
    facts = once(date(2023, 6, 2), snoozed_until=at(date(2023, 9, 2), 8))  # Quốc khánh
    assert due_at(at(date(2023, 9, 4), 9), facts) == []  # a holiday: outside the window
    (back,) = due_at(at(date(2023, 9, 5), 9), facts, config=UNIT_ONLY)
    assert (back.kind, CAL.local(back.slot).date()) == (K.SNOOZED, date(2023, 9, 5))


def test_per_plan_rules_change_the_ladder() -> None:
    sparse = ReminderConfig(
        first_days_before=None, overdue_every_working_days=3, escalate_after_working_days=None
    )
    got = schedule(
        once(date(2023, 6, 30)), start=date(2023, 6, 1), end=date(2023, 7, 12), config=sparse
    )
    assert got == [
        (date(2023, 6, 27), "before_3d"),
        (date(2023, 6, 29), "before_1wd"),
        (date(2023, 6, 30), "due_today"),
        (date(2023, 7, 5), "overdue"),
        (date(2023, 7, 10), "overdue"),
    ]


def test_a_supporting_unit_is_told_once_by_default_and_never_escalated() -> None:
    lead, support = once(date(2023, 6, 30)), once(date(2023, 6, 30), 2, role=AssignmentRole.SUPPORT)
    got = simulate(
        [(RULES, (lead, support))], calendar=CAL, start=date(2023, 6, 1), end=date(2023, 7, 31)
    )
    theirs = [
        (CAL.local(d.slot).date(), d.kind.value)
        for _, due in got
        for d in due
        if d.assignment_id == 2
    ]
    assert theirs == [(date(2023, 6, 23), "support_notice")]  # the day the lead's ladder starts
    escalated = {d.assignment_id for _, due in got for d in due if d.kind is K.ESCALATION}
    assert escalated == {1}


def test_a_supporting_unit_first_seen_late_is_still_told_once() -> None:
    support = once(date(2023, 6, 30), 2, role=AssignmentRole.SUPPORT)
    (notice,) = due_at(at(date(2023, 7, 20), 9), support)  # after downtime, or imported late
    assert (notice.kind, CAL.local(notice.slot).date()) == (K.SUPPORT_NOTICE, date(2023, 6, 23))
    assert due_at(at(date(2023, 7, 21), 9), support, written={notice.key}) == []


def test_per_plan_rules_for_supporting_units() -> None:
    support = once(date(2023, 6, 30), 2, role=AssignmentRole.SUPPORT)
    remind = ReminderConfig(supporting=Supporting.REMIND)
    kinds = [
        k
        for _, k in schedule(support, start=date(2023, 6, 1), end=date(2023, 7, 14), config=remind)
    ]
    assert kinds[:4] == ["before_7d", "before_3d", "before_1wd", "due_today"]
    assert (
        "overdue" in kinds and "escalation" not in kinds
    )  # reminded like the lead, never escalated
    quiet = ReminderConfig(supporting=Supporting.NONE)
    assert schedule(support, start=date(2023, 6, 1), end=date(2023, 7, 14), config=quiet) == []


def test_the_supporting_rule_is_read_per_plan_and_checked() -> None:
    data = {"plans": {"32/KH-UBND": {"supporting": "remind"}}}
    settings = parse_reminder_settings(data, "rules.yaml")
    assert settings.defaults.supporting == Supporting.INFORM_ONCE
    assert settings.for_plan("32/KH-UBND").supporting == Supporting.REMIND
    with pytest.raises(ReminderConfigError, match="supporting.*inform_once.*'sometimes'"):
        parse_reminder_settings({"defaults": {"supporting": "sometimes"}}, "rules.yaml")


def test_an_ongoing_task_tells_its_supporting_unit_at_the_start_of_its_period() -> None:
    support = AssignmentFacts(
        3, TaskKind.ONGOING, date(2023, 12, 31), date(2023, 1, 1), "not_started", role="support"
    )
    got = schedule(support, start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert got == [(date(2023, 1, 3), "support_notice")]  # 02/01/2023 was a day off


# --- properties -----------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))
MOMENTS = st.datetimes(
    min_value=datetime(2023, 1, 1),  # noqa: DTZ001 (hypothesis attaches the zone)
    max_value=datetime(2027, 1, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@st.composite
def assignments(draw: st.DrawFn, id: int) -> AssignmentFacts:
    deadline = draw(DAYS)
    snoozed = draw(st.none() | MOMENTS)
    return AssignmentFacts(
        id=id,
        task_kind=draw(st.sampled_from(list(TaskKind))),
        deadline=deadline,
        period_start=deadline - timedelta(days=draw(st.integers(0, 364))),
        status=draw(st.sampled_from(list(AssignmentStatus))),
        snoozed_until=snoozed,
        cancelled=draw(st.booleans()),
        task_cancelled=draw(st.integers(0, 4)) == 0,
        role=draw(st.sampled_from(list(AssignmentRole))),
    )


PLANS = st.integers(1, 6).flatmap(lambda n: st.tuples(*(assignments(i) for i in range(n))))
CONFIGS = st.builds(
    ReminderConfig,
    first_days_before=st.none() | st.integers(1, 60),
    second_days_before=st.none() | st.integers(1, 60),
    working_days_before=st.none() | st.integers(1, 30),
    overdue_every_working_days=st.none() | st.integers(1, 10),
    escalate_after_working_days=st.none() | st.integers(1, 20),
    supporting=st.sampled_from(Supporting.ALL),
)


def _track(due: Due) -> tuple[int, bool]:
    return (due.assignment_id, due.kind is K.ESCALATION)


@settings(max_examples=300, deadline=None)
@given(PLANS, MOMENTS, CONFIGS, st.data())
def test_whatever_is_due_is_sendable_now_and_sent_once(
    facts: tuple[AssignmentFacts, ...], now: datetime, config: ReminderConfig, data: st.DataObject
) -> None:
    latest = latest_slots(facts, calendar=CAL, config=config, now=now)
    written = set(data.draw(st.sets(st.sampled_from([d.key for d in latest]))) if latest else [])
    due = due_reminders(facts, written, calendar=CAL, config=config, now=now)
    by_id = {f.id: f for f in facts}
    for d in due:
        assert in_window(now, CAL, config)  # never outside the sending hours or on a day off
        assert CAL.is_working_day(CAL.local(d.slot).date())
        assert CAL.local(d.slot).time() == config.send_at and d.slot <= now
        assert by_id[d.assignment_id].is_open  # never after done or cancelled
        assert d.key not in written
    assert len({d.key for d in due}) == len(due)
    assert max(Counter(map(_track, due)).values(), default=0) <= 1  # catch-up: one


@settings(max_examples=150, deadline=None)
@given(PLANS, st.lists(MOMENTS, min_size=1, max_size=12), CONFIGS)
def test_running_again_and_again_never_repeats_or_brings_back_a_missed_slot(
    facts: tuple[AssignmentFacts, ...], moments: list[datetime], config: ReminderConfig
) -> None:
    written: set[SlotKey] = set()
    last_slot: dict[tuple[int, bool], datetime] = {}
    for now in sorted(moments):  # sweeps at random moments, with downtime between them
        for d in due_reminders(facts, written, calendar=CAL, config=config, now=now):
            assert d.key not in written  # at most one per (assignment, kind, slot)
            # Slots only move forward: one superseded by a later one never comes back.
            assert d.slot > last_slot.get(_track(d), datetime.min.replace(tzinfo=UTC))
            last_slot[_track(d)] = d.slot
            written.add(d.key)


@settings(deadline=None)  # loading a fresh calendar is slow on a loaded machine
@given(PLANS, MOMENTS)
def test_the_same_slot_computed_twice_is_equal(
    facts: tuple[AssignmentFacts, ...], now: datetime
) -> None:
    first = latest_slots(facts, calendar=CAL, config=RULES, now=now)
    fresh = WorkCalendar.load()  # another process, another calendar object: the same answer
    assert latest_slots(facts, calendar=fresh, config=RULES, now=now) == first
    for d in first:
        assert CAL.local(d.slot).time() == RULES.send_at  # every slot is 08:00 in Hà Tĩnh
