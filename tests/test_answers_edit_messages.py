"""Messages change when the answer comes: the answered reminder shows the new state and keeps
only the buttons that still make sense; a decided extension request loses its buttons on every
coordinator's copy (the decider's in the answer, the others' through the outbox)."""

import io

import pytest
from sqlalchemy import select, update

from bot.channels.base import Outbound
from bot.channels.console import ConsoleChannel
from bot.conversation.core import Conversation
from bot.service import App
from storage.db import transaction
from storage.models import OutboxMessage
from storage.vocab import OutboxKind, PersonRole
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import (
    assignment_of,
    button,
    deliver_reminder,
    edits_of,
    register,
    text_of,
)

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TP = "Phòng Tư pháp"


def labels(message: Outbound) -> list[str]:
    return [b.label for row in message.buttons for b in row]


async def test_a_reply_edits_the_reminder_it_answers(app: App, lan: Phone) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-9")
    answer = await lan.send("đã xong", reply_to_message_id="m-9")
    (edited,) = edits_of(answer)
    assert edited.edit_message_id == "m-9"
    assert edited.text.startswith("⏰ Nhắc hạn nhiệm vụ 2.1")
    assert edited.text.endswith(
        "✔️ Trạng thái: Hoàn thành — Nguyễn Thị Lan cập nhật lúc 09:00 01/03/2023"
    )
    assert labels(edited) == ["Sửa"]
    assert text_of(answer).startswith("Đã ghi nhận: nhiệm vụ 2.1 — Hoàn thành")


async def test_a_button_keeps_only_the_choices_that_still_make_sense(
    app: App, lan: Phone, convo: Conversation
) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-5")
    blocked = convo.deps.signer.payload("blocked", target.id, 1)
    asked = await lan.press(blocked, message_id="m-5")
    assert edits_of(asked) == []  # nothing is recorded until the reason comes
    answer = await lan.send("chưa có kinh phí")
    (edited,) = edits_of(answer)
    assert edited.edit_message_id == "m-5" and "Trạng thái: Vướng mắc — Nguyễn Thị Lan" in (
        edited.text
    )
    assert labels(edited) == ["Hoàn thành", "Đang thực hiện", "Xin gia hạn", "Sửa"]
    # "Sửa" on the edited reminder still corrects the answer.
    fix = await lan.press(button(answer, "Sửa"))
    assert "Chọn trạng thái đúng cho nhiệm vụ 2.1" in text_of(fix)


async def test_an_answer_without_a_delivered_reminder_edits_nothing(lan: Phone) -> None:
    answer = await lan.send("/update 2.1 xong")
    assert edits_of(answer) == [] and "Hoàn thành" in text_of(answer)


async def sent_requests(app: App, message_ids: dict[int, str]) -> dict[int, OutboxMessage]:
    """As if the worker had delivered each coordinator's copy of the request."""
    async with transaction(app.sessions) as session:
        for person_id, message_id in message_ids.items():
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.kind == OutboxKind.EXTENSION_REQUEST,
                    OutboxMessage.person_id == person_id,
                )
                .values(status="sent", message_id=message_id)
            )
    async with app.sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    return {r.person_id: r for r in rows if r.kind == OutboxKind.EXTENSION_REQUEST}


async def test_a_decided_request_changes_on_every_coordinators_copy(
    app: App, lan: Phone, convo: Conversation
) -> None:
    hung = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    await register(app, convo, "701", None, PersonRole.COORDINATOR)
    await lan.send("/update 2.2 xin gia hạn đến 14/04/2023, chờ ý kiến Sở")
    rows = await sent_requests(app, {2: "r-2", 3: "r-3"})
    approve = convo.deps.signer.payload("approve", rows[2].payload["target"], 2)
    decided = await hung.press(approve, message_id="r-2")
    (own,) = edits_of(decided)
    assert own.edit_message_id == "r-2" and own.buttons == ()
    assert own.text.startswith("📅 Đề nghị gia hạn nhiệm vụ 2.2:")
    assert own.text.endswith(
        "✅ Đã đồng ý gia hạn đến 14/04/2023 — Nguyễn Thị Lan, 09:00 01/03/2023"
    )
    assert "trả lời tin này bằng ngày" not in own.text
    async with app.sessions() as session:
        (other,) = (
            (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "edit")))
            .scalars()
            .all()
        )
    assert other.person_id == 3 and other.payload["edit_message_id"] == "r-3"
    assert other.payload["text"] == own.text and "buttons" not in other.payload


async def test_a_refusal_shows_the_deadline_that_stays(
    app: App, lan: Phone, convo: Conversation
) -> None:
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    await lan.send("/update 2.2 xin gia hạn đến 14/04/2023")
    rows = await sent_requests(app, {2: "r-2"})
    refuse = convo.deps.signer.payload("refuse", rows[2].payload["target"], 2)
    (own,) = edits_of(await boss.press(refuse))
    assert own.text.endswith(
        "❌ Không đồng ý gia hạn (hạn vẫn là 31/03/2023) — Nguyễn Thị Lan, 09:00 01/03/2023"
    )


async def test_a_copy_not_yet_sent_goes_out_already_decided(
    app: App, lan: Phone, convo: Conversation
) -> None:
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    await register(app, convo, "701", None, PersonRole.COORDINATOR)
    await lan.send("/update 2.2 xin gia hạn đến 14/04/2023")
    rows = await sent_requests(app, {2: "r-2"})  # the second copy is still waiting
    await boss.press(convo.deps.signer.payload("approve", rows[2].payload["target"], 2))
    async with app.sessions() as session:
        waiting = await session.get(OutboxMessage, rows[3].id)
    assert waiting is not None and waiting.status == "pending"
    assert waiting.payload["text"].endswith("Nguyễn Thị Lan, 09:00 01/03/2023")
    assert "buttons" not in waiting.payload


async def test_the_console_prints_an_edit_as_an_update() -> None:
    out = io.StringIO()
    console = ConsoleChannel("1", "Lan", stdin=io.StringIO(), stdout=out)
    sent = await console.send("1", Outbound("Trạng thái: Hoàn thành", edit_message_id="console-1"))
    assert sent.message_id == "console-1"
    assert out.getvalue() == "✏️ (cập nhật tin trước)\nTrạng thái: Hoàn thành\n\n"


async def test_later_edits_the_reminder_to_say_when_it_comes_back(app: App, lan: Phone) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-7")
    opened = await lan.press(lan.conversation.deps.signer.payload("snooze", target.id, 1))
    (edited,) = edits_of(opened)
    assert edited.edit_message_id == "m-7"
    assert edited.text.endswith(
        "⏰ Sẽ nhắc lại lúc 08:00 02/03/2023 — Nguyễn Thị Lan chọn nhắc lại sau"
    )
    assert "Nhắc lại sau" not in labels(edited) and "Hoàn thành" in labels(edited)
    assert text_of(opened) == "Bot sẽ nhắc lại nhiệm vụ 2.1 vào 08:00 02/03/2023."
