"""The channel-agnostic conversation, driven as officials would use it, on a real SQLite file."""

import hashlib
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.conversation.core import Conversation
from bot.importing.service import PlanOptions, import_plan_file
from bot.service import App
from storage.db import transaction
from storage.models import Assignment, Evidence, OutboxMessage, StatusUpdate, Task
from storage.vocab import OutboxKind, PersonRole
from tests.conversation_kit import (
    PLAIN,
    assignment_of,
    button,
    deliver_reminder,
    register,
    text_of,
)
from tests.conversation_kit import (
    Person as Phone,
)
from tests.factories import EXAMPLES, invite_code
from tests.fakes.clock import ManualClock

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TP = "Phòng Tư pháp"


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_strangers_get_one_polite_line(convo: Conversation) -> None:
    answer = await Phone(convo, "999").send("/status")
    assert text_of(answer) == (
        "Anh/chị chưa được đăng ký sử dụng bot này. Vui lòng liên hệ Phòng Nội vụ để nhận mã mời."
    )


async def test_an_invite_registers_once_and_welcomes_by_unit(app: App, convo: Conversation) -> None:
    code = await invite_code(app, TP, PersonRole.FOCAL)
    assert len(code) == 22 and code.replace("-", "").replace("_", "").isalnum()
    answer = await Phone(convo, "501").send(f"/start {code}")
    assert "đầu mối của Phòng Tư pháp cho Kế hoạch 32/KH-UBND" in text_of(answer)
    again = await Phone(convo, "502").send(f"/start {code}")
    assert "đã hết hạn hoặc đã được sử dụng" in text_of(again)


async def test_an_expired_invite_is_refused(
    app: App, convo: Conversation, clock: ManualClock
) -> None:
    code = await invite_code(app, TP, PersonRole.FOCAL, days=1)
    clock.advance(days=2)
    assert "đã hết hạn" in text_of(await Phone(convo, "503").send(f"/start {code}"))


async def test_a_replayed_update_changes_nothing(app: App, lan: Phone, convo: Conversation) -> None:
    inbound = lan.inbound(text="/update 2.1 xong")
    first = await convo.handle(inbound, lan.caps, lan._download)
    second = await convo.handle(inbound, lan.caps, lan._download)
    assert "Hoàn thành" in text_of(first) and second.messages == []
    assert await count(app, StatusUpdate) == 1


async def test_a_reply_to_a_reminder_is_read_and_confirmed(app: App, lan: Phone) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-77")
    answer = await lan.send("da xong, da gui bao cao so 45/BC-TP", reply_to_message_id="m-77")
    assert text_of(answer).startswith(
        "Đã ghi nhận: nhiệm vụ 2.1 — Hoàn thành (01/03/2023, trước hạn 305 ngày)."
    )
    assert 'Ghi chú: "da gui bao cao so 45/BC-TP".' in text_of(answer)
    assert button(answer, "Sửa")
    stored = await assignment_of(app, "2.1", TP)
    assert (
        stored.status == "done"
        and stored.progress == 100
        and stored.completed_at == app.clock.now()
    )


async def test_buttons_update_only_the_task_they_were_shown_for(
    app: App, lan: Phone, convo: Conversation
) -> None:
    tasks = await lan.send("/tasks")
    opened = await lan.press(button(tasks, tasks.messages[0].buttons[0][0].label))
    done = await lan.press(button(opened, "Hoàn thành"))
    assert "— Hoàn thành" in text_of(done) and done.toast == "Hoàn thành"
    # The same payload pressed by someone else, a forged one, and another unit's task.
    other = await register(app, convo, "601", "Phòng Nội vụ", PersonRole.FOCAL)
    stolen = await other.press(button(opened, "Vướng mắc"))
    assert "không còn hiệu lực" in text_of(stolen)
    forged = await lan.press("done:1:AAAAAAAAAAAAAAAA")
    assert "không còn hiệu lực" in text_of(forged)
    foreign = await assignment_of(app, "4.1", "Phòng Nội vụ")
    signed = convo.deps.signer.payload("done", foreign.id, 1)
    assert "không có quyền" in text_of(await lan.press(signed))
    assert (await assignment_of(app, "4.1", "Phòng Nội vụ")).status == "not_started"


