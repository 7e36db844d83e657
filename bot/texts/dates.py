"""How dates, times and report periods are written: 30/06/2023, 30/06, 30/06/2023 08:00."""

import re
from datetime import date, datetime, time

NO_DATE = "—"
WEEKDAY = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
PERIODS = {
    "quarter": "quý {roman} năm {year}",
    "half": "6 tháng đầu năm {year}",
    "year": "năm {year}",
}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# The period a recurring task's occurrence is for, by its key (scheduler/deadlines.py).
OCCURRENCES = {
    "Q": "quý {roman}/{year}",
    "H1": "6 tháng đầu năm {year}",
    "H2": "6 tháng cuối năm {year}",
    "M": "tháng {number:02d}/{year}",
    "Y": "năm {year}",
}
_OCCURRENCE_KEY = re.compile(r"^(\d{4})-(?:(Y)|(M)(\d{2})|(Q)(\d)|H(\d))$")


def day(on: date | None) -> str:
    """30/06/2023; a missing date as a dash."""
    return f"{on:%d/%m/%Y}" if on else NO_DATE


def day_month(on: date) -> str:
    """30/06: inside a week or a short list, where the year is plain."""
    return f"{on:%d/%m}"


def month(on: date) -> str:
    """06/2023."""
    return f"{on:%m/%Y}"


def clock(at: datetime | time) -> str:
    """08:00."""
    return f"{at:%H:%M}"


def moment(at: datetime) -> str:
    """30/06/2023 08:00."""
    return f"{at:%d/%m/%Y %H:%M}"


def clock_day(at: datetime) -> str:
    """08:00 30/06/2023: a time said first, as in "nhắc lại vào 08:00 30/06/2023"."""
    return f"{at:%H:%M %d/%m/%Y}"


def weekday_day(on: date) -> str:
    """T6 30/06/2023."""
    return f"{WEEKDAY[on.weekday()]} {day(on)}"


def weekday_moment(at: datetime) -> str:
    """T6 30/06/2023 08:00."""
    return f"{WEEKDAY[at.weekday()]} {moment(at)}"


def period(kind: str, number: int, year: int) -> str:
    """A report period: "quý II năm 2023", "6 tháng đầu năm 2023", "năm 2023"."""
    return PERIODS[kind].format(roman=ROMAN.get(number, ""), year=year)


def occurrence(key: str) -> str | None:
    """The period an occurrence key names: "2024-Q1" is "quý I/2024", "2024-H1" "6 tháng đầu
    năm 2024", "2024-M03" "tháng 03/2024", "2024-Y" "năm 2024"; a one-off task has none."""
    m = _OCCURRENCE_KEY.match(key)
    if m is None:
        return None
    year, whole, month, number, quarter, q_number, half = m.groups()
    if whole:
        return OCCURRENCES["Y"].format(year=year)
    if month:
        return OCCURRENCES["M"].format(number=int(number), year=year)
    if quarter:
        return OCCURRENCES["Q"].format(roman=ROMAN.get(int(q_number), q_number), year=year)
    return OCCURRENCES.get(f"H{half}", OCCURRENCES["Y"]).format(year=year)
