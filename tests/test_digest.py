"""The digest's figures, checked exactly on a constructed data set (tests/digest_kit.py)."""

from datetime import date

import pytest
from sqlalchemy import select

from bot.service import App
from scheduler.calendar import WorkCalendar
from scheduler.digest import compute, weekdays_between
from scheduler.digest_figures import Counts, Figures
from scheduler.digest_periods import (
    ScheduleError,
    WeeklySchedule,
    latest_ended,
    periods_due,
    report_periods,
    week_key,
)
from storage.db import transaction
from storage.digests import previous_digest, save_digest
from storage.models import Person, Plan
from storage.vocab import DigestKind
from tests.digest_kit import HT, NV, PD, TP, VN, WEEK1, WEEK2, add_support, build, local

pytestmark = pytest.mark.backends("sqlite", "postgresql")

CALENDAR = WorkCalendar.load()


async def figures_at(app: App, at, **kw) -> Figures:
    async with app.sessions() as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        return await compute(
            session, plan=plan, at=at, tz=VN, working_days=CALENDAR.working_days_between, **kw
        )


async def store(app: App, figures: Figures) -> None:
    async with transaction(app.sessions) as session:
        await save_digest(
            session,
            plan_id=figures.plan.id,
            kind=DigestKind.WEEKLY,
            period=week_key(figures.today),
            at=figures.at,
            figures=figures.stored(),
        )


@pytest.fixture
async def world(app: App):
    return await build(app)


async def test_totals_as_of_each_friday(app: App, world) -> None:
    first = await figures_at(app, WEEK1)
    # Tasks: 1.1 is in progress (Hương Trà has not finished) and overdue, 1.2 blocked (Nội vụ),
    # 2.1 waits for an extension and is overdue, 2.2 not started; none is done by all its leads.
    assert first.totals == Counts(4, 0, 0, 1, 1, 1, 1, 2)
    assert (first.totals.done, first.totals.pct_done, first.tasks) == (0, 0, 4)
    # Lead assignments: 1.2 of Tư pháp was done on 28/06, after the first Friday.
    assert first.lead == Counts(9, 1, 1, 2, 3, 1, 1, 2)
    assert (first.lead.done, first.lead.pct_done) == (2, 22)
    second = await figures_at(app, WEEK2)
    assert second.totals == Counts(4, 0, 0, 1, 1, 1, 1, 2)
    assert second.lead == Counts(9, 2, 1, 1, 3, 1, 1, 2) and second.lead.pct_done == 33
    assert second.support == () and second.supporting == Counts()
    assert second.change is None and second.previous_at is None


async def test_a_completion_late_by_local_day_counts_apart(app: App, world) -> None:
    # Both were done on 15/06 in UTC; Nội vụ's was 00:30 on 16/06 in Hương Khê: a day late.
    figures = await figures_at(app, WEEK2)
    by_unit = {u.name: u.counts for u in figures.units}
    assert (by_unit[TP].done_on_time, by_unit[TP].done_late) == (2, 0)
    assert (by_unit[NV].done_on_time, by_unit[NV].done_late) == (0, 1)


async def test_change_since_the_stored_previous_week(app: App, world) -> None:
    await store(app, await figures_at(app, WEEK1))
    second = await figures_at(app, WEEK2)
    assert second.previous_at == WEEK1
    assert second.change == Counts()  # 1.2 is still blocked by Nội vụ: no task changed state
    area_changes = [a.change.done for a in second.areas if a.change is not None]
    assert area_changes == [0, 0, 0]
    assert {u.name: u.change.done for u in second.units if u.change} == {TP: 1, NV: 0, HT: 0, PD: 0}
    # The same week's digest is never its own "previous".
    again = await figures_at(app, local(2023, 6, 23, 16))
    assert again.change is None


async def test_areas_keep_the_plan_order_and_show_empty_ones(app: App, world) -> None:
    areas = (await figures_at(app, WEEK2)).areas
    assert [a.name for a in areas] == [
        "Công tác chỉ đạo, điều hành CCHC",
        "Cải cách thể chế",
        "Cải cách thủ tục hành chính",
    ]
    assert [a.counts for a in areas] == [  # tasks
        Counts(2, 0, 0, 1, 0, 1, 0, 1),
        Counts(2, 0, 0, 0, 1, 0, 1, 1),
        Counts(),
    ]