async def test_blocked_asks_for_the_reason_then_records_it(app: App, lan: Phone) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-1")
    asked = await lan.send("vướng", reply_to_message_id="m-1")
    assert text_of(asked) == "Anh/chị vui lòng nhắn ngắn gọn nội dung vướng mắc của nhiệm vụ 2.1."
    answer = await lan.send("chưa có kinh phí")
    assert "— Vướng mắc" in text_of(answer) and '"chưa có kinh phí"' in text_of(answer)
    assert (await assignment_of(app, "2.1", TP)).status == "blocked"


async def test_extension_goes_to_coordinators_who_approve_with_a_button(
    app: App, lan: Phone, convo: Conversation
) -> None:
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    target = await assignment_of(app, "2.2", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-2")
    asked = await lan.send("xin gia hạn", reply_to_message_id="m-2")
    assert "đến ngày nào" in text_of(asked)
    sent = await lan.send("15/04/2023, chờ ý kiến Sở Tư pháp")
    assert text_of(sent) == "Đã gửi đề nghị gia hạn nhiệm vụ 2.2 đến 15/04/2023 tới Phòng Nội vụ."
    async with app.sessions() as session:
        row = (
            await session.execute(
                select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.EXTENSION_REQUEST)
            )
        ).scalar_one()
    assert row.person_id == 2
    assert row.payload["text"] == (
        "📅 Đề nghị gia hạn nhiệm vụ 2.2: Xây dựng, thực hiện có hiệu quả văn bản QPPL thuộc "
        "thẩm quyền ban hành; đẩy mạnh theo dõi thi hành pháp luật\n"
        "Người đề nghị: Nguyễn Thị Lan (Phòng Tư pháp)\n"
        "Hạn hiện tại: 31/03/2023 · Đề nghị gia hạn đến: 15/04/2023\n"
        "Lý do: chờ ý kiến Sở Tư pháp\n"
        "(Đồng ý đến ngày khác: trả lời tin này bằng ngày, ví dụ 15/04/2023)"
    )
    approve = convo.deps.signer.payload("approve", row.payload["target"], 2)
    decided = await boss.press(approve)
    assert "Đã đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp đến 15/04/2023." in text_of(decided)
    stored = await assignment_of(app, "2.2", TP)
    assert stored.deadline == date(2023, 4, 15) and stored.original_deadline == date(2023, 3, 31)
    assert stored.status == "not_started"
    assert (await boss.press(approve)).toast == "Đề nghị này đã được xử lý."
    # The focal person can't approve their own request.
    assert (await lan.press(convo.deps.signer.payload("approve", row.payload["target"], 1))).toast


async def test_an_extension_date_must_be_after_the_deadline(app: App, lan: Phone) -> None:
    answer = await lan.send("/update 2.2 xin gia han den 1/3/2023")
    assert "cần sau hạn hiện tại (31/03/2023)" in text_of(answer)


async def test_the_suggested_extension_date_is_one_the_bot_accepts(app: App, lan: Phone) -> None:
    # 2.2 is due 31/03/2023 (a Friday): the example lies after it, on a working day.
    asked = text_of(await lan.send("/update 2.2 xin gia hạn"))
    assert asked == "Anh/chị đề xuất gia hạn nhiệm vụ 2.2 đến ngày nào? (ví dụ 14/04/2023)"
    refused = text_of(await lan.send("/update 2.2 xin gia han den 1/3/2023"))
    assert refused.endswith("Ví dụ: 14/04/2023")
    await lan.send("/update 2.2 xin gia hạn")
    sent = await lan.send("14/04/2023")
    assert text_of(sent) == "Đã gửi đề nghị gia hạn nhiệm vụ 2.2 đến 14/04/2023 tới Phòng Nội vụ."


