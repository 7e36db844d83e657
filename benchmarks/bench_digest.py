"""Digest build time and memory at province scale: 1,000 units, 50,000 assignments.

A plain script (not a test): it builds a SQLite file in a temporary folder, then times each
step of the digest — figures (SQL), the chat message, the chart, the Excel file and the
written report — printing the process's peak resident memory after each. `make bench`.
"""

import asyncio
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.digest.chart import write_chart
from bot.digest.report import write_report
from bot.digest.text import Format, message
from bot.digest.workbook import write_workbook
from bot.service import open_app
from bot.settings import Settings
from scheduler.calendar import WorkCalendar
from scheduler.digest import compute
from scheduler.digest_periods import report_periods
from storage.db import transaction
from storage.models import Area, Assignment, Person, Plan, StatusUpdate, Task, Unit

TELEGRAM = Format(html=True, limit=4096)
ZALO = Format(html=False, limit=2000)
UNITS, TASKS = 1_000, 50  # every task goes to every unit: 50,000 assignments
VN = ZoneInfo("Asia/Ho_Chi_Minh")
AT = datetime(2023, 6, 30, 15, 0, tzinfo=VN)
STATUSES = ("not_started", "in_progress", "done", "blocked", "extension_requested")


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def file_sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size // 1024 for p in folder.iterdir() if p.suffix != ".db"}


def report(label: str, seconds: float) -> None:
    sys.stdout.write(f"{label:<32} {seconds:7.2f} s   peak RSS {peak_rss_mib():6.0f} MiB\n")


def timed(label: str, step: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = step()
    report(label, time.perf_counter() - start)
    return result


async def atimed(label: str, step: Any) -> Any:
    start = time.perf_counter()
    result = await step
    report(label, time.perf_counter() - start)
    return result


async def populate(app: Any) -> None:
    """The rows, inserted in bulk: one plan, 8 areas, 1,000 units, 50 tasks, their history."""
    rng = random.Random(32)
    async with transaction(app.sessions) as s:
        plan = Plan(number="32/KH-UBND", title="Kế hoạch thử tải", year=2023)
        plan.issued_on, plan.issuing_body = date(2023, 2, 24), "UBND huyện Hương Khê"
        s.add(plan)
        await s.flush()
        areas = [
            Area(plan_id=plan.id, name=f"Lĩnh vực {i + 1}", name_key=f"lv{i}", position=i)
            for i in range(8)
        ]
        s.add_all(areas)
        unit_ids = await _units(s)
        tasks = [
            Task(plan_id=plan.id, code=f"{i % 8 + 1}.{i}", title=f"Nhiệm vụ thử tải số {i}")
            for i in range(TASKS)
        ]
        for i, task in enumerate(tasks):
            task.area_id, task.lead_text, task.deadline_spec, task.kind = (
                areas[i % 8].id,
                "x",
                "x",
                "once",
            )
        s.add_all(tasks)
        await s.flush()
        rows = [row for task in tasks for row in _assignments(task.id, unit_ids, rng)]
        for start in range(0, len(rows), 5_000):
            await s.execute(insert(Assignment), rows[start : start + 5_000])
    await _history(app, rng)


async def _units(s: Any) -> list[int]:
    """The units, each with one focal person."""
    names = [{"name": f"UBND xã thử nghiệm số {n:04d}", "kind": "commune"} for n in range(UNITS)]
    await s.execute(insert(Unit), [{**n, "active": True, "created_at": AT} for n in names])
    unit_ids = list((await s.execute(select(Unit.id))).scalars())
    focal = {"role": "focal", "is_deputy": False, "away": False, "active": True, "created_at": AT}
    await s.execute(
        insert(Person), [{**focal, "full_name": f"Đầu mối {u}", "unit_id": u} for u in unit_ids]
    )
    return unit_ids


def _assignments(task_id: int, unit_ids: list[int], rng: random.Random) -> list[dict[str, Any]]:
    """One task's share for every unit, with a random deadline and status."""
    due = date(2023, 3, 1) + timedelta(days=rng.randrange(200))
    shared = {"task_id": task_id, "role": "lead", "occurrence_key": "once", "created_at": AT}
    dates = {"deadline": due, "original_deadline": due}
    return [{**shared, **dates, "unit_id": u, "status": rng.choice(STATUSES)} for u in unit_ids]


async def _history(app: Any, rng: random.Random) -> None:
    """One status update for each assignment that has left "not started"."""
    async with transaction(app.sessions) as s:
        found = (
            await s.execute(select(Assignment.id, Assignment.unit_id, Assignment.status))
        ).all()
        people = dict((await s.execute(select(Person.unit_id, Person.id))).all())
        updates = [
            {
                "assignment_id": a,
                "person_id": people[u],
                "status": st,
                "note": "ghi chú" if st == "blocked" else None,
                "created_at": datetime(2023, 6, 1, tzinfo=UTC)
                + timedelta(hours=rng.randrange(700)),
            }
            for a, u, st in found
            if st != "not_started"
        ]
        for start in range(0, len(updates), 5_000):
            await s.execute(insert(StatusUpdate), updates[start : start + 5_000])


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}", data_dir=folder)
    async with open_app(settings, FixedClock(AT)) as app:
        await atimed("insert 50,000 assignments", populate(app))
        calendar = WorkCalendar.load()
        async with app.sessions() as session:
            plan = (await session.execute(select(Plan))).scalar_one()
            step = compute(
                session, plan=plan, at=AT, tz=VN, working_days=calendar.working_days_between
            )
            figures = await atimed("figures (SQL aggregation)", step)
        timed(
            "message: Telegram and Zalo",
            lambda: (message(figures, TELEGRAM), message(figures, ZALO)),
        )
        timed("chart (PNG)", lambda: write_chart(figures, folder / "digest.png"))
        timed("workbook (XLSX)", lambda: write_workbook(figures, folder / "digest.xlsx"))
        timed(
            "report (DOCX)",
            lambda: write_report(figures, report_periods(2023)[1], folder / "report.docx"),
        )
    sys.stdout.write(
        f"tasks {figures.totals.total}, overdue (lead) {len(figures.overdue)}, units {len(figures.units)}\n"
    )
    sys.stdout.write(f"file sizes (KiB): {file_sizes(folder)}\n")


if __name__ == "__main__":
    asyncio.run(main())
