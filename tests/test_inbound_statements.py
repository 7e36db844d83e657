"""What an everyday answer costs the database: a reminder's button, a reply to it, /status.

Every inbound is stored one transaction at a time (SQLite has one writer), so each statement
of an answer is a round trip that the other chats wait for. These guard the count the common
answers were cut to (benchmarks/bench_inbound.py --turns shows where each goes), beside what
the person sees, so that neither changes unnoticed."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from bot.conversation.core import Conversation
from bot.service import App
from storage.models import Assignment
from storage.vocab import AssignmentStatus
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import assignment_of, deliver_reminder, edits_of, text_of

TP = "Phòng Tư pháp"


@contextmanager
def statements(app: App) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = app.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def status_of(app: App, assignment_id: int) -> str:
    async with app.sessions() as session:
        query = select(Assignment.status).where(Assignment.id == assignment_id)
        return (await session.execute(query)).scalar_one()


async def test_a_reminders_done_button_costs_at_most_seven_statements(
    app: App, lan: Phone, convo: Conversation
) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-1")
    done = convo.deps.signer.payload("done", target.id, 1)
    with statements(app) as sent:
        answer = await lan.press(done, message_id="m-1")
    # the sender, the task, its UPDATE and history row, the reminder to rewrite, what the bot
    # now waits for (a photo of the result), the update's record
    assert len(sent) <= 7, sent
    (edited,) = edits_of(answer)
    assert edited.edit_message_id == "m-1" and "Hoàn thành — Nguyễn Thị Lan" in edited.text
    assert text_of(answer).startswith("Đã ghi nhận: nhiệm vụ 2.1 — Hoàn thành")
    assert await status_of(app, target.id) == AssignmentStatus.DONE


async def test_in_progress_and_snooze_buttons_cost_no_more(
    app: App, lan: Phone, convo: Conversation
) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-2")
    progress = convo.deps.signer.payload("progress", target.id, 1)
    with statements(app) as sent:
        answer = await lan.press(progress, message_id="m-2")
    assert len(sent) <= 7, sent
    assert "Đang thực hiện" in text_of(answer)
    snooze = convo.deps.signer.payload("snooze", target.id, 1)
    with statements(app) as sent:
        answer = await lan.press(snooze, message_id="m-2")
    # the sender, the task, the reminder to rewrite, the task's UPDATE, the update's record
    assert len(sent) <= 5, sent
    (edited,) = edits_of(answer)
    assert edited.edit_message_id == "m-2" and "Nhắc lại sau" not in [
        b.label for row in edited.buttons for b in row
    ]
    assert text_of(answer).startswith("Bot sẽ nhắc lại nhiệm vụ 2.1 vào")
    assert await status_of(app, target.id) == AssignmentStatus.IN_PROGRESS


async def test_a_reply_xong_costs_at_most_seven_statements(app: App, lan: Phone) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-3")
    with statements(app) as sent:
        answer = await lan.send("xong", reply_to_message_id="m-3")
    # as a button's: the task is read with the reminder the reply is about, in one statement
    assert len(sent) <= 7, sent
    assert text_of(answer).startswith("Đã ghi nhận: nhiệm vụ 2.1 — Hoàn thành")
    assert await status_of(app, target.id) == AssignmentStatus.DONE


async def test_status_costs_four_statements(lan: Phone, app: App) -> None:
    with statements(app) as sent:
        answer = await lan.send("/status")
    # the sender with their unit, the unit's tasks, the plans' numbers, the update's record
    assert len(sent) <= 4, sent
    assert text_of(answer).startswith(f"{TP} — Kế hoạch 32/KH-UBND (cập nhật 01/03/2023 09:00)")
