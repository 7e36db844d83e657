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
    first = run_console(tmp_path, "/status\n/tasks\n1\n1\n/thoat\n")
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "đã nạp kế hoạch ví dụ" in out
    assert "Kế hoạch 32/KH-UBND: 30 nhiệm vụ mới" in out
    assert "vai trò đầu mối của Phòng Tư pháp" in out
    assert "Phòng Tư pháp — Kế hoạch 32/KH-UBND" in out and "Chưa thực hiện: 18" in out
    assert "Nhiệm vụ đang mở của Phòng Tư pháp: 18" in out
    assert "Gõ số thứ tự (1–18) để cập nhật nhiệm vụ." in out
    # "1" opens the first task, whose buttons become numbered choices; "1" again is Hoàn thành.
    assert "Trả lời: 1 Hoàn thành · 2 Đang thực hiện · 3 Vướng mắc · 4 Xin gia hạn" in out
    assert "Đã ghi nhận: nhiệm vụ 1.7 — Hoàn thành" in out
    again = run_console(tmp_path, "/status\n")
    assert again.returncode == 0
    assert "đã nạp kế hoạch ví dụ" not in again.stdout
    assert "Hoàn thành: 1" in again.stdout and "Chưa thực hiện: 17" in again.stdout


def test_end_of_input_ends_the_console_cleanly(tmp_path: Path) -> None:
    result = run_console(tmp_path, "")
    assert result.returncode == 0 and "Nhắc việc — kênh dòng lệnh" in result.stdout


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


def test_outside_the_project_the_first_run_says_where_the_examples_are(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    result = subprocess.run(
        [str(NHACVIEC), "run"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=environment,
    )
    assert result.returncode == 2
    assert "không thấy kế hoạch ví dụ" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_log_level_is_named(tmp_path: Path) -> None:
    result = run_console(tmp_path, "", LOG_LEVEL="verbose")
    assert result.returncode == 2 and "LOG_LEVEL='verbose' is not a log level" in result.stderr