def test_the_example_is_a_later_working_day_for_every_deadline(app: App) -> None:
    calendar = app.rules.calendar
    today = date(2023, 3, 1)
    for deadline in (date(2023, 3, d) for d in range(1, 32)):
        suggested = app.rules.extension_example(deadline, today)
        assert suggested > deadline and calendar.is_working_day(suggested)
        assert (suggested - deadline).days <= 21
    assert app.rules.extension_example(None, today) > today
    assert app.rules.extension_example(date(2023, 1, 31), today) > today  # already overdue


async def test_a_correction_keeps_both_answers(app: App, lan: Phone) -> None:
    first = await lan.send("/update 2.1 xong")
    fix = await lan.press(button(first, "Sửa"))
    assert "Chọn trạng thái đúng cho nhiệm vụ 2.1" in text_of(fix)
    corrected = await lan.press(button(fix, "Đang thực hiện"))
    assert "— Đang thực hiện" in text_of(corrected)
    async with app.sessions() as session:
        history = (
            (await session.execute(select(StatusUpdate).order_by(StatusUpdate.id))).scalars().all()
        )
    assert [h.status for h in history] == ["done", "in_progress"]
    assert history[1].corrects_id == history[0].id
    assert (await assignment_of(app, "2.1", TP)).status == "in_progress"


async def test_a_document_sent_as_a_reply_is_stored_with_its_hash(
    app: App, lan: Phone, tmp_path: Path
) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-3")
    answer = await lan.send_file(
        b"%PDF-1.4 signed report", "Bao cao 45-BC-TP.pdf", reply_to_message_id="m-3"
    )
    assert "Đã lưu minh chứng cho nhiệm vụ 2.1: Bao cao 45-BC-TP.pdf (1 KB)." in text_of(answer)
    async with app.sessions() as session:
        evidence = (await session.execute(select(Evidence))).scalar_one()
    assert evidence.size == 22 and evidence.person_id == 1 and evidence.assignment_id == target.id
    stored = Path(evidence.storage_path).read_bytes()  # noqa: ASYNC240 (a test reading a small file)
    assert stored == b"%PDF-1.4 signed report"
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest()


async def test_a_file_without_a_task_asks_which_one(lan: Phone) -> None:
    assert "cho nhiệm vụ nào" in text_of(await lan.send_file(b"x", "a.pdf"))


async def test_status_for_a_focal_person_and_a_coordinator(
    app: App, lan: Phone, convo: Conversation
) -> None:
    await lan.send("/update 2.1 đang làm 60%")
    mine = text_of(await lan.send("/status"))
    assert mine.startswith("Phòng Tư pháp — Kế hoạch 32/KH-UBND (cập nhật 01/03/2023 09:00)")
    assert "🔄 Đang thực hiện: 1" in mine and "⏳ Chưa thực hiện: 17" in mine
    assert "Sắp đến hạn" not in mine and "Quá hạn" not in mine
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    overview = text_of(await boss.send("/status"))
    assert "Tổng hợp — Kế hoạch 32/KH-UBND" in overview
    # 30 tasks (not 794 unit assignments); units count their lead assignments; support apart.
    assert "Hoàn thành 0/30 nhiệm vụ (0%) · Quá hạn 0 nhiệm vụ" in overview
    assert "Theo đơn vị chủ trì (lượt giao, quá hạn nhiều trước):" in overview
    assert "Phối hợp (không tính ở trên): 505 lượt của 34 đơn vị, 0 đã hoàn thành." in overview
    assert "• Cải cách thể chế:" in overview and "• Phòng Tư pháp:" in overview
    one = text_of(await boss.send("/status phong tu phap"))
    assert one.startswith("Phòng Tư pháp — ")


