"""Write one benchmark's figures into benchmarks/RESULTS.md, with the machine and the date.

Each benchmark script calls `record(section, body)`: the section `## <section>` is replaced if
it is there (so a re-run updates its own figures) or appended, and is headed by the date and a
one-line description of the machine, read off the machine itself.
"""

import contextlib
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """'2 cores, AMD EPYC ..., 24 GiB, Linux 6.x, CPython 3.11.7', read off this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    commit = ""
    with contextlib.suppress(OSError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=RESULTS.parent,
        ).stdout.strip()
    return (
        f"{os.cpu_count()} cores, {cpu}{memory}, {platform.system()} {platform.release()}, "
        f"{platform.python_implementation()} {platform.python_version()}"
        + (f", commit {commit}" if commit else "")
    )


def record(section: str, body: str) -> None:
    """Replace (or append) `## <section>` in RESULTS.md with a dated, machine-stamped body."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"## {section}\n\n_{stamp} · {machine()}_\n\n{body.strip()}\n"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^## {re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: block + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
