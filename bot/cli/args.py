"""Dates and moments typed on the command line: ISO (2023-07-01, 2023-07-01T08:00) or 01/07/2023."""

import argparse
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.texts import cli as words


def date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        try:
            return datetime.strptime(value, "%d/%m/%Y").date()  # noqa: DTZ007 (a date only)
        except ValueError:
            raise argparse.ArgumentTypeError(words.BAD_DATE.format(value=value)) from None


def moment_arg(value: str) -> datetime | date:
    """A date alone stays a date: each command decides which hour of that day it means."""
    try:
        return date_arg(value)
    except argparse.ArgumentTypeError:
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(words.BAD_MOMENT.format(value=value)) from None


END_OF_OFFICE_HOURS = time(17, 30)


def at_moment(
    value: datetime | date | None,
    *,
    tz: ZoneInfo,
    now: datetime,
    day_time: time = END_OF_OFFICE_HOURS,
) -> datetime:
    """`--at` as an aware local moment: now when absent, a bare date at `day_time` of that
    day, a time without a zone as local time."""
    if value is None:
        return now.astimezone(tz)
    if not isinstance(value, datetime):
        return datetime.combine(value, day_time, tzinfo=tz)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
