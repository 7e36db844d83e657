"""Digest at province scale: 1,000 units, 50,000 assignments, 1,000,000 status updates.

A plain script (not a test). It builds one SQLite file in a temporary folder, then, in fresh
processes on a copy of it, times each step of the digest — the figures as of a Friday, the
figures of the half-year report at its cut-off, the chat message, the chart, the Excel file
and the written report — with each process's peak memory. `make bench`; with
BENCH_BASELINE=<old checkout> the old code is measured on the same file (benchmarks/runs.py).
"""

import asyncio
import hashlib
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from runs import RUNS, column_head, measure, peak_rss_mib, spread, table, trees

UNITS, TASKS = 1_000, 50  # every task goes to every unit: 50,000 assignments
UPDATES_EACH = 20  # 1,000,000 status updates
VN = ZoneInfo("Asia/Ho_Chi_Minh")
AT = datetime(2023, 6, 30, 15, 0, tzinfo=VN)
FIRST_UPDATE = datetime(2023, 3, 1, 1, 0, tzinfo=UTC)
LAST_UPDATE = datetime(2023, 7, 14, 10, 0, tzinfo=UTC)  # some come after AT: history is cut
STATUSES = ("not_started", "in_progress", "done", "blocked", "extension_requested")
STEPS = (
    ("figures", "figures as of Friday 30/06 (SQL)"),
    ("report_figures", "figures of the H1 report at its cut-off"),
    ("message", "message (Telegram and Zalo)"),
    ("chart", "chart (PNG)"),
    ("workbook", "workbook (XLSX)"),
    ("report", "report (DOCX)"),
    ("files", "all four files"),
)


# --- the data set (built once, with this tree's code) ---------------------------------------


async def build(path: Path) -> None:
    from bot.clock import FixedClock
    from bot.service import open_app
    from bot.settings import Settings

    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", data_dir=path.parent)
    async with open_app(settings, FixedClock(AT)) as app:
        await populate(app)


async def populate(app: Any) -> None:
    """One plan, 8 areas, 1,000 units with a focal person each, 50 tasks, their history."""
    from sqlalchemy import insert, select

    from storage.db import transaction
    from storage.models import Area, Assignment, Person, Plan, Task

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
        coordinator = Person(full_name="Phòng Nội vụ", role="coordinator", created_at=AT)
        s.add(coordinator)
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
        found = (
            await s.execute(select(Assignment.id, Assignment.unit_id, Assignment.status))
        ).all()
        people = dict((await s.execute(select(Person.unit_id, Person.id))).all())
        await _history(s, found, people, coordinator.id, rng)


async def _units(s: Any) -> list[int]:
    from sqlalchemy import insert, select

    from storage.models import Person, Unit

    names = [{"name": f"UBND xã thử nghiệm số {n:04d}", "kind": "commune"} for n in range(UNITS)]
    await s.execute(insert(Unit), [{**n, "active": True, "created_at": AT} for n in names])
    unit_ids = list((await s.execute(select(Unit.id))).scalars())
    focal = {"role": "focal", "is_deputy": False, "away": False, "active": True}
    registered = datetime(2023, 2, 27, 2, tzinfo=UTC)
    await s.execute(
        insert(Person),
        [
            {**focal, "full_name": f"Đầu mối {u}", "unit_id": u, "created_at": registered}
            for u in unit_ids
        ],
    )
    return unit_ids


def _assignments(task_id: int, unit_ids: list[int], rng: random.Random) -> list[dict[str, Any]]:
    """One task's share for every unit (every tenth unit supports), random deadline, status."""
    due = date(2023, 3, 1) + timedelta(days=rng.randrange(200))
    shared = {"task_id": task_id, "occurrence_key": "once", "created_at": AT}
    dates = {"deadline": due, "original_deadline": due}
    return [
        {
            **shared,
            **dates,
            "role": "support" if (u + task_id) % 10 == 0 else "lead",
            "unit_id": u,
            "status": rng.choice(STATUSES),
        }
        for u in unit_ids
    ]


async def _history(
    s: Any, found: list[Any], people: dict[int, int], coordinator: int, rng: random.Random
) -> None:
    """Twenty status updates per assignment in time order, the last one its status; one in
    ten by the coordinator, three in ten with a note; some after the digest's moment."""
    from sqlalchemy import insert

    from storage.models import StatusUpdate

    span = int((LAST_UPDATE - FIRST_UPDATE).total_seconds())
    batch: list[dict[str, Any]] = []
    for aid, unit, final in found:
        moments = sorted(rng.randrange(span) for _ in range(UPDATES_EACH))
        for n, second in enumerate(moments):
            status = final if n == UPDATES_EACH - 1 else rng.choice(STATUSES[1:])
            batch.append(
                {
                    "assignment_id": aid,
                    "person_id": coordinator if rng.random() < 0.1 else people[unit],
                    "status": status,
                    "note": f"ghi chú {n} của lượt {aid}" if rng.random() < 0.3 else None,
                    "created_at": FIRST_UPDATE + timedelta(seconds=second),
                }
            )
        if len(batch) >= 50_000:
            await s.execute(insert(StatusUpdate), batch)
            batch = []
    if batch:
        await s.execute(insert(StatusUpdate), batch)


# --- one measurement (in a fresh process, with the tree under test on the path) ------------