async def test_overdue_is_scoped_by_role_and_most_overdue_first(
    app: App, lan: Phone, convo: Conversation, clock: ManualClock
) -> None:
    clock.advance(days=100)  # 9 June 2023: the Q1 deadlines have passed
    mine = text_of(await lan.send("/overdue"))
    assert mine.startswith("Nhiệm vụ quá hạn: 3 (1 đơn vị)")
    assert "\n1. 1.7 " in mine and "— Phòng" not in mine
    leader = await register(app, convo, "800", None, PersonRole.LEADER)
    everyone = text_of(await leader.send("/overdue"))
    assert everyone.startswith("Nhiệm vụ quá hạn: ") and "Trang 1/" in everyone
    second_page = text_of(await leader.send("/overdue 2"))
    assert second_page.startswith("Nhiệm vụ quá hạn: ") and "\n31. " in second_page
    assert "không có quyền" in text_of(await leader.send("/tasks"))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": "/status", "chat_type": "group"}, "chỉ làm việc trong tin nhắn riêng"),
        ({"sticker": True}, "chưa đọc được nhãn dán"),
        ({"text": "x" * 5000}, "Tin nhắn quá dài (5000 ký tự, tối đa 4096)"),
        ({"text": "/xoa 2.1"}, "Bot không có lệnh /xoa"),
        ({"text": "hôm nay trời đẹp"}, "Bot chưa hiểu nội dung"),
    ],
)
async def test_odd_input_gets_a_clear_answer(lan: Phone, fields: dict, expected: str) -> None:
    assert expected in text_of(await lan.send(**fields))


async def test_more_than_20_messages_a_minute_is_slowed_down(
    lan: Phone, clock: ManualClock
) -> None:
    # Registering was the first message of this minute; 19 more are fine.
    answers = [text_of(await lan.send("/help")) for _ in range(21)]
    assert answers[18].startswith("Hướng dẫn")
    assert answers[19] == "Anh/chị gửi nhanh quá. Vui lòng chờ khoảng một phút rồi gửi tiếp."
    assert answers[20] == ""
    clock.advance(minutes=1)
    assert text_of(await lan.send("/help")).startswith("Hướng dẫn")


async def test_without_buttons_choices_are_numbered_and_task_codes_work(
    app: App, convo: Conversation
) -> None:
    code = await invite_code(app, TP, PersonRole.FOCAL)
    zalo = Phone(convo, "z1", caps=PLAIN)
    await zalo.send(code)  # on Zalo the code alone is the first message
    opened = await zalo.send("/tasks")
    assert "Gõ số thứ tự (1–18) để cập nhật nhiệm vụ." in text_of(opened)
    task = await zalo.send("2")
    assert (
        "Trả lời: 1 Hoàn thành · 2 Đang thực hiện · 3 Vướng mắc · 4 Xin gia hạn · 5 Nhắc lại sau"
        in text_of(task)
    )
    assert "— Hoàn thành" in text_of(await zalo.send("1"))
    assert "nhiệm vụ 2.1 — Đang thực hiện 30%" in text_of(await zalo.send("2.1 đang làm 30%"))
    assert "nhiệm vụ 5.1 — Hoàn thành" in text_of(await zalo.send("/xong 5.1"))


async def test_a_coordinator_invites_from_chat(app: App, convo: Conversation) -> None:
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    # The last word of a name is never read as "deputy" (a unit may end in "Phô").
    guessed = text_of(await boss.send("/invite UBND xã Hương Trà phó"))
    assert guessed == "Không tìm thấy đơn vị 'UBND xã Hương Trà phó'."
    answer = text_of(await boss.send("/invite UBND xã Hương Trà --pho"))
    assert answer.startswith(
        "Mã mời cán bộ đầu mối (thay khi vắng) UBND xã Hương Trà (dùng một lần, hết hạn "
        "08/03/2023 09:00):"
    )
    code = answer.splitlines()[1]
    welcome = text_of(await Phone(convo, "900").send(f"/start {code}"))
    assert "cán bộ đầu mối (thay khi vắng) của UBND xã Hương Trà" in welcome
    lan_like = await register(app, convo, "901", TP, PersonRole.FOCAL)
    assert "không có quyền" in text_of(await lan_like.send("/invite Phòng Tư pháp"))


