"""A full garbage collection in the service, before and after `gc.freeze()` at start-up.

`nhacviec run` freezes what start-up made (modules, the app, the channels) just before it
serves (`settled` in bot/cli/run.py): those objects live as long as the process, and without
the freeze every full collection walks all of them again (while it runs, no reminder goes
out and no answer is handled; the fan-out runs saw pauses of 100-220 ms on a loaded
machine). Each run is a
fresh process that imports what a Telegram service holds, then times `gc.collect()` (a full
collection) seven times before and seven times after `gc.freeze()`, in the same process.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results import record  # noqa: E402

RUNS = 3
PROBE = """
import gc, json, statistics, sys, time
import bot.service, bot.channels.telegram, bot.conversation.core, bot.delivery.worker
import scheduler.jobs, storage.sqlite_driver

def full():
    times = []
    for _ in range(7):
        start = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

tracked = len(gc.get_objects())
before = full()
gc.freeze()
print(json.dumps([tracked, before, full()]))
"""


def one() -> tuple[int, float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env
    ).stdout
    tracked, before, after = json.loads(out)
    return int(tracked), float(before), float(after)


def main() -> None:
    runs = [one() for _ in range(RUNS)]
    rows = "\n".join(
        f"| {n} | {tracked:,} | {before:.1f} | {after:.2f} |"
        for n, (tracked, before, after) in enumerate(runs, start=1)
    )
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    body = f"""
What a full garbage collection costs in a process holding the Telegram service's modules,
before and after `gc.freeze()` (which `nhacviec run` calls once start-up is over), in
the same process; {RUNS} fresh processes, median of seven collections each. After the
freeze a full collection walks only what the running service makes and still holds (rows
being sent, answers being handled), which this script does not build. Load average at the
end: {load}.

| run | objects tracked at start-up | full collection, ms, before freeze | after freeze |
|---|---|---|---|
{rows}
"""
    sys.stdout.write(body)
    record("Garbage collection after start-up (bench_gc.py)", body)


if __name__ == "__main__":
    start = time.monotonic()
    main()
    sys.stdout.write(f"({time.monotonic() - start:.1f} s)\n")
