"""A date far from its plan's year is refused where it enters (import, chat), and a bad date
that is already stored (written straight into the database) stops nothing else."""

import asyncio
import hashlib
import json
import stat
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.conversation.core import Conversation
from bot.service import App, open_app
from bot.settings import load_settings
from scheduler.jobs import run_sweep
from storage.db import transaction
from storage.models import Evidence, OutboxMessage
from storage.vocab import OutboxKind, OutboxStatus, PersonRole
from tests import factories
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import (
    assignment_of,
    deliver_reminder,
    register,
    text_of,
)
from tests.factories import EXAMPLES, xlsx

UNITS = str(EXAMPLES / "don-vi-huong-khe.yaml")
TP = "Phòng Tư pháp"
HEADER = ["STT", "Nhiệm vụ, giải pháp", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn hoàn thành"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def units(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, _, err = run(capsys, "units", "import", UNITS)
    assert code == 0, err
    return cli_env


def test_import_refuses_a_deadline_years_away_from_the_plan(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = xlsx(
        tmp_path / "typo.xlsx",
        [
            HEADER,
            ["1", "Đúng hạn", "Phòng Nội vụ", "", "30/6/2023"],
            ["2", "Gõ nhầm năm", "Phòng Tư pháp", "", "30/6/1023"],
            ["3", "Quá xa", "Phòng Tư pháp", "", date(2123, 6, 30)],
            ["4", "Vừa đủ", "Phòng Tư pháp", "", "31/12/2028"],
        ],
        title="Sheet",
    )
    code, out, err = run(capsys, "import", str(path), "--plan-number", "9/KH", "--year", "2023")
    assert code == 1 and out == ""
    assert "2 lỗi, chưa ghi gì" in err
    assert "Dòng 3, cột Thời hạn hoàn thành" in err and "30/6/1023" in err
    assert "Dòng 4, cột Thời hạn hoàn thành" in err and "30/06/2123" in err
    assert "01/01/2018 đến 31/12/2028" in err


def test_import_refuses_a_plan_year_the_calendar_does_not_know(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "p.xlsx", [HEADER, ["1", "Việc", "Phòng Nội vụ", "", "30/6/1023"]])
    code, _, err = run(capsys, "import", str(path), "--plan-number", "9/KH", "--year", "1023")
    assert code == 1
    assert "Năm của kế hoạch 1023 không hợp lệ" in err


async def _requested(app: App, convo: Conversation) -> tuple[Phone, Phone, int]:
    """Phòng Tư pháp asks to move task 2.2 (due 31/03/2023) to 15/04/2023."""
    lan = await register(app, convo, "501", TP, PersonRole.FOCAL)
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    target = await assignment_of(app, "2.2", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-2")
    await lan.send("xin gia hạn", reply_to_message_id="m-2")
    await lan.send("15/04/2023, chờ ý kiến Sở")
    async with app.sessions() as session:
        row = (
            await session.execute(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.EXTENSION_REQUEST)
            )
        ).scalar_one()
        row.status, row.message_id = OutboxStatus.SENT, "m-req"  # delivered to the coordinator
        await session.commit()
    return lan, boss, row.payload["target"]


@pytest.mark.parametrize("day", ["1/1/1990", "1/3/2023", "31/3/2023", "1/1/2990"])
async def test_a_coordinator_cannot_grant_a_date_before_the_deadline_or_years_away(
    app: App, convo: Conversation, day: str
) -> None:
    _lan, boss, _target = await _requested(app, convo)
    answer = await boss.send(day, reply_to_message_id="m-req")
    assert text_of(answer).startswith("Chưa gia hạn nhiệm vụ 2.2")
    assert "cần sau hạn hiện tại (31/03/2023) và không muộn hơn 31/12/2028" in text_of(answer)
    stored = await assignment_of(app, "2.2", TP)
    assert stored.deadline == date(2023, 3, 31) and stored.status == "extension_requested"
    granted = await boss.send("30/4/2023", reply_to_message_id="m-req")  # still open: a good date
    assert "Đã đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp đến 30/04/2023." in text_of(granted)


@pytest.mark.parametrize("day", ["1/1/1990", "1/1/2990", "1/1/2100"])
async def test_a_unit_cannot_propose_a_date_years_away(
    app: App, convo: Conversation, day: str
) -> None:
    lan = await register(app, convo, "501", TP, PersonRole.FOCAL)
    answer = await lan.send(f"/update 2.2 xin gia han den {day}")
    assert "không muộn hơn 31/12/2028" in text_of(answer)
    assert (await assignment_of(app, "2.2", TP)).status != "extension_requested"


# A bad date already stored: rows written straight into the database, as import never would.
BAD, GOOD = date(1023, 6, 30), date(2023, 6, 30)
FRIDAY_8AM = "2023-06-30T08:00"


async def _stored_bad_dates(app: App) -> dict[str, int]:
    """Plan 1/KH: one task due in 1023. Plan 2/KH: task 1 due 30/06/2023 for Phòng Tư pháp
    and task 2 due in 1023 for UBND xã Hương Trà. Both units have a focal person."""
    async with transaction(app.sessions) as s:
        bad_plan = await factories.plan(s, "1/KH")
        good_plan = await factories.plan(s, "2/KH")
        tp = await factories.unit(s, TP, "department")
        xa = await factories.unit(s, "UBND xã Hương Trà")
        for unit, user in ((tp, "1"), (xa, "2")):
            await factories.person(
                s, f"Đầu mối {user}", "focal", unit.id, channel="telegram", user_id=user
            )
        typo = await factories.task(s, bad_plan.id, "1")  # type: ignore[arg-type]
        good = await factories.task(s, good_plan.id, "1", title="Việc đúng hạn")  # type: ignore[arg-type]
        late = await factories.task(s, good_plan.id, "2", title="Việc gõ nhầm")  # type: ignore[arg-type]
        ids = {
            "typo": await factories.assignment(s, typo.id, tp.id, BAD),  # type: ignore[arg-type]
            "good": await factories.assignment(s, good.id, tp.id, GOOD),  # type: ignore[arg-type]
            "late": await factories.assignment(s, late.id, xa.id, BAD),  # type: ignore[arg-type]
        }
    return {name: a.id for name, a in ids.items()}  # type: ignore[misc]


async def _outbox_assignments(app: App) -> list[int | None]:
    async with app.sessions() as s:
        return list((await s.execute(select(OutboxMessage.assignment_id))).scalars())


async def test_the_sweep_writes_the_other_reminders_and_logs_the_bad_rows(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await _stored_bad_dates(app)
    result = await run_sweep(
        sessions=app.sessions,
        now=lambda: app.rules.calendar.instant(GOOD, time(8)),
        calendar=app.rules.calendar,
        config_for_plan=app.rules.reminders.for_plan,
    )
    assert result.written == 1
    assert await _outbox_assignments(app) == [ids["good"]]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2
    assert any(f"assignment {ids['typo']} (plan 1/KH, task 1" in m for m in skipped)
    assert any(f"assignment {ids['late']} (plan 2/KH, task 2" in m for m in skipped)
    assert all("CalendarError" in m and "1023-06-30" in m for m in skipped)


@pytest.fixture
async def bad_cli_db(cli_env: Path) -> dict[str, int]:
    async with open_app(load_settings(env_file=None)) as opened:
        return await _stored_bad_dates(opened)


async def test_remind_and_simulate_go_on_past_the_bad_rows(
    bad_cli_db: dict[str, int], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    code, out, err = await asyncio.to_thread(
        run, capsys, "remind", "--dry-run", "--at", FRIDAY_8AM, "--json"
    )
    assert code == 0, err
    assert [(r["plan"], r["task_code"]) for r in json.loads(out)] == [("2/KH", "1")]
    code, out, err = await asyncio.to_thread(
        run, capsys, "simulate", "--from", "2023-06-01", "--to", "2023-07-31", "--json"
    )
    assert code == 0, err
    assert sum(day["total"] for day in json.loads(out)) >= 3  # 7 days, 3 days, due, overdue...
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    # remind: each bad row once; simulate: each bad row once for the whole run
    assert len(skipped) == 4 and all("1023-06-30" in m for m in skipped)


async def test_the_digest_of_each_plan_is_made_despite_a_bad_row(
    bad_cli_db: dict[str, int], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    code, out, err = await asyncio.to_thread(
        run, capsys, "digest", "--at", "2023-07-05T15:00", "--format", "text", "--out", "d"
    )
    assert code == 0, err
    assert "1/KH" in out and "2/KH" in out
    counted = [r.getMessage() for r in caplog.records if "counted Monday-Friday" in r.getMessage()]
    assert any(f"plan 2/KH, assignment {bad_cli_db['late']}" in m for m in counted)


async def test_evidence_is_owner_only_and_a_full_disk_is_one_polite_line(
    app: App, convo: Conversation
) -> None:
    lan = await register(app, convo, "501", TP, PersonRole.FOCAL)
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-3")
    name = "報告書" * 40 + ".pdf"  # 360 bytes of name: more than a file system allows
    answer = await lan.send_file(b"%PDF-1.4 a", name, reply_to_message_id="m-3")
    assert "Đã lưu minh chứng cho nhiệm vụ 2.1" in text_of(answer)
    async with app.sessions() as session:
        stored = Path((await session.execute(select(Evidence))).scalar_one().storage_path)
    assert stored.name.endswith(".pdf") and _mode(stored) == 0o600
    assert _mode(stored.parent) == 0o700
    # A real write that fails with ENOSPC: the temporary file points at /dev/full.
    data = b"%PDF-1.4 b"
    part = stored.parent / f"{hashlib.sha256(data).hexdigest()[:16]}-full.pdf.part"
    _point_at_dev_full(part)
    answer = await lan.send_file(data, "full.pdf", reply_to_message_id="m-3")
    assert text_of(answer).startswith("Chưa lưu được tệp minh chứng")
    assert not _exists(stored.parent / part.name.removesuffix(".part"))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _point_at_dev_full(path: Path) -> None:
    path.symlink_to("/dev/full")


def _exists(path: Path) -> bool:
    return path.exists()
