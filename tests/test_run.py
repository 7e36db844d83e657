"""`nhacviec run` as `make run` starts it: a fresh machine, no token, the example plan.

One test runs the installed `nhacviec` command as a process (the entry point, --help, the
console on real pipes); the others run the same `main` in this process, which is faster.
"""

import io
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from tests.factories import EXAMPLES, ROOT

NHACVIEC = Path(sys.executable).with_name("nhacviec")


def run_console(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str,
    *argv: str,
    **env: str,
) -> tuple[int, str, str]:
    """`nhacviec run` in this process, the console reading `stdin`; (code, stdout, stderr).

    The service runs on the real clock; the days around today are declared days off, so no
    reminder is sent into the console and the output is the same at 9:00 as at midnight."""
    today = datetime.now(UTC).date()
    days_off = "\n".join(f"  - date: {today + timedelta(days=n)}" for n in (-1, 0, 1))
    calendar = cli_env / "lich.yaml"
    calendar.write_text(f"days_off:\n{days_off}\n")
    monkeypatch.setenv("CALENDAR_FILE", str(calendar))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv or ("run", "--examples", str(EXAMPLES))))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_installed_command_answers_help_and_ends_the_console_at_end_of_input(
    tmp_path: Path,
) -> None:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN")
    }
    environment["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    environment["NHACVIEC_HOME"] = str(tmp_path)

    def nhacviec(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(NHACVIEC), *argv],
            input="",
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=environment,
        )

    help_ = nhacviec("--help")
    assert help_.returncode == 0 and "run" in help_.stdout and "import" in help_.stdout
    result = nhacviec("run", "--examples", str(EXAMPLES))
    assert result.returncode == 0 and "Nhắc việc — kênh dòng lệnh" in result.stdout


def test_first_run_loads_the_example_plan_and_answers_in_the_console(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_console(cli_env, monkeypatch, capsys, "/status\n/tasks\n1\n1\n/thoat\n")
    assert code == 0, err
    assert "đã nạp kế hoạch ví dụ" in out
    assert "Kế hoạch 32/KH-UBND: 30 nhiệm vụ mới" in out
    assert "vai trò cán bộ đầu mối của Phòng Tư pháp" in out
    assert "Phòng Tư pháp — Kế hoạch 32/KH-UBND" in out and "Chưa thực hiện: 18" in out
    assert "Nhiệm vụ đang mở của Phòng Tư pháp: 18" in out
    assert "Gõ số thứ tự (1–18) để cập nhật nhiệm vụ." in out
    # "1" opens the first task, whose buttons become numbered choices; "1" again is Hoàn thành.
    assert "Trả lời: 1 Hoàn thành · 2 Đang thực hiện · 3 Vướng mắc · 4 Xin gia hạn" in out
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year  # the demo is this year's plan
    assert f"Đã ghi nhận: nhiệm vụ 1.7 (quý I/{year}) — Hoàn thành" in out
    code, again, _ = run_console(cli_env, monkeypatch, capsys, "/status\n")
    assert code == 0
    assert "đã nạp kế hoạch ví dụ" not in again
    assert "Hoàn thành: 1" in again and "Chưa thực hiện: 17" in again


def test_end_of_input_ends_the_console_cleanly(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_console(cli_env, monkeypatch, capsys, "")
    assert code == 0 and "Nhắc việc — kênh dòng lệnh" in out


def test_a_placeholder_token_stops_the_service_with_the_name_to_set(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_console(cli_env, monkeypatch, capsys, "", TELEGRAM_BOT_TOKEN="changeme")
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN is still a placeholder" in err
    assert "changeme" not in out


def test_makefile_offers_the_two_commands() -> None:
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make run" in readme.split("\n## ")[0] and "make test" in readme.split("\n## ")[0]


def test_outside_the_project_the_first_run_says_where_the_examples_are(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_console(cli_env, monkeypatch, capsys, "", "run")
    assert code == 2
    assert "không thấy kế hoạch ví dụ" in err and "Traceback" not in err


def test_a_bad_log_level_is_named(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_console(cli_env, monkeypatch, capsys, "", LOG_LEVEL="verbose")
    assert code == 2 and "LOG_LEVEL='verbose' is not a log level" in err


def test_the_demo_plan_is_this_years(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 2023 example arrives as this year's plan: "Quý II/2023" is due 30/06 of this year,
    "trước ngày 15/12/2023" on 15/12, and nothing is years overdue."""
    code, out, err = run_console(cli_env, monkeypatch, capsys, "/status\n/tasks\n/thoat\n")
    assert code == 0, err
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    listing = out[out.index("Nhiệm vụ đang mở của Phòng Tư pháp") :]  # /tasks: each task once
    due = re.findall(r"— hạn (\d\d/\d\d/\d{4}) —", listing)
    assert len(due) == 18 and {d[-4:] for d in due} == {str(year)}
    assert f"hạn 30/06/{year}" in out and f"hạn 15/12/{year}" in out
    late = [int(n) for n in re.findall(r"quá hạn (\d+) ngày làm việc", out)]
    assert all(n < 260 for n in late)  # within this year's working days, not 900
