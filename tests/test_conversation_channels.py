"""The conversation's scenarios, each run on Telegram (buttons, replies) and on Zalo (numbered
choices, no replies: an answer is about the last open reminder), from one table."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.channels.base import Answer, Capabilities
from bot.conversation.core import Conversation
from bot.service import App
from storage.models import Evidence, OutboxMessage, StatusUpdate
from storage.vocab import OutboxKind, PersonRole
from tests.conversation_kit import (
    PHONE,
    ZALO_CAPS,
    Person,
    assignment_of,
    deliver_reminder,
    make_conversation,
    text_of,
)
from tests.factories import invite_code, load_example

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TP = "Phòng Tư pháp"


@dataclass(frozen=True)
class Side:
    channel: str
    caps: Capabilities
    replies: bool  # answers are replies to the reminder (Telegram); Zalo has no replies

    def about(self, message_id: str) -> dict[str, object]:
        """The fields that tie an answer to the reminder `message_id`, where a channel can."""
        return {"reply_to_message_id": message_id} if self.replies else {}


TELEGRAM = Side("telegram", PHONE, replies=True)
ZALO = Side("zalo", ZALO_CAPS, replies=False)


@dataclass
class World:
    app: App
    convo: Conversation
    side: Side
    lan: Person

    async def reminder(self, code: str, message_id: str) -> None:
        """A reminder about task `code` of Phòng Tư pháp, delivered to Lan on her channel."""
        target = await assignment_of(self.app, code, TP)
        await deliver_reminder(self.app, target, 1, message_id, channel=self.side.channel)

    async def answer(self, text: str, message_id: str) -> Answer:
        return await self.lan.send(text, **self.side.about(message_id))

    async def newcomer(self, user_id: str, unit: str | None, role: PersonRole) -> Person:
        person = Person(self.convo, user_id, caps=self.side.caps, channel=self.side.channel)
        code = await invite_code(self.app, unit, role)
        first = f"/start {code}" if self.side.replies else code  # on Zalo: the code alone
        assert "đã được đăng ký" in text_of(await person.send(first))
        return person


async def status_of(w: World, code: str) -> tuple[str, int | None]:
    stored = await assignment_of(w.app, code, TP)
    return stored.status, stored.progress


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


# --- the scenarios -------------------------------------------------------------------------


async def stranger_gets_one_polite_line(w: World) -> None:
    stranger = Person(w.convo, "999", caps=w.side.caps, channel=w.side.channel)
    assert "chưa được đăng ký" in text_of(await stranger.send("xin chào"))
    assert "chưa được đăng ký" in text_of(await stranger.send("/status"))


async def reminder_answered_by_text(w: World) -> None:
    await w.reminder("2.1", "m-77")
    answer = await w.answer("da xong, da gui bao cao so 45/BC-TP", "m-77")
    assert "Đã ghi nhận: nhiệm vụ 2.1 — Hoàn thành" in text_of(answer)
    assert 'Ghi chú: "da gui bao cao so 45/BC-TP".' in text_of(answer)
    assert await status_of(w, "2.1") == ("done", 100)


async def reminder_answered_with_a_percentage(w: World) -> None:
    await w.reminder("2.1", "m-5")
    answer = await w.answer("đang làm 60%", "m-5")
    assert "nhiệm vụ 2.1 — Đang thực hiện 60%" in text_of(answer)
    assert await status_of(w, "2.1") == ("in_progress", 60)


async def task_answered_by_number(w: World) -> None:
    tasks = await w.lan.send("/tasks")
    card = await w.lan.choose(tasks, 2)  # the second open task: 2.2
    assert "Nhiệm vụ 2.2" in text_of(card)
    done = await w.lan.choose(card, 1)  # Hoàn thành
    assert "nhiệm vụ 2.2 — Hoàn thành" in text_of(done)
    assert await status_of(w, "2.2") == ("done", 100)


async def task_answered_by_code(w: World) -> None:
    answer = await w.lan.send("2.1 đang làm 30%")
    assert "nhiệm vụ 2.1 — Đang thực hiện 30%" in text_of(answer)
    assert "nhiệm vụ 5.1 — Hoàn thành" in text_of(await w.lan.send("/xong 5.1"))
    assert "nhiệm vụ 2.2 — Hoàn thành" in text_of(await w.lan.send("/update 2.2 xong"))


async def blocker_asks_for_the_reason(w: World) -> None:
    await w.reminder("2.1", "m-1")
    asked = await w.answer("vướng", "m-1")
    assert text_of(asked) == "Anh/chị vui lòng nhắn ngắn gọn nội dung vướng mắc của nhiệm vụ 2.1."
    answer = await w.lan.send("chưa có kinh phí")
    assert "— Vướng mắc" in text_of(answer) and '"chưa có kinh phí"' in text_of(answer)
    assert (await status_of(w, "2.1"))[0] == "blocked"


async def extension_request_reaches_the_coordinator(w: World) -> None:
    boss = await w.newcomer("700", None, PersonRole.COORDINATOR)
    await w.reminder("2.2", "m-2")
    assert "đến ngày nào" in text_of(await w.answer("xin gia hạn", "m-2"))
    sent = await w.lan.send("15/04/2023, chờ ý kiến Sở Tư pháp")
    assert text_of(sent) == "Đã gửi đề nghị gia hạn nhiệm vụ 2.2 đến 15/04/2023 tới Phòng Nội vụ."
    async with w.app.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.EXTENSION_REQUEST)
        row = (await session.execute(query)).scalar_one()
    approve = w.convo.deps.signer.payload("approve", row.payload["target"], 2)
    assert "Đã đồng ý gia hạn nhiệm vụ 2.2" in text_of(await boss.press(approve))


async def evidence_file_for_the_reminder(w: World) -> None:
    await w.reminder("2.1", "m-3")
    answer = await w.lan.send_file(b"%PDF-1.4 signed", "Bao cao.pdf", **w.side.about("m-3"))
    assert "Đã lưu minh chứng cho nhiệm vụ 2.1: Bao cao.pdf (1 KB)." in text_of(answer)
    async with w.app.sessions() as session:
        evidence = (await session.execute(select(Evidence))).scalar_one()
    assert evidence.person_id == 1 and evidence.size == 15


async def evidence_file_after_an_answer(w: World) -> None:
    assert "Hoàn thành" in text_of(await w.lan.send("2.1 xong"))
    answer = await w.lan.send_file(b"%PDF signed", "bien ban.pdf")
    assert "Đã lưu minh chứng cho nhiệm vụ 2.1" in text_of(answer)


async def correction_by_choice(w: World) -> None:
    first = await w.lan.send("/update 2.1 xong")
    fix = await w.lan.choose(first, 1)  # Sửa
    assert "Chọn trạng thái đúng cho nhiệm vụ 2.1" in text_of(fix)
    corrected = await w.lan.choose(fix, 2)  # Đang thực hiện
    assert "— Đang thực hiện" in text_of(corrected)
    assert (await status_of(w, "2.1"))[0] == "in_progress"


async def snooze_by_choice(w: World) -> None:
    card = await w.lan.choose(await w.lan.send("/tasks"), 1)  # 1.7
    snoozed = await w.lan.choose(card, 5)  # Nhắc lại sau
    assert "Bot sẽ nhắc lại nhiệm vụ 1.7 (quý I/2023) vào 08:00 02/03/2023." in text_of(snoozed)


async def replayed_update_changes_nothing(w: World) -> None:
    inbound = w.lan.inbound(text="2.1 xong")
    first = await w.convo.handle(inbound, w.lan.caps, w.lan._download)
    second = await w.convo.handle(inbound, w.lan.caps, w.lan._download)
    assert "Hoàn thành" in text_of(first) and second.messages == []
    assert await count(w.app, StatusUpdate) == 1


async def unrelated_text_is_not_understood(w: World) -> None:
    await w.reminder("2.1", "m-8")
    assert "Bot chưa hiểu nội dung" in text_of(await w.answer("hôm nay trời đẹp", "m-8"))
    assert await status_of(w, "2.1") == ("not_started", None)


Scenario = Callable[[World], Awaitable[None]]
SCENARIOS: list[Scenario] = [
    stranger_gets_one_polite_line,
    reminder_answered_by_text,
    reminder_answered_with_a_percentage,
    task_answered_by_number,
    task_answered_by_code,
    blocker_asks_for_the_reason,
    extension_request_reaches_the_coordinator,
    evidence_file_for_the_reminder,
    evidence_file_after_an_answer,
    correction_by_choice,
    snooze_by_choice,
    replayed_update_changes_nothing,
    unrelated_text_is_not_understood,
]


@pytest.mark.parametrize("side", [TELEGRAM, ZALO], ids=lambda s: s.channel)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_the_scenario_runs_on_each_channel(
    app: App, tmp_path: Path, side: Side, scenario: Scenario
) -> None:
    await load_example(app)
    convo = make_conversation(app, tmp_path)
    lan = Person(convo, "501", caps=side.caps, channel=side.channel)
    w = World(app, convo, side, lan)
    w.lan = await w.newcomer("501", TP, PersonRole.FOCAL)
    await scenario(w)
