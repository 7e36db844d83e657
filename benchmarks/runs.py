"""Running one measurement in a fresh process, against this tree or an older one.

A benchmark script measures in child processes (`python script.py measure ...`) so that each
run starts cold (imports, caches, peak memory). The old code is measured the same way with
`PYTHONPATH` pointing at a checkout of it: set `BENCH_BASELINE=/path/to/old/checkout` (for
example `git worktree add /tmp/base <commit>`) and every script adds a "before" column.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "2"))


def trees() -> list[tuple[str, Path]]:
    """("before", old checkout) when BENCH_BASELINE is set, then ("after", this tree)."""
    found = []
    base = os.environ.get("BENCH_BASELINE")
    if base:
        found.append(("before", Path(base).resolve()))
    found.append(("after", ROOT))
    return found


def baseline_commit() -> str | None:
    base = os.environ.get("BENCH_BASELINE")
    if not base:
        return None
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=base
    )
    return out.stdout.strip() or None


def column_head(label: str) -> str:
    """A table's column title for "before" (the baseline commit) or "after" (this tree)."""
    if label == "before":
        return f"before ({baseline_commit() or 'baseline'})"
    return "after (this tree)"


def child_env(tree: Path) -> dict[str, str]:
    """The environment of a process that imports `tree`'s code before the installed one."""
    return {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}


def measure(script: Path, tree: Path, *args: str) -> dict[str, Any]:
    """Run `script measure *args` with `tree` on the path; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, str(script), "measure", *args],
        capture_output=True,
        text=True,
        env=child_env(tree),
        cwd="/",  # not this tree: the current folder would come first on sys.path
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{script.name} measure failed ({tree})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spread(values: Sequence[float], digits: int = 2) -> str:
    """'0.41 / 0.44' for a few runs, or 'median (min–max)' for many."""
    if len(values) <= 3:
        return " / ".join(f"{v:.{digits}f}" for v in values)
    med = statistics.median(values)
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