async def test_snooze_sets_the_next_working_morning(app: App, lan: Phone) -> None:
    tasks = await lan.send("/tasks")
    first = await lan.press(tasks.messages[0].buttons[0][0].data)
    snoozed = await lan.press(button(first, "Nhắc lại sau"))
    assert text_of(snoozed) == "Bot sẽ nhắc lại nhiệm vụ 1.7 (quý I/2023) vào 08:00 02/03/2023."
    async with app.sessions() as session:
        query = select(Assignment).where(Assignment.snoozed_until.is_not(None))
        rows = (await session.execute(query)).scalars().all()
    assert len(rows) == 1 and rows[0].snoozed_until.isoformat() == "2023-03-02T01:00:00+00:00"


async def test_a_typed_correction_is_linked_to_the_answer_it_corrects(app: App, lan: Phone) -> None:
    first = await lan.send("/update 2.1 xong")
    await lan.press(button(first, "Sửa"))
    corrected = await lan.send("đang làm 50%")
    assert "nhiệm vụ 2.1 — Đang thực hiện 50%" in text_of(corrected)
    async with app.sessions() as session:
        history = (
            (await session.execute(select(StatusUpdate).order_by(StatusUpdate.id))).scalars().all()
        )
    assert [(h.status, h.progress) for h in history] == [("done", 100), ("in_progress", 50)]
    assert history[1].corrects_id == history[0].id


async def test_a_task_code_or_reply_wins_over_an_old_question(
    app: App, lan: Phone, clock: ManualClock
) -> None:
    tasks = await lan.send("/tasks")
    opened = await lan.press(tasks.messages[0].buttons[0][0].data)  # 1.7, the first open task
    await lan.press(button(opened, "Vướng mắc"))  # the bot now waits for 1.7's blocker
    answer = await lan.send("5.1 xong")
    assert "nhiệm vụ 5.1 — Hoàn thành" in text_of(answer)
    assert (await assignment_of(app, "1.7", TP)).status == "not_started"
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-9")
    opened = await lan.press((await lan.send("/tasks")).messages[0].buttons[0][0].data)
    await lan.press(button(opened, "Vướng mắc"))
    reply = await lan.send("xong", reply_to_message_id="m-9")
    assert "nhiệm vụ 2.1 — Hoàn thành" in text_of(reply)
    assert (await assignment_of(app, "1.7", TP)).status == "not_started"


async def test_a_question_is_forgotten_after_half_an_hour_or_a_command(
    app: App, lan: Phone, clock: ManualClock
) -> None:
    opened = await lan.press((await lan.send("/tasks")).messages[0].buttons[0][0].data)
    await lan.press(button(opened, "Vướng mắc"))
    clock.advance(minutes=31)
    assert "Bot chưa hiểu nội dung" in text_of(await lan.send("chưa có kinh phí"))
    opened = await lan.press((await lan.send("/tasks")).messages[0].buttons[0][0].data)
    await lan.press(button(opened, "Vướng mắc"))
    await lan.send("/status")
    assert "Bot chưa hiểu nội dung" in text_of(await lan.send("chưa có kinh phí"))
    assert (await assignment_of(app, "1.7", TP)).status == "not_started"


async def test_a_picked_task_takes_free_text_on_a_channel_without_replies(
    app: App, convo: Conversation
) -> None:
    zalo = Phone(convo, "z2", caps=PLAIN)
    await zalo.send(await invite_code(app, TP, PersonRole.FOCAL))
    await zalo.send("/tasks")
    await zalo.send("1")  # picks 1.7
    assert "nhiệm vụ 1.7 (quý I/2023) — Đang thực hiện 60%" in text_of(
        await zalo.send("đang làm 60%")
    )


async def test_long_task_lists_are_paged_not_cut(app: App, convo: Conversation) -> None:
    commune = await register(app, convo, "990", "UBND xã Hương Trà", PersonRole.FOCAL)
    first = await commune.send("/tasks")
    assert text_of(first).startswith("Nhiệm vụ đang mở của UBND xã Hương Trà: 25 (trang 1/2)")
    assert sum(len(row) for row in first.messages[0].buttons) == 20
    assert text_of(first).endswith("Gõ /tasks 2 để xem trang sau.")
    second = await commune.send("/tasks 2")
    assert "(trang 2/2)" in text_of(second) and "\n5. " in text_of(second)
    assert sum(len(row) for row in second.messages[0].buttons) == 5


