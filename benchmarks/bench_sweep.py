"""The sweep at province scale: 100,000 and 1,000,000 assignments in SQLite.

A plain script (not a test), `make bench` or `python benchmarks/bench_sweep.py [SIZE ...]`.
For each size it builds a SQLite file in a temporary folder (bulk inserts: units, a focal
person each, two coordinators, 100 tasks given to every unit, 15 % already done), runs a
first sweep on 01/06/2023 09:00 (every open row looked at once, as after the migration),
then measures, each in a fresh process so that its peak RSS is its own:

- the steady sweep a minute later (nothing new due), several runs;
- the first sweep after a week down (08/06/2023 09:00), on fresh copies of the file;
- the same two with the sweep of commit fda1b27 (the policy asked about every open row,
  the outbox searched without an index on the assignment), taken out with `git archive`
  and run on a copy of the same file: at 100,000 only, at 1,000,000 it runs for long.

It prints the query plans of the due rows and of the written-slots look-up, and writes the
figures to benchmarks/RESULTS.md.
"""

import asyncio
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from results import record

ROOT = Path(__file__).resolve().parent.parent
BASE_COMMIT = "fda1b27"
SECTION = "Sweep at province scale (bench_sweep.py)"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2023, 6, 1, 9, 0, tzinfo=VN)  # a Thursday
STEADY = [START + timedelta(minutes=m) for m in range(1, 11)]
WEEK = START + timedelta(days=7)
TASKS = 100
STEADY_RUNS = {100_000: 10, 1_000_000: 10}
WEEK_RUNS = {100_000: 3, 1_000_000: 2}
OLD_STEADY_RUNS = {100_000: 2, 1_000_000: 0}
OLD_WEEK_RUNS = {100_000: 2, 1_000_000: 0}


def stored(moment: datetime) -> str:
    """An instant as SQLAlchemy stores it on SQLite (naive UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# --- building the file (child process) ------------------------------------------------------


def build(path: Path, size: int) -> dict[str, Any]:
    """Schema by the migrations, rows by sqlite3's executemany, then a first sweep."""
    from bot.service import open_app
    from bot.settings import Settings
    from storage.models import AT_ONCE_STORED

    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", data_dir=path.parent)

    async def migrate() -> None:
        async with open_app(settings):
            pass

    asyncio.run(migrate())
    started = time.perf_counter()
    units = size // TASKS
    rng = random.Random(9)
    now = stored(START - timedelta(days=120))
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "INSERT INTO plans (id, number, title, year, created_at, updated_at) "
        "VALUES (1, '32/KH-UBND', 'Kế hoạch thử tải', 2023, ?, ?)",
        (now, now),
    )
    db.executemany(
        "INSERT INTO units (id, name, kind, active, created_at) VALUES (?, ?, 'commune', 1, ?)",
        ((u, f"Đơn vị {u}", now) for u in range(1, units + 1)),
    )
    people = [(u, f"Đầu mối {u}", "focal", u) for u in range(1, units + 1)]
    people += [(units + n, f"Điều phối {n}", "coordinator", None) for n in (1, 2)]
    db.executemany(
        "INSERT INTO people (id, full_name, role, unit_id, is_deputy, away, active, created_at) "
        "VALUES (?, ?, ?, ?, 0, 0, 1, ?)",
        ((pid, name, role, unit, now) for pid, name, role, unit in people),
    )
    db.executemany(
        "INSERT INTO channel_identities (person_id, channel, user_id, chat_id, created_at) "
        "VALUES (?, 'telegram', ?, ?, ?)",
        ((pid, str(pid), str(pid), now) for pid, *_ in people),
    )
    deadlines = {}
    for t in range(1, TASKS + 1):
        ongoing = t % 10 == 0
        kind = "ongoing" if ongoing else "once"
        # Deadlines every 5 days from January 2023 to May 2024; ongoing ones the whole year.
        deadlines[t] = date(2023, 12, 31) if ongoing else date(2023, 1, 2) + timedelta(days=5 * t)
        db.execute(
            "INSERT INTO tasks (id, plan_id, code, title, lead_text, deadline_spec, kind, "
            "created_at, updated_at) VALUES (?, 1, ?, ?, 'x', 'd', ?, ?, ?)",
            (t, f"{t // 10}.{t % 10}", f"Nhiệm vụ {t}", kind, now, now),
        )

    def rows() -> Any:
        for t in range(1, TASKS + 1):
            for u in range(1, units + 1):
                done = rng.random() < 0.15
                yield (
                    t,
                    u,
                    "support" if (t + u) % 4 == 0 else "lead",
                    date(2023, 1, 1).isoformat(),
                    deadlines[t].isoformat(),
                    "done" if done else rng.choice(("not_started", "in_progress")),
                    None if done else AT_ONCE_STORED,
                    now,
                )

    db.executemany(
        "INSERT INTO assignments (task_id, unit_id, role, occurrence_key, period_start, "
        "deadline, status, next_remind_at, created_at) VALUES (?, ?, ?, 'once', ?, ?, ?, ?, ?)",
        rows(),
    )
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    built = time.perf_counter() - started
    (first,) = sweep_at(path, [START])
    return {"build_s": built, "first_s": first["seconds"], "first_written": first["written"]}


