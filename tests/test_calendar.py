"""The working-day calendar: Vietnamese holidays, announced swaps, and working-day arithmetic."""

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.calendar import CalendarError, Overrides, WorkCalendar, load_overrides

CAL = WorkCalendar.load()

OFF, WORK = False, True
TABLE = [
    # 2023: Tết 20/1-26/1; 29/4 (Giỗ Tổ, Sat) and 30/4 (Sun) give nghỉ bù 2/5 and 3/5;
    # Quốc khánh 1/9-4/9. No swap that year, so no make-up Saturday.
    (date(2023, 1, 2), OFF),  # Tết Dương lịch on a Sunday, nghỉ bù
    (date(2023, 1, 20), OFF),  # 29 Tết
    (date(2023, 1, 26), OFF),  # mùng 5
    (date(2023, 1, 27), WORK),
    (date(2023, 1, 28), OFF),  # Saturday, not a make-up day
    (date(2023, 5, 1), OFF),
    (date(2023, 5, 2), OFF),
    (date(2023, 5, 3), OFF),
    (date(2023, 5, 4), WORK),
    (date(2023, 5, 6), OFF),  # no make-up Saturday in 2023
    (date(2023, 9, 1), OFF),
    (date(2023, 9, 4), OFF),
    (date(2023, 9, 5), WORK),
    # 2024: Tết 8/2-14/2; 29/4 swapped for Saturday 4/5; Quốc khánh 2/9-3/9.
    (date(2024, 2, 8), OFF),
    (date(2024, 2, 14), OFF),
    (date(2024, 2, 15), WORK),
    (date(2024, 4, 18), OFF),  # Giỗ Tổ Hùng Vương
    (date(2024, 4, 29), OFF),
    (date(2024, 4, 30), OFF),
    (date(2024, 5, 1), OFF),
    (date(2024, 5, 2), WORK),
    (date(2024, 5, 4), WORK),  # make-up Saturday
    (date(2024, 9, 2), OFF),
    (date(2024, 9, 3), OFF),
    (date(2024, 9, 4), WORK),
    # 2025: Tết 25/1-2/2; 2/5 swapped for Saturday 26/4; Quốc khánh 30/8-2/9.
    (date(2025, 1, 27), OFF),
    (date(2025, 1, 31), OFF),
    (date(2025, 2, 3), WORK),
    (date(2025, 4, 7), OFF),  # Giỗ Tổ Hùng Vương
    (date(2025, 4, 26), WORK),  # make-up Saturday
    (date(2025, 4, 30), OFF),
    (date(2025, 5, 1), OFF),
    (date(2025, 5, 2), OFF),
    (date(2025, 9, 1), OFF),
    (date(2025, 9, 2), OFF),
    (date(2025, 9, 3), WORK),
    # 2026: 2/1 swapped for Saturday 10/1; Tết 14/2-22/2; nghỉ bù Giỗ Tổ 27/4;
    # 31/8 swapped for Saturday 22/8; Quốc khánh 29/8-2/9.
    (date(2026, 1, 1), OFF),
    (date(2026, 1, 2), OFF),
    (date(2026, 1, 10), WORK),  # make-up Saturday
    (date(2026, 2, 16), OFF),
    (date(2026, 2, 20), OFF),
    (date(2026, 2, 23), WORK),
    (date(2026, 4, 27), OFF),
    (date(2026, 4, 30), OFF),
    (date(2026, 5, 1), OFF),
    (date(2026, 8, 22), WORK),  # make-up Saturday
    (date(2026, 8, 31), OFF),
    (date(2026, 9, 1), OFF),
    (date(2026, 9, 2), OFF),
    (date(2026, 9, 3), WORK),
]


@pytest.mark.parametrize(("day", "working"), TABLE, ids=[d.isoformat() for d, _ in TABLE])
def test_vietnamese_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_weekends_are_off_and_weekdays_on_outside_holidays() -> None:
    assert not CAL.is_working_day(date(2023, 6, 24))
    assert not CAL.is_working_day(date(2023, 6, 25))
    assert CAL.is_working_day(date(2023, 6, 26))


