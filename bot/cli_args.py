"""Dates and moments typed on the command line: ISO (2023-07-01, 2023-07-01T08:00) or 01/07/2023."""

import argparse
from datetime import date, datetime

from bot.texts import reminders as words


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