async def test_units_ranked_by_share_done_then_fewest_overdue(app: App, world) -> None:
    second = await figures_at(app, WEEK2)
    assert [(u.rank, u.name, u.counts.pct_done) for u in second.units] == [
        (1, TP, 67),
        (2, NV, 33),
        (3, PD, 0),  # 0% and nothing overdue ranks above ...
        (4, HT, 0),  # ... 0% with one overdue
    ]
    first = await figures_at(app, WEEK1)  # 1/3 each: Nội vụ has nothing overdue, Tư pháp one
    assert [u.name for u in first.units][:2] == [NV, TP]


async def test_supporting_units_are_counted_apart_never_ranked_or_listed(app: App, world) -> None:
    before = await figures_at(app, WEEK2)
    await add_support(app, world)
    f = await figures_at(app, WEEK2)
    # 3.1 is done: its lead is, though its supporting unit has not started.
    assert f.totals == before.totals + Counts(1, 1, 0, 0, 0, 0, 0, 0)
    assert [a.counts.total for a in f.areas] == [2, 2, 1]
    # Units' lines and ranking: lead assignments only (Tư pháp's 3.1 added, nothing else).
    lead = {u.name: u.counts for u in f.units}
    assert lead[TP] == {u.name: u.counts for u in before.units}[TP] + Counts(1, 1)
    assert (lead[PD], lead[HT]) == (
        {u.name: u.counts for u in before.units}[PD],
        Counts(2, 0, 0, 1, 1, 0, 0, 1),
    )
    assert [u.name for u in f.units] == [TP, NV, PD, HT]
    # Phúc Đồng's 1.1 is 11 working days late, but it only supports: not on the overdue list.
    assert [(o.task_code, o.unit) for o in f.overdue] == [
        (o.task_code, o.unit) for o in before.overdue
    ]
    assert [(s.name, s.counts.total, s.counts.done, s.counts.overdue) for s in f.support] == [
        (TP, 1, 1, 0),
        (HT, 1, 0, 1),
        (PD, 1, 0, 1),
    ]
    assert f.supporting == Counts(3, 1, 0, 0, 2, 0, 0, 2)


async def test_overdue_in_calendar_and_working_days(app: App, world) -> None:
    overdue = (await figures_at(app, WEEK2)).overdue
    assert [(o.task_code, o.unit, o.deadline, o.days, o.working_days) for o in overdue] == [
        ("1.1", HT, date(2023, 6, 15), 15, 11),
        ("2.1", TP, date(2023, 6, 20), 10, 8),
    ]
    assert overdue[1].status == "extension_requested"


async def test_blockers_silent_unreachable_and_no_focal(app: App, world) -> None:
    f = await figures_at(app, WEEK2)
    assert [(b.task_code, b.unit, b.since, b.note) for b in f.blockers] == [
        ("1.2", NV, date(2023, 6, 21), "chưa có kinh phí")
    ]
    assert [(s.unit, s.last_update) for s in f.silent] == [(PD, None), (HT, date(2023, 6, 1))]
    assert [(u.unit, u.people, u.since) for u in f.unreachable] == [
        (NV, ("Lê Thị Hoa",), date(2023, 6, 20))
    ]
    assert f.no_focal == (HT,)


async def test_what_falls_due_next_week(app: App, world) -> None:
    f = await figures_at(app, WEEK2)
    assert f.next_week == (date(2023, 7, 3), date(2023, 7, 9))
    assert [(d.task_code, d.unit, d.deadline) for d in f.due_next_week] == [
        ("2.2", NV, date(2023, 7, 5)),
        ("2.2", HT, date(2023, 7, 5)),
        ("2.2", PD, date(2023, 7, 5)),
    ]
    first = await figures_at(app, WEEK1)
    assert {(d.task_code, d.unit) for d in first.due_next_week} == {("1.2", TP), ("1.2", NV)}


