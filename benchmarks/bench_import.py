"""Import of a 5,000-row appendix, as an .xlsx and as a .csv.

A plain script (not a test). The appendix is made from the rows of the example plan
(examples/ke-hoach-32-KH-UBND-2023.xlsx) repeated under new codes and titles, in 8 areas:
the same unit names, groups ("các xã, thị trấn") and deadline specs, so about 28,000
assignments. Each measurement is a fresh process that imports the example units into an
empty database, then times the first import of the appendix and a re-import of the same
file (every task kept, updated in place). `make bench`; with BENCH_BASELINE=<old checkout>
the old code is measured on the same files (benchmarks/runs.py).
"""

import asyncio
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runs import (
    ROOT,
    RUNS,
    column_head,
    measure,
    peak_rss_mib,
    spread,
    table,
    trees,
)

ROWS = 5_000
EXAMPLE = ROOT / "examples" / "ke-hoach-32-KH-UBND-2023.xlsx"
UNITS = ROOT / "examples" / "don-vi-huong-khe.yaml"
NOW = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")


def appendix() -> tuple[list[Any], list[list[Any]]]:
    """The example's title rows and header, then ROWS task rows in 8 areas."""
    import openpyxl

    sheet = openpyxl.load_workbook(EXAMPLE, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r[0] == "STT")
    tasks = [r for r in rows[header_at + 1 :] if r[0] and r[0] not in ROMAN and r[2]]
    # Most tasks go to one unit, as in a real appendix; one in eight keeps the example's
    # lead text (often a group: "các phòng, ban, đơn vị"), one in four its supporting units.
    single = sorted(
        {
            r[2]
            for r in tasks
            if not any(c in r[2].lower() for c in ",;") and "các" not in r[2].lower()
        }
    )
    body: list[list[Any]] = []
    per_area = ROWS // len(ROMAN) - 1  # with its area row: ROWS rows, the most allowed
    for area, roman in enumerate(ROMAN):
        body.append([roman, f"LĨNH VỰC THỬ TẢI SỐ {area + 1}", None, None, None, None, None])
        for n in range(per_area):
            i = area * per_area + n
            base = tasks[i % len(tasks)]
            code = f"{area + 1}.{n + 1}"
            lead = base[2] if i % 8 == 0 else single[i % len(single)]
            support = base[3] if i % 4 == 0 else None
            title = f"{base[1]} (nhiệm vụ thử tải {code})"
            body.append([code, title, lead, support, *base[4:]])
    return rows[: header_at + 1], body


def write_files(folder: Path) -> dict[str, Path]:
    import openpyxl

    head, body = appendix()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Phụ lục"
    for row in head + body:
        sheet.append(row)
    xlsx = folder / "phu-luc-5000.xlsx"
    book.save(xlsx)
    csv_path = folder / "phu-luc-5000.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([["" if v is None else v for v in r] for r in head + body])
    return {"xlsx": xlsx, "csv": csv_path}


# --- one measurement (in a fresh process, with the tree under test on the path) ------------


async def measure_once(path: Path, folder: Path) -> dict[str, Any]:
    from bot.clock import FixedClock
    from bot.importing.service import PlanOptions, import_plan_file, import_units_file
    from bot.service import open_app
    from bot.settings import Settings

    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder / 'import.db'}", data_dir=folder)
    found: dict[str, Any] = {}
    async with open_app(settings, FixedClock(NOW)) as app:
        await import_units_file(app.sessions, UNITS)
        options = PlanOptions(number="99/KH-THU", issued_on=NOW.date())
        for step in ("first", "again"):
            wall, cpu = time.perf_counter(), time.process_time()
            report = await import_plan_file(app.sessions, path, options, now=NOW)
            found[step] = [time.perf_counter() - wall, time.process_time() - cpu]
        found["assignments"] = report.assignments_active
        found["tasks"] = report.tasks_created + report.tasks_updated
    found["rss"] = peak_rss_mib()
    return found


# --- the script ------------------------------------------------------------------------------


def main() -> None:
    from results import record

    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        files = write_files(folder)
        found: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for label, tree in trees():
            for kind, path in files.items():
                found.setdefault(label, {})[kind] = _runs(folder, label, kind, tree, path)
        record("Import of a 5,000-row appendix (bench_import.py)", _body(found))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _runs(folder: Path, label: str, kind: str, tree: Path, path: Path) -> list[dict[str, Any]]:
    runs = []
    for n in range(RUNS):
        work = folder / f"{label}-{kind}-{n}"
        work.mkdir()
        result = measure(Path(__file__), tree, str(path), str(work))
        shutil.rmtree(work, ignore_errors=True)
        sys.stdout.write(f"{label} {kind} run {n + 1}: {json.dumps(result)}\n")
        runs.append(result)
    return runs


def _body(found: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    labels = list(found)
    header = ["step (seconds)"]
    for label in labels:
        header += [f"{column_head(label)}: wall", f"{label}: CPU"]
    rows = []
    for kind in ("xlsx", "csv"):
        for step, title in (("first", "first import"), ("again", "re-import, unchanged")):
            row = [f"{kind}: {title}"]
            for label in labels:
                runs = found[label][kind]
                row += [spread([r[step][0] for r in runs]), spread([r[step][1] for r in runs])]
            rows.append(row)
    row = ["peak RSS (MiB)"]
    for label in labels:
        row += [spread([r["rss"] for r in found[label]["xlsx"]], 0), ""]
    rows.append(row)
    last = found[labels[-1]]["xlsx"][-1]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"A {ROWS:,}-row appendix made from the example plan's rows ({last['tasks']:,} tasks, "
        f"{last['assignments']:,} assignments over the example's 36 units), imported into a "
        f"database holding only the units, then imported again unchanged. Each run is a fresh "
        f"process; {RUNS} runs per column. Wall time on this shared machine depends on what "
        f"else runs (load average {load}); CPU time is the process's own.\n\n"
        + table(header, rows)
        + "\n"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        path, out = Path(sys.argv[2]), Path(sys.argv[3])
        sys.stdout.write(json.dumps(asyncio.run(measure_once(path, out))) + "\n")
    else:
        main()
