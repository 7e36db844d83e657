"""Plan import, first half: check every row into task specs before anything is written."""

import re
from dataclasses import dataclass
from datetime import date

from bot.importing.directory import UnitDirectory
from bot.importing.reader import RowError, TaskRow
from bot.texts import dates
from bot.texts import import_errors as words
from scheduler.deadlines import Deadline, DeadlineError, parse_deadline, plausible_days

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}
_WHOLE_NUMBER = re.compile(r"^\d+$")


@dataclass(frozen=True)
class PlanInfo:
    number: str
    year: int
    title: str | None = None
    issued_on: date | None = None
    issuing_body: str | None = None


@dataclass(frozen=True)
class TaskSpec:
    row: int
    code: str
    title: str
    area: str | None
    area_code: str | None
    lead_text: str
    support_text: str | None
    lead_ids: tuple[int, ...]
    support_ids: tuple[int, ...]
    deadline_text: str
    deadline: Deadline
    output: str | None
    note: str | None


def task_code(row: TaskRow) -> str | None:
    """The row's code; a plain "3" under section II becomes "2.3" so sections don't collide."""
    code = (row.code or "").strip().rstrip(".")
    if not code:
        return None
    section = (row.area_code or "").strip().rstrip(".").upper()
    section = str(_ROMAN[section]) if section in _ROMAN else section
    if _WHOLE_NUMBER.match(code) and section.isdigit():
        return f"{section}.{code}"
    return code


def deadline_text(value: str | date | None) -> str:
    if isinstance(value, date):
        return dates.day(value)
    return (value or "").strip()


def check_tasks(
    rows: list[TaskRow], directory: UnitDirectory, *, plan_year: int
) -> tuple[list[TaskSpec], list[RowError]]:
    """Turn rows into task specs; every problem of every row is reported, nothing guessed."""
    specs: list[TaskSpec] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in rows:
        spec, row_errors = _check_row(row, directory, plan_year)
        code = task_code(row)
        if code is not None and code in seen:
            message = words.duplicate_code(code, seen[code])
            row_errors.append(_error(row, "code", message))
        elif code is not None:
            seen[code] = row.row
        errors.extend(row_errors)
        if spec is not None and not row_errors:
            specs.append(spec)
    return specs, errors


def _col(row: TaskRow, field: str) -> str:
    return row.columns.get(field, field)


def _error(row: TaskRow, field: str, reason: str) -> RowError:
    """A problem with one field of `row`, placed the way its file names rows and columns."""
    return RowError(row.row, _col(row, field), reason, row.row_word, row.column_word)


def _check_row(
    row: TaskRow, directory: UnitDirectory, plan_year: int
) -> tuple[TaskSpec | None, list[RowError]]:
    errors: list[RowError] = []
    code = task_code(row)
    if code is None:
        errors.append(_error(row, "code", words.MISSING_CODE))
    lead = directory.resolve(row.lead)
    support = directory.resolve(row.support)
    for field, found in (("lead", lead), ("support", support)):
        if found.unknown:
            errors.append(_error(row, field, words.unknown_units(found.unknown)))
    if not lead.unit_ids and not lead.unknown:
        errors.append(_error(row, "lead", words.lead_missing_units()))
    deadline, message = _deadline(row, plan_year)
    if message is not None:
        errors.append(_error(row, "deadline", message))
    if errors or code is None or deadline is None:
        return None, errors
    spec = TaskSpec(
        row=row.row,
        code=code,
        title=row.title.strip(),
        area=row.area,
        area_code=row.area_code,
        lead_text=(row.lead or "").strip(),
        support_text=(row.support or "").strip() or None,
        lead_ids=lead.unit_ids,
        support_ids=tuple(u for u in support.unit_ids if u not in lead.unit_ids),
        deadline_text=deadline_text(row.deadline),
        deadline=deadline,
        output=row.output,
        note=row.note,
    )
    return spec, []


def _deadline(row: TaskRow, plan_year: int) -> tuple[Deadline | None, str | None]:
    """The row's deadline, or why it is refused: unreadable, or too far from the plan's year."""
    spec = deadline_text(row.deadline)
    try:
        deadline = parse_deadline(row.deadline or "", plan_year=plan_year)
    except DeadlineError as exc:
        return None, words.DEADLINE_ERRORS[exc.code].format(spec=spec)
    first, last = plausible_days(plan_year)
    if all(first <= o.due <= last for o in deadline.occurrences):
        return deadline, None
    return None, words.deadline_out_of_range(spec, plan_year, dates.day(first), dates.day(last))
