"""`nhacviec run` as `make run` starts it: a fresh machine, no token, the example plan."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT

NHACVIEC = Path(sys.executable).with_name("nhacviec")


def run_console(tmp_path: Path, stdin: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN")
    }
    environment.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}", **env)
    return subprocess.run(
        [str(NHACVIEC), "run", "--examples", str(EXAMPLES)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=environment,
    )


def test_first_run_loads_the_example_plan_and_answers_in_the_console(tmp_path: Path) -> None:
    first = run_console(tmp_path, "/status\n/tasks Phòng Tư pháp\n/overdue\n/thoat\n")
    assert first.returncode == 0, first.stderr
    assert "đã nạp kế hoạch ví dụ" in first.stdout
    assert "Kế hoạch 32/KH-UBND: 30 nhiệm vụ mới" in first.stdout
    assert "Chưa thực hiện:" in first.stdout and "Quá hạn:" in first.stdout
    assert "Phòng Tư pháp" in first.stdout and "Nhiệm vụ quá hạn tại" in first.stdout
    again = run_console(tmp_path, "/help\n")
    assert again.returncode == 0
    assert "đã nạp kế hoạch ví dụ" not in again.stdout and "/overdue" in again.stdout


def test_end_of_input_ends_the_console_cleanly(tmp_path: Path) -> None:
    result = run_console(tmp_path, "")
    assert result.returncode == 0 and "Nhắc việc" in result.stdout


def test_a_placeholder_token_stops_the_service_with_the_name_to_set(tmp_path: Path) -> None:
    result = run_console(tmp_path, "", TELEGRAM_BOT_TOKEN="changeme")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is still a placeholder" in result.stderr
    assert "changeme" not in result.stdout


def test_makefile_offers_the_two_commands() -> None:
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make run" in readme.split("\n## ")[0] and "make test" in readme.split("\n## ")[0]