async def measure_once(db: Path, out: Path) -> dict[str, Any]:
    from sqlalchemy import select

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
    from storage.models import Plan

    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}

    async def step(name: str, work: Any) -> Any:
        wall, used = time.perf_counter(), time.process_time()
        result = await work if asyncio.iscoroutine(work) else work()
        seconds[name] = time.perf_counter() - wall
        cpu[name] = time.process_time() - used
        return result

    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", data_dir=out)
    half = report_periods(2023)[1]
    async with open_app(settings, FixedClock(AT)) as app:
        days = WorkCalendar.load().working_days_between
        async with app.sessions() as session:
            plan = (await session.execute(select(Plan))).scalar_one()
            at = compute(session, plan=plan, at=AT, tz=VN, working_days=days)
            figures = await step("figures", at)
            cutoff = datetime.combine(half.end, datetime.max.time(), tzinfo=VN)
            past = compute(session, plan=plan, at=cutoff, tz=VN, working_days=days, period=half)
            await step("report_figures", past)
    rss_figures = peak_rss_mib()
    telegram, zalo = Format(html=True, limit=4096), Format(html=False, limit=2000)
    files = {
        "message": lambda: (message(figures, telegram), message(figures, zalo)),
        "chart": lambda: write_chart(figures, out / "digest.png"),
        "workbook": lambda: write_workbook(figures, out / "digest.xlsx"),
        "report": lambda: write_report(figures, half, out / "report.docx"),
    }
    for name, work in files.items():
        await step(name, work)
    seconds["files"] = sum(seconds[k] for k in files)
    cpu["files"] = sum(cpu[k] for k in files)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_figures": rss_figures,
        "rss_end": peak_rss_mib(),
        "counts": [figures.totals.total, figures.lead.total, len(figures.overdue)],
        # Every figure and list: equal fingerprints mean the old and new code agree exactly.
        "fingerprint": hashlib.sha256(repr(figures).encode()).hexdigest()[:16],
        "sizes": _sizes(out),
    }


def _sizes(folder: Path) -> dict[str, int]:
    """The files written, in KiB."""
    return {p.name: p.stat().st_size // 1024 for p in folder.iterdir() if p.suffix != ".db"}


# --- the script ------------------------------------------------------------------------------


def main() -> None:
    from results import record

    folder = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    try:
        db = folder / "bench.db"
        start = time.perf_counter()
        asyncio.run(build(db))
        sys.stdout.write(f"data set built in {time.perf_counter() - start:.0f} s\n")
        found = {label: _runs(db, folder, label, tree) for label, tree in trees()}
        record("Digest at province scale (bench_digest.py)", _body(found))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _runs(db: Path, folder: Path, label: str, tree: Path) -> list[dict[str, Any]]:
    runs = []
    for n in range(RUNS):
        work = folder / f"{label}-{n}"
        work.mkdir()
        shutil.copy(db, work / "bench.db")
        _stamp_for(tree, work / "bench.db")
        result = measure(Path(__file__), tree, str(work / "bench.db"), str(work))
        shutil.rmtree(work, ignore_errors=True)
        sys.stdout.write(f"{label} run {n + 1}: {json.dumps(result)}\n")
        runs.append(result)
    return runs


def _stamp_for(tree: Path, db: Path) -> None:
    """Mark the copy as at `tree`'s last migration, so that an older checkout (the baseline)
    opens it instead of refusing a revision it does not know. The migrations after 0004 only
    add what the digest does not read (a next-reminder column and index, web sign-in, leases);
    for this tree it is the revision the file already has."""
    versions = (tree / "storage" / "migrations" / "versions").glob("[0-9]*.py")
    last = max(path.name.split("_", 1)[0] for path in versions)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (last,))
    connection.close()


def _body(found: dict[str, list[dict[str, Any]]]) -> str:
    labels = list(found)
    header = ["step (seconds)"]
    for label in labels:
        header += [f"{column_head(label)}: wall", f"{label}: CPU"]
    rows = []
    for key, title in STEPS:
        row = [title]
        for label in labels:
            row += [spread([r[kind][key] for r in found[label]]) for kind in ("seconds", "cpu")]
        rows.append(row)
    for key, title in (("rss_figures", "after the figures"), ("rss_end", "at the end")):
        row = [f"peak RSS {title} (MiB)"]
        for label in labels:
            row += [spread([r[key] for r in found[label]], 0), ""]
        rows.append(row)
    last = found[labels[-1]][-1]
    tasks, lead, overdue = last["counts"]
    prints = {r["fingerprint"] for runs in found.values() for r in runs}
    agree = "give the same figures and lists" if len(prints) == 1 else "DIFFER in their figures"
    return (
        f"Data set: {UNITS:,} units, {TASKS} tasks each assigned to every unit "
        f"({UNITS * TASKS:,} assignments, one in ten supporting), "
        f"{UNITS * TASKS * UPDATES_EACH:,} status updates from 01/03 to 14/07/2023; the digest "
        f"is as of Friday 30/06/2023 15:00. Each run is a fresh process on a copy of the same "
        f"SQLite file; {RUNS} runs per column, figures per run. Wall time on this shared "
        f"machine depends on what else runs (load average {_load()}); CPU time is the "
        f"process's own (all its threads).\n\n"
        + table(header, rows)
        + f"\n\nAll runs {agree} ({tasks} tasks, {lead:,} lead assignments, "
        f"{overdue:,} overdue). Files (KiB): {last['sizes']}.\n"
    )


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        db, out = Path(sys.argv[2]), Path(sys.argv[3])
        sys.stdout.write(json.dumps(asyncio.run(measure_once(db, out))) + "\n")
    else:
        main()