# --- measuring (child processes) -----------------------------------------------------------


def sweep_at(path: Path, moments: list[datetime]) -> list[dict[str, Any]]:
    """Sweeps of this checkout's code at `moments`, each batch its own transaction, on one
    engine whose connection is open before the clock starts (as in the running service)."""
    from scheduler.calendar import WorkCalendar
    from scheduler.jobs import run_sweep
    from scheduler.reminder_config import ReminderSettings
    from storage.db import create_engine, session_factory

    async def go() -> list[dict[str, Any]]:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await warm(engine)
            calendar, rules = WorkCalendar.load(), ReminderSettings()
            args = {"calendar": calendar, "config_for_plan": rules.for_plan}
            found = []
            for moment in moments:
                started = time.perf_counter()
                result = await run_sweep(
                    sessions=session_factory(engine), now=lambda m=moment: m, **args
                )
                seconds = time.perf_counter() - started
                found.append({"seconds": seconds, "written": result.written})
            return found
        finally:
            await engine.dispose()

    return asyncio.run(go())


async def warm(engine: Any) -> None:
    """Open the pooled connection (and its pragmas) before anything is timed."""
    async with engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")


def sweep_old(path: Path, moment: datetime) -> dict[str, Any]:
    """One sweep of commit fda1b27 (on PYTHONPATH) at `moment`, in one transaction as it did."""
    from scheduler.calendar import WorkCalendar
    from scheduler.reminder_config import ReminderSettings
    from scheduler.sweep import sweep
    from storage.db import create_engine, session_factory, transaction

    async def go() -> dict[str, Any]:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await warm(engine)
            calendar, rules = WorkCalendar.load(), ReminderSettings()
            started = time.perf_counter()
            async with transaction(session_factory(engine)) as session:
                result = await sweep(
                    session, now=moment, calendar=calendar, config_for_plan=rules.for_plan
                )
            return {"seconds": time.perf_counter() - started, "written": result.written}
        finally:
            await engine.dispose()

    return asyncio.run(go())


def measure(path: Path, what: str, runs: int) -> dict[str, Any]:
    """Steady sweeps (each a minute after the last) or one sweep after a week."""
    moments = STEADY[:runs] if what == "steady" else [WEEK]
    return {"runs": sweep_at(path, moments), "rss_mib": peak_rss_mib()}


def measure_old(path: Path, what: str) -> dict[str, Any]:
    result = sweep_old(path, STEADY[0] if what == "steady" else WEEK)
    return {"runs": [result], "rss_mib": peak_rss_mib()}


