"""Deadline specs as plans write them, accented and not, and the ones we must refuse."""

import pickle
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.deadlines import Deadline, DeadlineError, Occurrence, parse_deadline
from storage.vocab import TaskKind

PLAN_YEAR = 2023
ONCE, ONGOING, RECURRING = TaskKind.ONCE, TaskKind.ONGOING, TaskKind.RECURRING


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


JUN_30 = [("once", d(2023, 6, 30))]
MAR_31 = [("once", d(2023, 3, 31))]
SEP_30 = [("once", d(2023, 9, 30))]
DEC_31 = [("once", d(2023, 12, 31))]
QUARTERS = [
    ("2023-Q1", d(2023, 3, 31)),
    ("2023-Q2", d(2023, 6, 30)),
    ("2023-Q3", d(2023, 9, 30)),
    ("2023-Q4", d(2023, 12, 31)),
]
HALVES = [("2023-H1", d(2023, 6, 30)), ("2023-H2", d(2023, 12, 31))]
YEARLY = [("2023-Y", d(2023, 12, 31))]
MONTHS = [
    (f"2023-M{m:02d}", d(2023, m, last))
    for m, last in enumerate([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], start=1)
]
Q_H_Y = [
    ("2023-Q1", d(2023, 3, 31)),
    ("2023-H1", d(2023, 6, 30)),
    ("2023-Q3", d(2023, 9, 30)),
    ("2023-Y", d(2023, 12, 31)),
]
ALL_YEAR = [("ongoing", d(2023, 12, 31))]

GOOD = [
    # Dates
    ("30/6/2023", ONCE, JUN_30),
    ("30/06/2023", ONCE, JUN_30),
    ("30-6-2023", ONCE, JUN_30),
    ("30.6.2023", ONCE, JUN_30),
    ("2023-06-30", ONCE, JUN_30),
    ("2023-06-30 00:00:00", ONCE, JUN_30),
    ("ngày 30/6/2023", ONCE, JUN_30),
    ("trước ngày 30/6/2023", ONCE, JUN_30),
    ("Trước ngày 30/6/2023.", ONCE, JUN_30),
    ("truoc ngay 30/6/2023", ONCE, JUN_30),
    ("trước 30/6/2023", ONCE, JUN_30),
    ("chậm nhất ngày 30/6/2023", ONCE, JUN_30),
    ("cham nhat ngay 30/6/2023", ONCE, JUN_30),
    ("hoàn thành trước ngày 30/6/2023", ONCE, JUN_30),
    ("HOAN THANH   TRUOC NGAY 30/6/2023", ONCE, JUN_30),
    ("hạn 30/6/2023", ONCE, JUN_30),
    ("han: 30/6/2023", ONCE, JUN_30),
    ("trước ngày 30 tháng 6 năm 2023", ONCE, JUN_30),
    ("truoc ngay 30 thang 6 nam 2023", ONCE, JUN_30),
    ("30/6", ONCE, JUN_30),
    ("trước ngày 15/3", ONCE, [("once", d(2023, 3, 15))]),
    ("30/6/23", ONCE, JUN_30),
    ("29/2/2024", ONCE, [("once", d(2024, 2, 29))]),
    ("31/12/2024", ONCE, [("once", d(2024, 12, 31))]),
    # Months
    ("tháng 6/2023", ONCE, JUN_30),
    ("tháng 6 năm 2023", ONCE, JUN_30),
    ("trong tháng 6/2023", ONCE, JUN_30),
    ("tháng 06/2023", ONCE, JUN_30),
    ("T6/2023", ONCE, JUN_30),
    ("tháng 6", ONCE, JUN_30),
    ("thang 6/2023", ONCE, JUN_30),
    ("trong thang 2 nam 2024", ONCE, [("once", d(2024, 2, 29))]),
    ("Tháng 2/2023", ONCE, [("once", d(2023, 2, 28))]),
    # Quarters
    ("Quý II/2023", ONCE, JUN_30),
    ("quý 2 năm 2023", ONCE, JUN_30),
    ("Quý II năm 2023", ONCE, JUN_30),
    ("quý 2/2023", ONCE, JUN_30),
    ("Q2/2023", ONCE, JUN_30),
    ("trong quý II/2023", ONCE, JUN_30),
    ("quý II", ONCE, JUN_30),
    ("quy II/2023", ONCE, JUN_30),
    ("QUY III NAM 2023", ONCE, SEP_30),
    ("Quý I/2023", ONCE, MAR_31),
    ("hoàn thành trong Quý IV/2023.", ONCE, DEC_31),
    ("quy 4", ONCE, DEC_31),
    # Halves
    ("6 tháng đầu năm 2023", ONCE, JUN_30),
    ("6 thang dau nam 2023", ONCE, JUN_30),
    ("6 tháng cuối năm 2023", ONCE, DEC_31),
    ("6 thang cuoi nam", ONCE, DEC_31),
    ("6 tháng đầu năm", ONCE, JUN_30),
    # Years
    ("năm 2023", ONCE, DEC_31),
    ("trong năm 2023", ONCE, DEC_31),
    ("cả năm", ONCE, DEC_31),
    ("Cả năm 2023", ONCE, DEC_31),
    ("trong năm", ONCE, DEC_31),
    ("trong nam", ONCE, DEC_31),
    ("nam 2024", ONCE, [("once", d(2024, 12, 31))]),
    # Ongoing
    ("thường xuyên", ONGOING, ALL_YEAR),
    ("Thường xuyên, liên tục", ONGOING, ALL_YEAR),
    ("thường xuyên liên tục", ONGOING, ALL_YEAR),
    ("liên tục", ONGOING, ALL_YEAR),
    ("thực hiện thường xuyên", ONGOING, ALL_YEAR),
    ("thuong xuyen", ONGOING, ALL_YEAR),
    ("thuong xuyen, lien tuc.", ONGOING, ALL_YEAR),
    # Recurring reports
    ("hàng quý", RECURRING, QUARTERS),
    ("hằng quý", RECURRING, QUARTERS),
    ("định kỳ hàng quý", RECURRING, QUARTERS),
    ("báo cáo hàng quý", RECURRING, QUARTERS),
    ("hang quy", RECURRING, QUARTERS),
    ("hàng tháng", RECURRING, MONTHS),
    ("hằng tháng", RECURRING, MONTHS),
    ("dinh ky hang thang", RECURRING, MONTHS),
    ("6 tháng", RECURRING, HALVES),
    ("hàng 6 tháng", RECURRING, HALVES),
    ("định kỳ 6 tháng", RECURRING, HALVES),
    ("hàng năm", RECURRING, YEARLY),
    ("hằng năm", RECURRING, YEARLY),
    ("định kỳ hàng năm", RECURRING, YEARLY),
    ("báo cáo năm", RECURRING, YEARLY),
    ("định kỳ hàng quý, 6 tháng, năm", RECURRING, Q_H_Y),
    ("dinh ky hang quy, 6 thang, nam", RECURRING, Q_H_Y),
    ("hàng quý, 6 tháng và năm", RECURRING, Q_H_Y),
    ("báo cáo quý, 6 tháng, năm.", RECURRING, Q_H_Y),
    ("Định kỳ hàng quý; 6 tháng; năm", RECURRING, Q_H_Y),
    ("hàng quý và năm", RECURRING, QUARTERS[:3] + YEARLY),
    ("6 tháng, năm", RECURRING, [HALVES[0], *YEARLY]),
]

