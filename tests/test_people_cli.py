"""`nhacviec people`: who is registered, and a focal person away hands reminders to the deputy."""

import asyncio
import json
from pathlib import Path

import pytest

from bot.service import open_app
from bot.settings import load_settings
from storage.vocab import PersonRole
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import make_conversation
from tests.factories import invite_code
from tests.test_import import PLAN_YAML, UNITS, run

pytestmark = pytest.mark.backends("sqlite", "postgresql")


async def _register(tmp_path: Path) -> None:
    async with open_app(load_settings(env_file=None)) as app:
        conversation = make_conversation(app, tmp_path)
        for user_id, name, deputy in (("11", "Nguyễn Thị Lan", False), ("12", "Lê Văn Phó", True)):
            code = await invite_code(app, "Phòng Tư pháp", PersonRole.FOCAL, deputy=deputy)
            await Phone(conversation, user_id, name=name).send(f"/start {code}")


def test_away_focal_person_hands_reminders_to_the_deputy(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "units", "import", UNITS)[0] == 0
    assert run(capsys, "import", str(PLAN_YAML))[0] == 0
    asyncio.run(_register(cli_env))
    code, out, _ = run(capsys, "people", "list", "--json")
    people = json.loads(out)
    assert code == 0
    assert [(p["name"], p["deputy"], p["unit"], p["channels"]) for p in people] == [
        ("Nguyễn Thị Lan", False, "Phòng Tư pháp", ["telegram"]),
        ("Lê Văn Phó", True, "Phòng Tư pháp", ["telegram"]),
    ]
    at = ["remind", "--dry-run", "--at", "2023-03-24T08:00", "--json"]

    def ours(out: str) -> list[dict]:
        return [r for r in json.loads(out) if r["unit"] == "Phòng Tư pháp"]

    before = ours(run(capsys, *at)[1])
    assert before and {r["person"] for r in before} == {"Nguyễn Thị Lan"}
    code, out, _ = run(capsys, "people", "away", str(people[0]["id"]))
    assert code == 0 and "Nguyễn Thị Lan vắng mặt" in out
    during = ours(run(capsys, *at)[1])
    assert {r["person"] for r in during} == {"Lê Văn Phó"}
    assert [r["task_code"] for r in during] == [r["task_code"] for r in before]
    run(capsys, "people", "away", str(people[0]["id"]), "--back")
    assert {r["person"] for r in ours(run(capsys, *at)[1])} == {"Nguyễn Thị Lan"}
    code, _, err = run(capsys, "people", "away", "999")
    assert code == 2 and "Không có người mang mã số 999" in err


async def _register_deputy_only(tmp_path: Path) -> None:
    async with open_app(load_settings(env_file=None)) as app:
        conversation = make_conversation(app, tmp_path)
        code = await invite_code(app, "Phòng Y tế", PersonRole.FOCAL, deputy=True)
        await Phone(conversation, "21", name="Trần Phó Y Tế").send(f"/start {code}")


def test_a_unit_with_only_a_deputy_is_reminded_through_the_deputy(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "units", "import", UNITS)[0] == 0
    assert run(capsys, "import", str(PLAN_YAML))[0] == 0
    asyncio.run(_register_deputy_only(cli_env))
    out = run(capsys, "remind", "--dry-run", "--at", "2023-03-24T08:00", "--json")[1]
    rows = [r for r in json.loads(out) if r["unit"] == "Phòng Y tế"]
    assert rows and {r["person"] for r in rows} == {"Trần Phó Y Tế"}
