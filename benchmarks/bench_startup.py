"""Start-up: `nhacviec --help` wall time, and the service's memory while it waits.

A plain script (not a test). `--help` is run RUNS_HELP times in fresh processes. The service
is measured twice on one data folder, each time left idle for IDLE_SECONDS, its resident
memory read from /proc at the end (now and peak), then stopped:
- console: `nhacviec run` with no token on an empty folder (the console channel; the first
  start upgrades the schema and imports the example units and plan);
- Telegram: `nhacviec run` again on that database (the example plan in it, the schema at
  head), with TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL pointing at the project's fake
  Bot API on 127.0.0.1, long-polling it: the service as a district runs it.
`make bench`; with BENCH_BASELINE=<old checkout> the old code is measured the same way.
"""

import asyncio
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

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from runs import child_env, column_head, spread, table, trees  # noqa: E402

from tests.fakes import FakeBotApi  # noqa: E402

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


def idle_memory(tree: Path) -> dict[str, dict[str, float]]:
    """VmRSS and VmHWM (MiB) of `nhacviec run` after IDLE_SECONDS with nothing to do: first
    in the console on an empty folder, then with Telegram on the database that left."""
    folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = {
        **child_env(tree),
        "DATA_DIR": str(folder),
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'nhacviec.db'}",
        "LOG_LEVEL": "WARNING",
    }
    for token in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "PUBLIC_BASE_URL", "HEALTH_CHECK"):
        env.pop(token, None)
    try:
        console = asyncio.run(_idle(tree, env))
        telegram = asyncio.run(_idle_telegram(tree, env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"console": console, "telegram": telegram}


async def _idle_telegram(tree: Path, env: dict[str, str]) -> dict[str, float]:
    async with FakeBotApi() as api:
        return await _idle(
            tree,
            {
                **env,
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_BASE_URL": api.base_url,
                "TELEGRAM_FILE_BASE_URL": api.base_file_url,
            },
            polled=api,
        )


async def _idle(
    tree: Path, env: dict[str, str], polled: FakeBotApi | None = None
) -> dict[str, float]:
    service = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        ENTRY,
        "run",
        env=env,
        cwd="/",
        stdin=subprocess.PIPE,  # kept open: the console waits for input
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await asyncio.sleep(IDLE_SECONDS)  # the fake Bot API answers polls meanwhile
        if service.returncode is not None:
            raise SystemExit(f"the service stopped by itself ({tree})")
        if polled is not None and not polled.calls_to("getUpdates"):
            raise SystemExit(f"the service never polled the fake Bot API ({tree})")
        values = _memory(service.pid)
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(service.wait(), timeout=30)
        except TimeoutError:
            service.kill()
            await service.wait()
    return values


def _memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    values = {
        line.split(":")[0]: int(line.split()[1]) / 1024
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }
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
    ]
    for channel, name in (("console", "console, first start"), ("telegram", "Telegram")):
        rows += [
            [f"service idle, {name}: resident memory (MiB)"]
            + [spread([r[channel]["rss"] for r in found[label]["idle"]], 0) for label in labels],
            [f"service idle, {name}: peak resident memory (MiB)"]
            + [spread([r[channel]["peak"] for r in found[label]["idle"]], 0) for label in labels],
        ]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"`--help`: {RUNS_HELP} fresh processes per column. Service: `nhacviec run` read "
        f"after {IDLE_SECONDS} s with nothing to do, twice on one data folder: with no token "
        f"on an empty folder (the console channel; the first start creates the schema and "
        f"imports the example units and plan), then with TELEGRAM_BOT_TOKEN on that database, "
        f"long-polling the project's fake Bot API on 127.0.0.1 (no web page, no health "
        f"check); {RUNS_IDLE} runs per column. Load average at the end: {load}.\n\n"
        + table(header, rows)
        + "\n"
    )


if __name__ == "__main__":
    main()