async def test_completions_within_a_report_period(app: App, world) -> None:
    (_q1, half, *_rest) = report_periods(2023)
    f = await figures_at(app, WEEK2, period=half)  # 15/12/2022 - 14/06/2023
    assert f.done_in == 0
    later = report_periods(2023)[2]  # quarter III: 15/06 - 14/09
    assert (await figures_at(app, WEEK2, period=later)).done_in == 3


async def test_the_stored_figures_hold_counts_not_lists(app: App, world) -> None:
    f = await figures_at(app, WEEK2)
    await store(app, f)
    async with app.sessions() as session:
        found = await previous_digest(
            session, plan_id=f.plan.id, kind="weekly", before=local(2023, 7, 7), other_than="x"
        )
    assert found is not None and found.period == "2023-W26"
    assert found.figures["counts"] == "tasks"
    assert found.figures["totals"]["total"] == 4 and found.figures["totals"]["overdue"] == 2
    assert {u["name"]: u["done_on_time"] for u in found.figures["units"]}[TP] == 2
    assert found.figures["lists"] == {
        "overdue": 2,
        "blockers": 1,
        "silent": 2,
        "unreachable": 1,
        "no_focal": 1,
        "due_next_week": 3,
    }


def test_report_periods_follow_the_decree_09_cut_off() -> None:
    spans = [(p.key, p.start, p.end) for p in report_periods(2023)]
    assert spans == [
        ("2023-Q1", date(2022, 12, 15), date(2023, 3, 14)),
        ("2023-H1", date(2022, 12, 15), date(2023, 6, 14)),
        ("2023-Q3", date(2023, 6, 15), date(2023, 9, 14)),
        ("2023-Y", date(2022, 12, 15), date(2023, 12, 14)),
    ]
    calendar = [(p.start, p.end) for p in report_periods(2023, cutoff_day=0)]
    assert calendar[0] == (date(2023, 1, 1), date(2023, 3, 31))
    assert calendar[2] == (date(2023, 7, 1), date(2023, 9, 30))
    assert calendar[3] == (date(2023, 1, 1), date(2023, 12, 31))


def test_which_report_is_due_and_which_ended_last() -> None:
    assert [p.key for p in periods_due(date(2023, 6, 16))] == ["2023-H1"]
    assert periods_due(date(2023, 6, 13)) == []
    assert [p.key for p in periods_due(date(2024, 1, 5))] == ["2023-Y"]
    assert latest_ended(date(2023, 5, 2)).key == "2023-Q1"
    assert latest_ended(date(2023, 3, 1)).key == "2022-Y"


def test_the_weekly_schedule_reads_and_finds_its_last_slot() -> None:
    friday = WeeklySchedule.parse("fri 15:00")
    assert WeeklySchedule.parse("T6 15h00") == friday == WeeklySchedule.parse("Friday 15:00")
    assert friday.latest_slot(local(2023, 6, 30, 15, 0), VN) == local(2023, 6, 30, 15, 0)
    assert friday.latest_slot(local(2023, 6, 30, 14, 59), VN) == local(2023, 6, 23, 15, 0)
    assert friday.latest_slot(local(2023, 7, 3, 9), VN) == local(2023, 6, 30, 15, 0)
    for bad in ("someday 15:00", "fri", "fri 25:00"):
        with pytest.raises(ScheduleError):
            WeeklySchedule.parse(bad)


def test_weekdays_fallback_counts_monday_to_friday() -> None:
    assert weekdays_between(date(2023, 6, 16), date(2023, 6, 26)) == 6


async def test_a_unit_is_silent_only_from_its_persons_registration(app: App, world) -> None:
    async with transaction(app.sessions) as session:
        person = (
            await session.execute(select(Person).where(Person.full_name == "Trần Văn Bình"))
        ).scalar_one()
        person.created_at = local(2023, 6, 26, 9)  # Phúc Đồng registered four days before
    figures = await figures_at(app, WEEK2)
    assert PD not in [s.unit for s in figures.silent]
    assert HT in [s.unit for s in figures.silent]  # heard from on 01/06, nobody since
