"""`nhacviec remind --dry-run` and `nhacviec simulate` on the example plan, run in-process."""

import asyncio
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.service import open_app
from bot.settings import load_settings
from storage.db import transaction
from storage.models import OutboxMessage, Unit
from tests import factories
from tests.factories import EXAMPLES

UNITS = str(EXAMPLES / "don-vi-huong-khe.yaml")
PLAN = str(EXAMPLES / "ke-hoach-32-KH-UBND-2023.yaml")
OFFICE = "Văn phòng HĐND và UBND"  # lead of 3.2, due 30/6/2023


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def _register(unit_name: str) -> None:
    async with open_app(load_settings(env_file=None)) as app, transaction(app.sessions) as s:
        unit = (await s.execute(select(Unit).where(Unit.name == unit_name))).scalar_one()
        await factories.person(s, "Nguyễn Văn A", "focal", unit.id, channel="telegram", user_id="1")
        await factories.person(s, "Lê C", "coordinator")


async def _outbox_rows() -> int:
    async with open_app(load_settings(env_file=None)) as app, app.sessions() as s:
        return (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()


@pytest.fixture(scope="module")
def planned_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the first `plan` of this module keeps its database for the others to copy."""
    return tmp_path_factory.mktemp("planned") / "cli.db"


@pytest.fixture
def plan(cli_env: Path, capsys: pytest.CaptureFixture[str], planned_db: Path) -> Path:
    """The example units and plan imported through the CLI, and one registered focal person.

    The first test of the module does it; the others start from a copy of its database
    (every CLI run has closed it, so the one file holds everything)."""
    if planned_db.exists():
        shutil.copy(planned_db, cli_env / "cli.db")
        return cli_env
    for argv in (("units", "import", UNITS), ("import", PLAN)):
        code, _, err = run(capsys, *argv)
        assert code == 0, err
    asyncio.run(_register(OFFICE))
    assert not (cli_env / "cli.db-wal").exists()
    shutil.copy(cli_env / "cli.db", planned_db)
    return cli_env


def test_dry_run_json_lists_what_would_go_out_and_writes_nothing(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "remind", "--dry-run", "--at", "2023-06-23T08:00", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows and all(
        {"task_code", "unit", "kind", "due_at", "person", "channel", "reason"} <= set(r)
        for r in rows
    )
    mine = [r for r in rows if r["task_code"] == "3.2" and r["unit"] == OFFICE]
    assert mine == [
        {
            "plan": "32/KH-UBND",
            "task_code": "3.2",
            "unit": OFFICE,
            "kind": "before_7d",
            "due_at": "2023-06-23T08:00:00+07:00",
            "deadline": "2023-06-30",
            "person": "Nguyễn Văn A",
            "person_id": mine[0]["person_id"],
            "channel": "telegram",
            "stands_in_for": None,
            "gap": None,
            "reason": "7 days before deadline 2023-06-30",
        }
    ]
    # Units with nobody registered are listed, so a coordinator sees who cannot be reached.
    nobody = {r["unit"] for r in rows if r["person"] is None and r["kind"] != "escalation"}
    assert "Phòng Tư pháp" in nobody and OFFICE not in nobody
    assert {r["gap"] for r in rows if r["person"] is None} == {"no_focal"}
    escalations = [r for r in rows if r["kind"] == "escalation"]
    assert escalations and {r["person"] for r in escalations} == {"Lê C"}
    assert all(r["due_at"].endswith("+07:00") for r in rows)
    assert asyncio.run(_outbox_rows()) == 0


def test_dry_run_text_says_why_and_to_whom(plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "remind", "--dry-run", "--at", "2023-06-23T08:00", "--plan", "32/KH-UBND"
    )
    assert code == 0
    assert "Xem trước lúc T6 23/06/2023 08:00" in out and "chưa ghi gì" in out
    assert "Trước hạn 7 ngày" in out and "Nguyễn Văn A" in out and "telegram" in out
    assert "chưa có đầu mối" in out and "còn 7 ngày đến hạn 30/06/2023" in out
    assert asyncio.run(_outbox_rows()) == 0


def test_dry_run_outside_the_window_says_it_waits(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "remind", "--dry-run", "--at", "2023-06-24T09:00")
    assert code == 0 and "ngoài giờ gửi" in out and "T7 24/06/2023" in out
    code, out, _ = run(capsys, "remind", "--dry-run", "--at", "2023-06-26T18:00", "--json")
    assert json.loads(out) == []


def test_remind_refuses_bad_options(plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "remind", "--at", "2023-06-23T08:00")
    assert code == 2 and "--dry-run" in err
    code, _, err = run(capsys, "remind", "--dry-run", "--plan", "99/KH")
    assert code == 2 and "Không có kế hoạch" in err
    with pytest.raises(SystemExit):
        run(capsys, "remind", "--dry-run", "--at", "hôm qua")
    code, _, err = run(capsys, "simulate", "--from", "2023-07-01", "--to", "2023-06-01")
    assert code == 2 and "--from" in err


def test_simulate_counts_each_days_reminders_by_kind_and_unit(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "simulate",
        "--from",
        "2023-06-19",
        "--to",
        "2023-07-07",
        "--plan",
        "32/KH-UBND",
        "--json",
    )
    assert code == 0, err
    days = {d["date"]: d for d in json.loads(out)}
    assert all(date.fromisoformat(d).weekday() < 5 for d in days)
    for entry in days.values():
        assert entry["total"] == sum(entry["kinds"].values()) == sum(entry["units"].values())
    _, tasks, _ = run(capsys, "tasks", "--json")
    due_30_6 = [
        r for r in json.loads(tasks) if r["deadline"] == "2023-06-30" and r["kind"] != "ongoing"
    ]
    lead = [r for r in due_30_6 if r["role"] == "lead"]
    # Supporting units are told once, on the day the lead's ladder starts, and never escalated.
    support = len(due_30_6) - len(lead)
    assert support and days["2023-06-23"]["kinds"] == {
        "before_7d": len(lead),
        "support_notice": support,
    }
    assert days["2023-06-27"]["kinds"] == {"before_3d": len(lead)}
    assert days["2023-06-30"]["kinds"]["due_today"] == len(lead)
    assert days["2023-07-03"]["kinds"] == {"monthly_checkin": days["2023-07-03"]["total"]}
    assert days["2023-07-07"]["kinds"] == {"escalation": len(lead)}
    # The first day catches up once with what was already late when the plan is switched on.
    assert {"overdue", "escalation", "monthly_checkin"} <= set(days["2023-06-19"]["kinds"])
    assert "2023-06-21" not in days  # every overdue one went out on 20/6; the next is 22/6
    assert days["2023-06-23"]["units"][OFFICE] >= 1


def test_simulate_text_shows_a_line_per_day_and_a_total(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "simulate", "--from", "2023-06-22", "--to", "2023-06-27")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Mô phỏng lời nhắc 22/06/2023 – 27/06/2023, mọi kế hoạch")
    assert any(
        line.startswith("T6 23/06/2023: ") and "Trước hạn 7 ngày: " in line for line in lines
    )
    assert not any(line.startswith(("T7 24/06", "CN 25/06")) for line in lines)
    assert lines[-1].startswith("Tổng: ")
    code, out, _ = run(capsys, "simulate", "--from", "2023-06-24", "--to", "2023-06-25")
    assert "Không có lời nhắc nào" in out


def test_extra_days_off_and_plan_rules_come_from_the_configured_files(
    plan: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calendar = plan / "ngay-nghi.yaml"
    calendar.write_text("days_off:\n  - date: 2023-06-23\n    note: nghỉ đột xuất\n")
    rules = plan / "nhac-viec.yaml"
    rules.write_text('plans:\n  "32/KH-UBND":\n    second_days_before: false\n')
    monkeypatch.setenv("CALENDAR_FILE", str(calendar))
    monkeypatch.setenv("REMINDER_CONFIG_FILE", str(rules))
    code, out, _ = run(capsys, "simulate", "--from", "2023-06-20", "--to", "2023-06-28", "--json")
    days = {d["date"]: d["kinds"] for d in json.loads(out)}
    assert "before_7d" in days["2023-06-22"]  # the 7-day reminder moves before the day off
    assert "2023-06-23" not in days  # the day off
    assert "before_3d" not in days["2023-06-27"]  # turned off for this plan


def test_a_bad_rules_file_is_refused_with_the_reason(
    plan: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = plan / "nhac-viec.yaml"
    rules.write_text("defaults:\n  send_at: 8:00\n  gio_gui: 1\n")
    monkeypatch.setenv("REMINDER_CONFIG_FILE", str(rules))
    code, _, err = run(capsys, "remind", "--dry-run", "--at", "2023-06-23T08:00")
    assert code == 2 and "reminder configuration error" in err and "gio_gui" in err
    monkeypatch.setenv("REMINDER_CONFIG_FILE", str(plan / "khong-co.yaml"))
    code, _, err = run(capsys, "remind", "--dry-run")
    assert code == 2 and "REMINDER_CONFIG_FILE" in err


def test_the_shipped_example_rules_file_is_the_defaults(plan: Path) -> None:
    from scheduler.reminder_config import ReminderConfig, load_reminder_settings

    settings = load_reminder_settings(EXAMPLES / "nhac-viec.yaml")
    assert settings.defaults == ReminderConfig() and settings.plans == {}