BAD = [
    ("", "empty"),
    ("   ", "empty"),
    (" . ", "empty"),
    ("sớm", "unreadable"),
    ("som", "unreadable"),
    ("Quý V/2023", "invalid_date"),
    ("quý 5/2023", "invalid_date"),
    ("quý 0", "invalid_date"),
    ("tháng 13/2023", "invalid_date"),
    ("tháng 0", "invalid_date"),
    ("31/2/2023", "invalid_date"),
    ("29/2/2023", "invalid_date"),
    ("0/5/2023", "invalid_date"),
    ("12/13/2023", "invalid_date"),
    ("31/4", "invalid_date"),
    ("ngày 32 tháng 1 năm 2023", "invalid_date"),
    ("00/00/0000", "invalid_date"),
    ("30/6/2023/1", "unreadable"),
    ("30/6-2023", "unreadable"),
    ("6/2023", "unreadable"),
    ("trước tháng 6/2023", "unreadable"),
    ("cuối năm", "unreadable"),
    ("quý", "unreadable"),
    ("tháng", "unreadable"),
    ("hằng ngày", "unreadable"),
    ("hàng quý, khi có yêu cầu", "unreadable"),
    ("thường xuyên; báo cáo hàng quý", "unreadable"),
    ("trong 6 tháng", "unreadable"),
    ("30/6/2023 hoặc sớm hơn", "unreadable"),
]


def pairs(deadline: Deadline) -> list[tuple[str, date]]:
    return [(occurrence.key, occurrence.due) for occurrence in deadline.occurrences]


@pytest.mark.parametrize(("spec", "kind", "expected"), GOOD, ids=[row[0] for row in GOOD])
def test_good_specs(spec: str, kind: TaskKind, expected: list[tuple[str, date]]) -> None:
    deadline = parse_deadline(spec, plan_year=PLAN_YEAR)
    assert deadline.kind == kind
    assert pairs(deadline) == expected