async def test_a_code_in_two_plans_asks_which_plan(app: App, lan: Phone, tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "ke-hoach-32-KH-UBND-2023.yaml").read_text())
    data["plan"]["number"] = "45/KH-UBND"
    second = tmp_path / "kh45.yaml"
    second.write_text(yaml.safe_dump(data, allow_unicode=True))
    await import_plan_file(app.sessions, second, PlanOptions(), now=app.clock.now())
    asked = text_of(await lan.send("/update 2.1 xong"))
    assert asked == (
        "Mã 2.1 có trong nhiều kế hoạch (32/KH-UBND, 45/KH-UBND). Ghi rõ kế hoạch, ví dụ: "
        "/update 32/KH-UBND 2.1 xong"
    )
    assert "nhiệm vụ 2.1 — Hoàn thành" in text_of(await lan.send("/update 45/KH-UBND 2.1 xong"))
    async with app.sessions() as session:
        assert len((await session.execute(select(StatusUpdate))).scalars().all()) == 1


EVIL = '=HYPERLINK("http://evil.example/steal","Bấm để xem")'


async def test_a_chat_note_is_stored_without_control_characters(app: App, lan: Phone) -> None:
    target = await assignment_of(app, "2.1", TP)
    await deliver_reminder(app, target, person_id=1, message_id="m-1")
    await lan.send("vướng\u200b", reply_to_message_id="m-1")
    answer = await lan.send(EVIL + "\x0b\x07\x1b")
    assert EVIL in text_of(answer)
    async with app.sessions() as session:
        notes = (await session.execute(select(StatusUpdate.note))).scalars().all()
    assert notes == [EVIL]


async def test_tasks_shortens_a_long_title_to_fit_a_phone(app: App, lan: Phone) -> None:
    long_title = "Rà soát " + "thủ tục hành chính " * 40
    async with transaction(app.sessions) as session:
        task = (await session.execute(select(Task).where(Task.code == "1.7"))).scalars().first()
        assert task is not None
        task.title = long_title
    listing = text_of(await lan.send("/tasks"))
    line = next(row for row in listing.splitlines() if " 1.7 " in row)
    assert "…" in line and len(line) < 160 and long_title not in listing


async def test_the_welcome_fits_the_role(app: App, convo: Conversation) -> None:
    for user, role, duty in (
        ("800", PersonRole.COORDINATOR, "nhận đề nghị gia hạn"),
        ("801", PersonRole.LEADER, "nhận bản tổng hợp tuần"),
    ):
        code = await invite_code(app, None, role)
        welcome = text_of(await Phone(convo, user).send(f"/start {code}"))
        assert duty in welcome and "nhắc hạn các nhiệm vụ của đơn vị" not in welcome
    boss = text_of(await Phone(convo, "802").send("/help"))
    assert "chưa được đăng ký" in boss


async def test_a_focal_persons_status_lists_open_tasks_with_deadlines(lan: Phone) -> None:
    status = text_of(await lan.send("/status"))
    assert "Nhiệm vụ khác đang mở (18):" in status
    assert (
        "• 1.7 (quý I/2023) Báo cáo kết quả khắc phục tồn tại, hạn chế CCHC… — hạn 31/03/2023"
        in (status)
        or "• 1.7 (quý I/2023) " in status
    )
    assert "— hạn 31/03/2023 — Chưa thực hiện" in status
    assert "gõ /tasks để xem hết." in status


async def test_a_coordinators_tasks_asks_for_a_unit_and_lists_it(
    app: App, convo: Conversation
) -> None:
    coordinator = await register(app, convo, "810", None, PersonRole.COORDINATOR)
    assert text_of(await coordinator.send("/tasks")).startswith("Gõ /tasks TÊN ĐƠN VỊ")
    listing = text_of(await coordinator.send("/tasks Phòng Tư pháp"))
    assert listing.startswith("Nhiệm vụ đang mở của Phòng Tư pháp:")
