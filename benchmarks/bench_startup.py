"""Start-up: `nhacviec --help` wall time, and the service's memory while it waits.

A plain script (not a test). `--help` is run RUNS_HELP times in fresh processes. The service
(`nhacviec run` with no token: the console channel, the example plan loaded on first start)
is started on an empty data folder and left idle for IDLE_SECONDS with its input open; its
resident memory is read from /proc at the end (now and peak), then it is stopped.
`make bench`; with BENCH_BASELINE=<old checkout> the old code is measured the same way.
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runs import child_env, column_head, spread, table, trees

RUNS_HELP = 7
RUNS_IDLE = 2
IDLE_SECONDS = 20
ENTRY = "import sys; from bot.cli.main import main; sys.exit(main())"


def help_seconds(tree: Path) -> tuple[float, float]:
    """Wall time of `nhacviec --help`, and the CPU time of its process (user + system)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", ENTRY, "--help"],
        env=child_env(tree),
        cwd="/",
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - used.ru_utime) + (after.ru_stime - used.ru_stime)


def idle_memory(tree: Path) -> dict[str, float]:
    """VmRSS and VmHWM (MiB) of `nhacviec run` after IDLE_SECONDS with nothing to do."""
    folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = {
        **child_env(tree),
        "DATA_DIR": str(folder),
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'nhacviec.db'}",
        "LOG_LEVEL": "WARNING",
    }
    for token in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN"):
        env.pop(token, None)
    service = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "run"],
        env=env,
        cwd="/",
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(IDLE_SECONDS)
        if service.poll() is not None:
            raise SystemExit(f"the service stopped by itself ({tree})")
        status = Path(f"/proc/{service.pid}/status").read_text()
        values = {
            line.split(":")[0]: int(line.split()[1]) / 1024
            for line in status.splitlines()
            if line.startswith(("VmRSS", "VmHWM"))
        }
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        shutil.rmtree(folder, ignore_errors=True)
    return {"rss": values["VmRSS"], "peak": values["VmHWM"]}


def main() -> None:
    from results import record

    found: dict[str, dict[str, Any]] = {}
    for label, tree in trees():
        helps = [help_seconds(tree) for _ in range(RUNS_HELP)]
        idle = [idle_memory(tree) for _ in range(RUNS_IDLE)]
        found[label] = {"help": helps, "idle": idle}
        sys.stdout.write(f"{label}: --help {helps} s; idle {idle}\n")
    record("Start-up (bench_startup.py)", _body(found))


def _body(found: dict[str, dict[str, Any]]) -> str:
    labels = list(found)
    header = ["measure"] + [column_head(label) for label in labels]
    rows = [
        ["`nhacviec --help`, wall seconds: median (min–max)"]
        + [spread([wall for wall, _ in found[label]["help"]]) for label in labels],
        ["`nhacviec --help`, CPU seconds: median (min–max)"]
        + [spread([cpu for _, cpu in found[label]["help"]]) for label in labels],
        ["service idle: resident memory (MiB)"]
        + [spread([r["rss"] for r in found[label]["idle"]], 0) for label in labels],
        ["service idle: peak resident memory (MiB)"]
        + [spread([r["peak"] for r in found[label]["idle"]], 0) for label in labels],
    ]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"`--help`: {RUNS_HELP} fresh processes per column. Service: `nhacviec run` with no "
        f"token (the console channel; the example units and plan are imported on the first "
        f"start), on an empty data folder, read after {IDLE_SECONDS} s with nothing to do; "
        f"{RUNS_IDLE} runs per column. Load average at the end: {load}.\n\n"
        + table(header, rows)
        + "\n"
    )


if __name__ == "__main__":
    main()