@pytest.mark.parametrize(("spec", "_kind", "_expected"), GOOD, ids=[row[0] for row in GOOD])
def test_occurrences_sorted_and_keys_unique(spec: str, _kind: object, _expected: object) -> None:
    occurrences = parse_deadline(spec, plan_year=PLAN_YEAR).occurrences
    dues = [occurrence.due for occurrence in occurrences]
    keys = [occurrence.key for occurrence in occurrences]
    assert occurrences
    assert dues == sorted(dues)
    assert len(set(dues)) == len(dues)
    assert len(set(keys)) == len(keys)
    assert all(occurrence.start <= occurrence.due for occurrence in occurrences)


@pytest.mark.parametrize(("spec", "code"), BAD, ids=[row[0] or "<empty>" for row in BAD])
def test_bad_specs(spec: str, code: str) -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline(spec, plan_year=PLAN_YEAR)
    assert caught.value.code == code
    assert caught.value.detail


def test_invalid_date_detail_names_day_month_and_spec() -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("31/2/2023", plan_year=PLAN_YEAR)
    assert caught.value.detail == "day 31 is out of range for month 2 in 31/2/2023"
    assert str(caught.value) == "invalid_date: day 31 is out of range for month 2 in 31/2/2023"
    assert isinstance(caught.value, ValueError)


def test_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(DeadlineError("unreadable", "no form")))
    assert (error.code, error.detail) == ("unreadable", "no form")


def test_date_cell() -> None:
    deadline = parse_deadline(date(2023, 6, 30), plan_year=PLAN_YEAR)
    assert deadline == Deadline(ONCE, (Occurrence("once", d(2023, 6, 30), d(2023, 6, 30)),))


def test_datetime_cell_drops_the_time() -> None:
    cell = datetime(2023, 9, 15, 0, 0)  # noqa: DTZ001 - openpyxl gives naive datetimes
    deadline = parse_deadline(cell, plan_year=PLAN_YEAR)
    assert pairs(deadline) == [("once", d(2023, 9, 15))]
    assert type(deadline.occurrences[0].due) is date


def test_specs_without_year_take_plan_year() -> None:
    assert pairs(parse_deadline("30/6", plan_year=2024)) == [("once", d(2024, 6, 30))]
    assert pairs(parse_deadline("quý I", plan_year=2024)) == [("once", d(2024, 3, 31))]
    assert pairs(parse_deadline("cả năm", plan_year=2024)) == [("once", d(2024, 12, 31))]
    assert pairs(parse_deadline("29/2", plan_year=2024)) == [("once", d(2024, 2, 29))]
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("29/2", plan_year=2023)
    assert caught.value.code == "invalid_date"


def test_explicit_year_wins_over_plan_year() -> None:
    assert pairs(parse_deadline("Quý II/2023", plan_year=2024)) == JUN_30


def test_starts_cover_the_period() -> None:
    once = parse_deadline("trước ngày 30/6/2023", plan_year=PLAN_YEAR).occurrences
    assert once == (Occurrence("once", d(2023, 6, 30), d(2023, 6, 30)),)
    ongoing = parse_deadline("thường xuyên", plan_year=2024).occurrences
    assert ongoing == (Occurrence("ongoing", d(2024, 1, 1), d(2024, 12, 31)),)
    mixed = parse_deadline("định kỳ hàng quý, 6 tháng, năm", plan_year=PLAN_YEAR).occurrences
    assert [o.start for o in mixed] == [d(2023, 1, 1), d(2023, 1, 1), d(2023, 7, 1), d(2023, 1, 1)]
    monthly = parse_deadline("hàng tháng", plan_year=2024).occurrences
    assert monthly[1] == Occurrence("2024-M02", d(2024, 2, 1), d(2024, 2, 29))


def test_monthly_with_quarterly_keeps_the_quarter_on_shared_days() -> None:
    keys = [o.key for o in parse_deadline("hàng tháng, quý", plan_year=PLAN_YEAR).occurrences]
    assert keys == [
        "2023-M01",
        "2023-M02",
        "2023-Q1",
        "2023-M04",
        "2023-M05",
        "2023-Q2",
        "2023-M07",
        "2023-M08",
        "2023-Q3",
        "2023-M10",
        "2023-M11",
        "2023-Q4",
    ]


def test_bad_plan_year_is_a_programming_error() -> None:
    with pytest.raises(ValueError) as caught:
        parse_deadline("30/6", plan_year=0)
    assert not isinstance(caught.value, DeadlineError)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789/.-, qQuýIVXtháng năm ", max_size=25))
def test_any_text_parses_or_raises_deadline_error(spec: str) -> None:
    try:
        deadline = parse_deadline(spec, plan_year=PLAN_YEAR)
    except DeadlineError as error:
        assert error.code in {"empty", "unreadable", "invalid_date"}
    else:
        assert deadline.occurrences