def plans(path: Path) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of the due rows (a later batch: past a cursor) and of the
    written-slots look-up, as SQLite runs them on the built file."""
    from sqlalchemy.dialects import sqlite

    from scheduler.sweep import OutboxMessage, ReminderKind, col, select
    from storage.models import AT_ONCE
    from storage.schedules import due_query

    due = due_query(now=START, after=(AT_ONCE, 1), limit=1000)
    written = select(col(OutboxMessage.payload)).where(
        col(OutboxMessage.status) != "failed",
        col(OutboxMessage.not_before) >= START,
        col(OutboxMessage.assignment_id).in_([1, 2, 3]),
        col(OutboxMessage.kind).in_([k.value for k in ReminderKind]),
    )
    db = sqlite3.connect(path)
    found = {}
    for name, query in (("due rows", due), ("written slots", written)):
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        found[name] = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)]
    db.close()
    return found


# --- the parent: one process per step --------------------------------------------------------


def child(*args: str, old: Path | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    if old is not None:
        env["PYTHONPATH"] = str(old)
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def old_code(folder: Path) -> Path | None:
    """Commit fda1b27's packages, for the baseline; None without git."""
    target = folder / "base"
    target.mkdir()
    try:
        archive = subprocess.run(
            ["git", "archive", BASE_COMMIT, "bot", "scheduler", "storage"],
            capture_output=True,
            check=True,
            cwd=ROOT,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        say(f"baseline unavailable ({exc}): only this checkout is measured")
        return None
    return target


def copy(db: Path, name: str) -> Path:
    target = db.with_name(name)
    shutil.copy(db, target)
    return target


def without_outbox_index(db: Path) -> Path:
    """The file as fda1b27's schema had it: no index on the outbox's assignment."""
    connection = sqlite3.connect(db)
    connection.execute("DROP INDEX ix_outbox_assignment_id")
    connection.commit()
    connection.close()
    return db


def one_size(size: int, folder: Path, old: Path | None) -> dict[str, Any]:
    db = folder / f"sweep-{size}.db"
    say(f"== {size:,} assignments: building {db}")
    built = child("build", str(db), str(size))
    say(
        f"built in {built['build_s']:.1f} s; first sweep (every open row) "
        f"{built['first_s']:.1f} s, {built['first_written']:,} reminders"
    )
    found: dict[str, Any] = {"size": size, **built, "plans": child("plans", str(db))}
    for name, lines in found["plans"].items():
        say(f"query plan, {name}: " + " | ".join(lines))
    steady = child("measure", str(copy(db, "steady.db")), "steady", str(STEADY_RUNS.get(size, 3)))
    found["steady"] = steady
    say(f"steady sweep: {_ms(steady['runs'])}, peak RSS {steady['rss_mib']:.0f} MiB")
    weeks = [
        child("measure", str(copy(db, f"week-{n}.db")), "week", "1")
        for n in range(WEEK_RUNS.get(size, 2))
    ]
    found["week"] = weeks
    say(f"first sweep after a week: {_s(weeks)}, peak RSS {_rss(weeks)}")
    if old is not None:
        for what, runs in (
            ("steady", OLD_STEADY_RUNS.get(size, 3)),
            ("week", OLD_WEEK_RUNS.get(size, 2)),
        ):
            found[f"old_{what}"] = [
                child(
                    "old",
                    str(without_outbox_index(copy(db, f"old-{what}-{n}.db"))),
                    what,
                    old=old,
                )
                for n in range(runs)
            ]
            if runs:
                runs_old = found[f"old_{what}"]
                say(f"{BASE_COMMIT} {what}: {_s(runs_old)}, RSS {_rss(runs_old)}")
    for leftover in folder.glob("*.db*"):
        leftover.unlink()
    return found


def _ms(runs: list[dict[str, Any]]) -> str:
    ms = [r["seconds"] * 1000 for r in runs]
    return f"median {statistics.median(ms):.1f} ms (" + ", ".join(f"{m:.1f}" for m in ms) + ")"


def _s(children: list[dict[str, Any]]) -> str:
    runs = [r for c in children for r in c["runs"]]
    return ", ".join(f"{r['seconds']:.1f} s ({r['written']:,} written)" for r in runs)


def _rss(children: list[dict[str, Any]]) -> str:
    return ", ".join(f"{c['rss_mib']:.0f} MiB" for c in children)


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "Built with bulk inserts: 100 tasks × N/100 units, a focal person per unit, two "
        "coordinators, 15 % done; a first sweep on 01/06/2023 09:00 looks at every open row "
        "(as after the migration). Then, each in its own process (peak RSS per process), on "
        "an engine whose connection is already open as in the service: the steady sweep "
        "each minute after (nothing new due; ten runs, the first of which pays first-use "
        "costs) and the first sweep after a week "
        "down (08/06/2023 09:00), for this checkout and for commit "
        f"{BASE_COMMIT} (every open row through the policy, outbox without the assignment "
        "index) on copies of the same file.",
        "",
        "| assignments | steady sweep | after a week | peak RSS | "
        f"{BASE_COMMIT} steady | {BASE_COMMIT} after a week | {BASE_COMMIT} RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        old_steady, old_week = r.get("old_steady", []), r.get("old_week", [])
        rss = max([r["steady"]["rss_mib"], *(w["rss_mib"] for w in r["week"])])
        lines.append(
            f"| {r['size']:,} | {_ms(r['steady']['runs'])} | {_s(r['week'])} | {rss:.0f} MiB | "
            f"{_s(old_steady) or '—'} | {_s(old_week) or '—'} | "
            f"{_rss([*old_steady, *old_week]) or '—'} |"
        )
    lines.append("")
    if any(not r.get("old_steady") for r in results):
        lines.append(
            f"- {BASE_COMMIT} is measured at 100,000 only: its look-up of written slots scans "
            "the outbox once per 500 candidates; on the 1,000,000 file (650,000 outbox rows) "
            "a single steady sweep had not ended after 5 minutes when it was stopped."
        )
    for r in results:
        lines.append(
            f"- {r['size']:,}: built in {r['build_s']:.0f} s; first sweep over every open row "
            f"{r['first_s']:.1f} s ({r['first_written']:,} reminders)."
        )
    lines += ["", "Query plans (SQLite, on the built file):", ""]
    for name, plan in results[-1]["plans"].items():
        lines.append(f"- {name}: `" + " | ".join(plan) + "`")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        what, *args = argv[1:]
        if what == "build":
            out = build(Path(args[0]), int(args[1]))
        elif what == "plans":
            out = plans(Path(args[0]))
        elif what == "measure":
            out = measure(Path(args[0]), args[1], int(args[2]))
        else:
            out = measure_old(Path(args[0]), args[1])
        say(json.dumps(out))
        return
    sizes = [int(a) for a in argv] or [100_000, 1_000_000]
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        old = old_code(folder)
        results = []
        for size in sizes:  # recorded after each size: a long run interrupted keeps its figures
            results.append(one_size(size, folder, old))
            record(SECTION, markdown(results))
    say(f"written to benchmarks/RESULTS.md, section {SECTION!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
