"""Moving a plan to another year: its date and every year in its deadlines by the same count.

"Quý II/2023" becomes "Quý II/2026", "trước ngày 15/12/2023" "trước ngày 15/12/2026", an
Excel date cell moves the same way, and undated deadlines ("thường xuyên", "hàng quý")
follow the plan's year. Titles and outputs are left as written: the years there name other
documents ("Quyết định số 2125/QĐ-UBND ngày 17/10/2022").
"""

import datetime as dt
import re
from dataclasses import replace

from bot.importing.rows import PlanMeta, TaskRow

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def move_plan(
    meta: PlanMeta, rows: list[TaskRow], *, issued_on: dt.date | None, year: int | None, to: int
) -> tuple[PlanMeta, list[TaskRow], dt.date | None]:
    """The plan as if made for year `to`: (its meta, its rows, `issued_on` moved)."""
    issued = issued_on or meta.date
    source = year or (issued.year if issued else to)
    years = to - source
    moved = [replace(row, deadline=_deadline(row.deadline, years)) for row in rows]
    return replace(meta, date=_date(meta.date, years)), moved, _date(issued_on, years)


def _deadline(value: str | dt.date | None, years: int) -> str | dt.date | None:
    if isinstance(value, str):
        return _YEAR.sub(lambda found: str(int(found.group()) + years), value)
    return _date(value, years)


def _date(value: dt.date | None, years: int) -> dt.date | None:
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February into a year without one
        return value.replace(year=value.year + years, day=28)