def test_the_shipped_file_adds_what_the_package_lacks() -> None:
    bare = WorkCalendar(Overrides())
    # The Government swapped 2/1/2026 for 10/1 in December 2025.
    assert CAL.is_working_day(date(2026, 1, 2)) is False
    assert bare.is_working_day(date(2026, 1, 10)) is False
    assert date(2026, 1, 10) in load_overrides().working_days


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2023, 6, 30), 2, date(2023, 7, 4)),  # Fri + 2 working days
        (date(2023, 6, 30), 5, date(2023, 7, 7)),
        (date(2023, 6, 30), -1, date(2023, 6, 29)),
        (date(2023, 7, 2), 1, date(2023, 7, 3)),  # from a Sunday
        (date(2023, 7, 2), -1, date(2023, 6, 30)),
        (date(2023, 1, 19), 1, date(2023, 1, 27)),  # over Tết
        (date(2023, 1, 27), -1, date(2023, 1, 19)),
        (date(2024, 5, 3), 1, date(2024, 5, 4)),  # onto the make-up Saturday
        (date(2023, 12, 29), 1, date(2024, 1, 2)),  # over the year end
        (date(2023, 6, 30), 0, date(2023, 6, 30)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


def test_previous_and_next_working_day_include_the_day_itself() -> None:
    assert CAL.previous_working_day(date(2023, 6, 30)) == date(2023, 6, 30)
    assert CAL.previous_working_day(date(2023, 6, 25)) == date(2023, 6, 23)
    assert CAL.previous_working_day(date(2023, 1, 25)) == date(2023, 1, 19)
    assert CAL.next_working_day(date(2023, 1, 21)) == date(2023, 1, 27)
    assert CAL.next_working_day(date(2023, 1, 1)) == date(2023, 1, 3)


def test_working_days_between_counts_the_half_open_interval() -> None:
    assert CAL.working_days_between(date(2023, 6, 30), date(2023, 7, 7)) == 5
    assert CAL.working_days_between(date(2023, 7, 7), date(2023, 6, 30)) == -5
    assert CAL.working_days_between(date(2023, 1, 19), date(2023, 1, 27)) == 1
    assert CAL.working_days_between(date(2023, 6, 30), date(2023, 6, 30)) == 0
    # 260 weekdays in 2023, 11 of them holidays (2/1, five of Tết, 1-3/5, 1/9, 4/9).
    assert CAL.working_days_between(date(2023, 1, 1), date(2023, 12, 31)) == 249


@given(
    st.dates(min_value=date(2022, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=-400, max_value=400),
)
def test_add_and_between_agree(start: date, n: int) -> None:
    start = CAL.previous_working_day(start)  # from a day off, (a, b] counts differently backwards
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n:
        assert CAL.is_working_day(end)
        assert (end > start) is (n > 0)


def test_instants_are_utc_from_local_time() -> None:
    assert CAL.instant(date(2023, 6, 23), time(8, 0)) == datetime(2023, 6, 23, 1, 0, tzinfo=UTC)
    local = CAL.local(datetime(2023, 6, 22, 17, 0, tzinfo=UTC))
    assert (local.date(), local.time()) == (date(2023, 6, 23), time(0, 0))
    with pytest.raises(ValueError, match="naive"):
        CAL.local(datetime(2023, 6, 23, 8, 0))  # noqa: DTZ001 (the point of the test)


def test_an_operator_file_adds_days_and_wins_over_the_shipped_one(tmp_path: Path) -> None:
    extra = tmp_path / "them.yaml"
    extra.write_text(
        "days_off:\n  - date: 2027-01-04\n    note: nghỉ thêm\n"
        "  - 2024-05-04  # the shipped make-up Saturday, taken back\n"
        "working_days:\n  - {date: 2027-01-09}\n"
    )
    cal = WorkCalendar.load(extra)
    assert not cal.is_working_day(date(2027, 1, 4))
    assert cal.is_working_day(date(2027, 1, 9))
    assert not cal.is_working_day(date(2024, 5, 4))
    assert not cal.is_working_day(date(2024, 4, 29))  # the rest of the shipped file stays


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("days_off: [2027-01-04]\nextra: []\n", "unknown keys"),
        ("days_off:\n  - date: 2027-02-30\n", "day is out of range"),
        ("days_off:\n  - date: 30/02/2027\n", "is not a date"),
        ("days_off:\n  - {date: 2027-01-04, why: x}\n", "unknown keys"),
        ("days_off: [2027-01-04]\nworking_days: [2027-01-04]\n", "both a day off"),
        ("days_off: 2027-01-04\n", "expected a list"),
        ("- 2027-01-04\n", "expected a mapping"),
        ("days_off: [\n", "not valid YAML"),
    ],
)
def test_a_bad_override_file_is_refused_with_the_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(CalendarError, match=message):
        WorkCalendar.load(path)


def test_a_missing_override_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="khong-co.yaml"):
        WorkCalendar.load(tmp_path / "khong-co.yaml")


def test_dates_outside_the_known_years_are_refused() -> None:
    with pytest.raises(CalendarError, match="1995-2099"):
        CAL.is_working_day(date(2150, 1, 2))
    assert CAL.add_working_days(date(2098, 12, 1), 5) > date(2098, 12, 1)
    assert CAL.previous_working_day(date(2023, 1, 1)) == date(2022, 12, 30)
    assert CAL.add_working_days(date(2023, 1, 1), -3) == date(2022, 12, 28)
