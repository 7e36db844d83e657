"""End to end on Telegram: python-telegram-bot polling the fake Bot API, the conversation and
the outbox worker on a real SQLite file, driven as officials use it from their phones."""

import math
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.channels.base import Outbound
from bot.delivery.pacing import WINDOW
from bot.service import App
from storage.models import Assignment, Evidence, OutboxMessage, Person, StatusUpdate, Task, Unit
from storage.vocab import PersonRole
from tests.conversation_kit import assignment_of
from tests.factories import invite_code, load_example
from tests.fakes import User
from tests.fakes.clock import ManualClock
from tests.telegram_kit import Bot, queue_reminder, running_bot, telegram_person

LAN = User(5001, "Lan", "Nguyễn Thị")
HUNG = User(5002, "Hùng", "Trần Văn")
STRANGER = User(5999, "Ai đó")
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2023, 3, 27, 2, 0, tzinfo=UTC))  # Monday 09:00 in Hà Tĩnh


@pytest.fixture
async def bot(app: App, clock: ManualClock) -> AsyncIterator[Bot]:
    await load_example(app)
    async with running_bot(app, clock) as running:
        yield running


async def said(bot: Bot, user: User, count: int = 1) -> list[str]:
    return [m.text or "" for m in await bot.api.next_messages(user.id, count)]


async def lan_asks_hung_for_an_extension(bot: Bot, app: App, clock: ManualClock) -> None:
    """Lan (focal, Phòng Tư pháp) and Hùng (Phòng Nội vụ) register; Lan asks to move 2.2."""
    for user, unit, role in (
        (LAN, "Phòng Tư pháp", PersonRole.FOCAL),
        (HUNG, None, PersonRole.COORDINATOR),
    ):
        bot.api.user_sends(user, None, f"/start {await invite_code(app, unit, role)}")
        await said(bot, user)
    clock.advance(2)
    bot.api.user_sends(LAN, None, "/update 2.2 xin gia hạn đến 20/4/2023 chờ ý kiến Sở")


async def count_rows(app: App, model: type) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_focal_person_works_a_reminder_from_their_phone(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    code = await invite_code(app, "Phòng Tư pháp", PersonRole.FOCAL)
    api.user_sends(LAN, None, f"/start {code}")
    (welcome,) = await said(bot, LAN)
    assert welcome.startswith(
        "Chào anh/chị Lan Nguyễn Thị. Anh/chị đã được đăng ký với vai trò cán bộ đầu mối của "
        "Phòng Tư pháp"
    )

    # The outbox worker delivers a reminder with its five buttons.
    target = await assignment_of(app, "2.2", "Phòng Tư pháp")
    await queue_reminder(app, person_id=1, assignment_id=target.id)
    assert await bot.delivery.run_once() == 1
    (reminder,) = await api.next_messages(LAN.id)
    assert reminder.text.startswith("⏰ Nhắc hạn nhiệm vụ 2.2 — còn 4 ngày (hạn 31/03/2023)")
    assert "Đơn vị: Phòng Tư pháp (chủ trì)" in reminder.text
    labels = [label for row in reminder.buttons for label, _ in row]
    assert labels == ["Hoàn thành", "Đang thực hiện", "Vướng mắc", "Xin gia hạn", "Nhắc lại sau"]

    # A button press is answered (spinner stops) and recorded.
    clock.advance(2)
    press = api.user_presses(LAN, reminder.message_id, reminder.buttons[0][1][1])
    assert (await api.callback_answer(press.callback_query_id))["text"] == "Đang thực hiện"
    recorded, ask = await said(bot, LAN, 2)
    assert recorded.startswith("Đã ghi nhận: nhiệm vụ 2.2 — Đang thực hiện")
    assert ask == "Anh/chị nhắn thêm tỉ lệ hoàn thành nếu có (ví dụ 60%)."

    # A text reply to the reminder, then a photo as evidence.
    clock.advance(2)
    api.user_sends(LAN, None, "đang làm 60%", reply_to=reminder.message_id)
    (progress,) = await said(bot, LAN)
    assert progress.startswith("Đã ghi nhận: nhiệm vụ 2.2 — Đang thực hiện 60%")
    clock.advance(2)
    api.user_sends_photo(LAN, PHOTO, None, reply_to=reminder.message_id)
    (stored,) = await said(bot, LAN)
    assert stored.startswith("Đã lưu minh chứng cho nhiệm vụ 2.2: anh.jpg")
    async with app.sessions() as session:
        evidence = (await session.execute(select(Evidence))).scalar_one()
    assert evidence.size == len(PHOTO) and evidence.person_id == 1

    # "Sửa": the last answer is corrected, and history keeps both.
    clock.advance(2)
    api.user_sends(LAN, None, "/update 2.2 xong")
    (done,) = await api.next_messages(LAN.id)
    clock.advance(2)
    api.user_presses(LAN, done.message_id, done.buttons[0][0][1])
    (choose,) = await api.next_messages(LAN.id)
    assert choose.text == "Chọn trạng thái đúng cho nhiệm vụ 2.2:"
    clock.advance(2)
    api.user_presses(LAN, choose.message_id, choose.buttons[0][1][1])
    corrected, _ = await said(bot, LAN, 2)
    assert corrected.startswith("Đã ghi nhận: nhiệm vụ 2.2 — Đang thực hiện")
    async with app.sessions() as session:
        history = (
            (await session.execute(select(StatusUpdate).order_by(StatusUpdate.id))).scalars().all()
        )
    assert [h.status for h in history] == ["in_progress", "in_progress", "done", "in_progress"]
    assert history[-1].corrects_id == history[-2].id

    # /status and /overdue answer from the same data.
    clock.advance(2)
    api.user_sends(LAN, None, "/status")
    (status,) = await said(bot, LAN)
    assert status.startswith("Phòng Tư pháp — Kế hoạch 32/KH-UBND (cập nhật 27/03/2023 09:00)")
    assert "🔄 Đang thực hiện: 1" in status and "Sắp đến hạn (7 ngày tới):" in status
    clock.advance(2)
    api.user_sends(LAN, None, "/overdue")
    assert await said(bot, LAN) == ["Không có nhiệm vụ quá hạn."]


async def test_replays_forgeries_and_strangers_change_nothing(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    code = await invite_code(app, "Phòng Tư pháp", PersonRole.FOCAL)
    api.user_sends(LAN, None, f"/start {code}")
    await said(bot, LAN)
    clock.advance(2)
    posted = api.user_sends(LAN, None, "/update 2.1 xong")
    (done,) = await said(bot, LAN)
    assert "Hoàn thành" in done
    # Telegram sends the same update again: nothing new is stored or said.
    api.replay(posted.update_id)
    clock.advance(2)
    api.user_sends(LAN, None, "/help")
    (help_text,) = await said(bot, LAN)
    assert help_text.startswith("Hướng dẫn")
    assert await count_rows(app, StatusUpdate) == 1

    # A payload for another unit's task, or made up, touches nothing.
    other = await assignment_of(app, "4.1", "Phòng Nội vụ")
    forged = bot.conversation.deps.signer.payload("done", other.id, 99)
    clock.advance(2)
    press = api.user_presses(LAN, api.sent_to(LAN.id)[-1].message_id, forged)
    assert (await api.callback_answer(press.callback_query_id))["text"].startswith(
        "Nút này không còn hiệu lực"
    )
    assert (await said(bot, LAN))[0].startswith("Nút này không còn hiệu lực")
    assert (await assignment_of(app, "4.1", "Phòng Nội vụ")).status == "not_started"

    api.user_sends(STRANGER, None, "/status")
    assert await said(bot, STRANGER) == [
        "Anh/chị chưa được đăng ký sử dụng bot này. Vui lòng liên hệ Phòng Nội vụ để nhận mã mời."
    ]
    clock.advance(2)
    api.user_sends_document(LAN, b"x" * 10, "big.pdf", "application/pdf", size=25 * 1024 * 1024)
    (refused,) = await said(bot, LAN)
    assert refused.startswith("Tệp quá lớn (25 MB, tối đa 20 MB)")


async def test_an_extension_request_reaches_the_coordinator_who_approves(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    await lan_asks_hung_for_an_extension(bot, app, clock)
    (sent,) = await said(bot, LAN)
    assert sent == "Đã gửi đề nghị gia hạn nhiệm vụ 2.2 đến 20/04/2023 tới Phòng Nội vụ."
    assert await bot.delivery.run_once() == 1
    (request,) = await api.next_messages(HUNG.id)
    assert request.text.startswith("📅 Đề nghị gia hạn nhiệm vụ 2.2: Xây dựng, thực hiện")
    assert "Người đề nghị: Lan Nguyễn Thị (Phòng Tư pháp)" in request.text
    assert "Hạn hiện tại: 31/03/2023 · Đề nghị gia hạn đến: 20/04/2023" in request.text
    assert [label for label, _ in request.buttons[0]] == ["Đồng ý", "Không đồng ý"]
    clock.advance(2)
    api.user_presses(HUNG, request.message_id, request.buttons[0][0][1])
    assert await said(bot, HUNG) == [
        "Đã đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp đến 20/04/2023."
    ]
    clock.advance(2)
    assert await bot.delivery.run_once() == 1
    (told,) = await said(bot, LAN)
    assert told == "Phòng Nội vụ đồng ý gia hạn nhiệm vụ 2.2 đến 20/04/2023."


async def test_delivery_of_hundreds_within_telegrams_limits(bot: Bot, app: App) -> None:
    api = bot.api
    people = [await telegram_person(app, api, User(7000 + i, f"Người {i}")) for i in range(30)]
    targets = [
        await assignment_of(app, code, "Phòng Tư pháp")
        for code in ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "3.2", "4.1", "4.2", "5.1")
    ]
    for person_id in people:
        for target in targets:
            await queue_reminder(app, person_id=person_id, assignment_id=target.id)
    assert await bot.delivery.run_once(limit=1000) == 300
    assert api.rejected_429 == 0
    for i in range(30):
        texts = [m.text for m in api.sent_to(7000 + i)]
        assert len(texts) == 10 and len(set(texts)) == 10
    async with app.sessions() as session:
        statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert statuses.count("sent") == 300


async def test_errors_from_telegram_are_waited_out_or_reported(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    boss = await telegram_person(app, api, HUNG, role="coordinator")
    lan = await telegram_person(app, api, LAN, unit_id=None)
    target = await assignment_of(app, "2.1", "Phòng Tư pháp")
    api.fail_next_sends(1, status=500)
    await queue_reminder(app, person_id=lan, assignment_id=target.id)
    assert await bot.delivery.run_once() == 0  # a server error: back off and try later
    clock.advance(60)
    assert await bot.delivery.run_once() == 1
    api.block(LAN)
    await queue_reminder(app, person_id=lan, assignment_id=target.id, key="again")
    assert await bot.delivery.run_once() == 1  # the reminder is refused; the coordinator is told
    async with app.sessions() as session:
        person = await session.get(Person, lan)
    assert person is not None and person.unreachable_at is not None
    (told,) = await said(bot, HUNG)
    assert told.startswith("Không gửi được tin nhắn cho Lan") and boss


async def test_a_coordinator_gets_a_deep_link_invite(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    bot.api.user_sends(HUNG, None, f"/start {await invite_code(app, None, PersonRole.COORDINATOR)}")
    await said(bot, HUNG)
    clock.advance(2)
    bot.api.user_sends(HUNG, None, "/invite Phòng Tư pháp")
    (invite,) = await said(bot, HUNG)
    code = invite.splitlines()[1]
    username = bot.api.bot_user["username"]
    assert invite.splitlines()[2] == f"https://t.me/{username}?start={code}"
    assert len(f"/start {code}") <= 64 + 7
    bot.api.user_sends(LAN, None, f"/start {code}")
    (welcome,) = await said(bot, LAN)
    assert "đầu mối của Phòng Tư pháp" in welcome


async def test_a_429_is_waited_out_and_delivery_goes_on(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    lan = await telegram_person(app, api, LAN)
    # A channel that claims no per-chat limit: the pacer believes it, Telegram does not.
    bot.channel.capabilities = replace(bot.channel.capabilities, per_chat_per_second=math.inf)
    codes = ("1.1", "1.2", "1.3", "2.1", "2.2")
    for code in codes:
        target = await assignment_of(app, code, "Phòng Tư pháp")
        await queue_reminder(app, person_id=lan, assignment_id=target.id)
    started = clock.now()
    assert await bot.delivery.run_once() == len(codes)
    texts = [m.text or "" for m in api.sent_to(LAN.id)]
    assert api.rejected_429 >= 1
    # Each 429 said "retry after 1": the worker waited exactly that, once per refusal, and
    # the channel's minimum gap between two sends (half of WINDOW / 30) before each refusal.
    per_refusal = 1 + WINDOW / bot.channel.capabilities.overall_per_second / 2
    assert (clock.now() - started).total_seconds() == pytest.approx(api.rejected_429 * per_refusal)
    assert sorted(t.split(" — ")[0] for t in texts) == [f"⏰ Nhắc hạn nhiệm vụ {c}" for c in codes]
    async with app.sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    # Every refused attempt was tried again, and nothing was sent twice.
    assert {r.status for r in rows} == {"sent"}
    assert sum(r.attempts for r in rows) == len(codes) + api.rejected_429


async def test_nothing_goes_out_in_quiet_hours(bot: Bot, app: App, clock: ManualClock) -> None:
    lan = await telegram_person(app, bot.api, LAN)
    target = await assignment_of(app, "2.1", "Phòng Tư pháp")
    clock.move_to(datetime(2023, 3, 31, 11, 0, tzinfo=UTC))  # Friday 18:00 in Hà Tĩnh
    await queue_reminder(app, person_id=lan, assignment_id=target.id)
    assert await bot.delivery.run_once() == 0
    clock.move_to(datetime(2023, 4, 1, 2, 0, tzinfo=UTC))  # Saturday 09:00: not a working day
    assert await bot.delivery.run_once() == 0
    assert bot.api.sent_to(LAN.id) == []
    clock.move_to(datetime(2023, 4, 3, 0, 30, tzinfo=UTC))  # Monday 07:30: the window opens
    assert await bot.delivery.run_once() == 1
    assert len(bot.api.sent_to(LAN.id)) == 1


async def test_a_coordinator_grants_another_date_by_replying(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    await lan_asks_hung_for_an_extension(bot, app, clock)
    await said(bot, LAN)
    assert await bot.delivery.run_once() == 1
    (request,) = await api.next_messages(HUNG.id)
    clock.advance(2)
    api.user_sends(HUNG, None, "10/4/2023", reply_to=request.message_id)
    assert await said(bot, HUNG) == [
        "Đã đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp đến 10/04/2023."
    ]
    assert (await assignment_of(app, "2.2", "Phòng Tư pháp")).deadline.isoformat() == "2023-04-10"
    clock.advance(2)
    assert await bot.delivery.run_once() == 1
    assert await said(bot, LAN) == ["Phòng Nội vụ đồng ý gia hạn nhiệm vụ 2.2 đến 10/04/2023."]


async def test_answers_of_several_messages_keep_to_the_per_chat_rate(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    """A reply right after an outbox message to the same chat, and the digest's three
    messages, wait their turn: Telegram never has to refuse one of our own replies."""
    api = bot.api
    await lan_asks_hung_for_an_extension(bot, app, clock)
    await said(bot, LAN)
    assert await bot.delivery.run_once() == 1  # the request reaches Hùng through the outbox
    (request,) = await api.next_messages(HUNG.id)
    started = clock.now()
    api.user_sends(HUNG, None, "/digest")  # at once, in the same second
    text, chart, workbook = await api.next_messages(HUNG.id, 3, within=10)
    assert text.text and "TỔNG HỢP TUẦN" in text.text
    assert (chart.kind, workbook.kind) == ("photo", "document")
    assert api.rejected_429 == 0
    # Three turns of 1.05 s after the outbox message: the margin, not Telegram, set the pace.
    assert (clock.now() - started).total_seconds() == pytest.approx(3 * 1.05, abs=0.01)

    # A button answered with a confirmation and a question, just after a reminder.
    target = await assignment_of(app, "2.1", "Phòng Tư pháp")
    await queue_reminder(app, person_id=1, assignment_id=target.id)  # Lan registered first
    assert await bot.delivery.run_once() == 1
    (reminder,) = await api.next_messages(LAN.id)
    api.user_presses(LAN, reminder.message_id, reminder.buttons[0][1][1])
    recorded, ask = await said(bot, LAN, 2)
    assert recorded.startswith("Đã ghi nhận: nhiệm vụ 2.1 — Đang thực hiện") and ask
    assert api.rejected_429 == 0 and request


async def test_a_failed_send_is_logged_with_the_person_and_unit_never_the_text_or_token(
    bot: Bot, app: App, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    target = await assignment_of(app, "2.1", "Phòng Tư pháp")
    lan = await telegram_person(app, bot.api, LAN, unit_id=target.unit_id)
    bot.api.fail_next_sends(1, status=500)
    await queue_reminder(app, person_id=lan, assignment_id=target.id)
    assert await bot.delivery.run_once() == 0
    bot.api.block(LAN)
    clock.advance(60)
    assert await bot.delivery.run_once() == 0
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.delivery.worker"]
    assert len(warnings) == 3  # the server error, the refusal, and the person now unreachable
    assert all(f"person {lan} Lan (Phòng Tư pháp)" in w for w in warnings)
    assert "TransientError" in warnings[0] and "Unreachable" in warnings[1]
    assert "cannot be reached" in warnings[2]
    assert not any("Nhắc hạn" in w or bot.api.token in w for w in warnings)


async def test_answers_edit_the_messages_they_answer(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    mai = User(5003, "Mai", "Lê Thị")
    api.user_sends(mai, None, f"/start {await invite_code(app, None, PersonRole.COORDINATOR)}")
    await said(bot, mai)
    await lan_asks_hung_for_an_extension(bot, app, clock)
    await said(bot, LAN)
    # Lan's reminder for 2.1: pressing Hoàn thành rewrites it, leaving only Sửa.
    target = await assignment_of(app, "2.1", "Phòng Tư pháp")
    await queue_reminder(app, person_id=2, assignment_id=target.id)  # Lan registered second
    clock.advance(2)
    assert await bot.delivery.run_once() == 3  # the reminder, and each coordinator's request
    (reminder,) = await api.next_messages(LAN.id)
    clock.advance(2)
    api.user_presses(LAN, reminder.message_id, reminder.buttons[0][0][1])
    (recorded,) = await said(bot, LAN)
    assert recorded.startswith("Đã ghi nhận: nhiệm vụ 2.1 — Hoàn thành")
    edited = api.bot_messages[reminder.message_id]
    assert edited.edits == 1 and edited.text.startswith("⏰ Nhắc hạn nhiệm vụ 2.1")
    assert edited.text.endswith(
        "✔️ Trạng thái: Hoàn thành — Lan Nguyễn Thị cập nhật lúc 09:00 27/03/2023"
    )
    assert [label for row in edited.buttons for label, _ in row] == ["Sửa"]
    # The request reached both coordinators; Hùng approves: both copies show it, buttons gone.
    (hung_copy,) = await api.next_messages(HUNG.id)
    (mai_copy,) = await api.next_messages(mai.id)
    clock.advance(2)
    api.user_presses(HUNG, hung_copy.message_id, hung_copy.buttons[0][0][1])
    assert (await said(bot, HUNG))[0].startswith("Đã đồng ý gia hạn nhiệm vụ 2.2")
    decided = "✅ Đã đồng ý gia hạn đến 20/04/2023 — Hùng Trần Văn, 09:00 27/03/2023"
    mine = api.bot_messages[hung_copy.message_id]
    assert mine.text.endswith(decided) and mine.reply_markup is None
    clock.advance(2)
    assert await bot.delivery.run_once() == 2  # Lan told, Mai's copy edited
    theirs = api.bot_messages[mai_copy.message_id]
    assert theirs.text.endswith(decided) and theirs.reply_markup is None
    assert api.rejected_429 == 0  # edits and confirmations to one chat are paced too


async def test_an_edit_telegram_refuses_is_passed_over_quietly(bot: Bot, app: App) -> None:
    person_id = await telegram_person(app, bot.api, User(5100, "Nga"))
    assert person_id
    channel = bot.channel
    sent = await channel.send("5100", Outbound("Nội dung"))
    again = await channel.send("5100", Outbound("Nội dung", edit_message_id=sent.message_id))
    assert again.message_id == sent.message_id  # "message is not modified"
    gone = await channel.send("5100", Outbound("Khác", edit_message_id="987654"))
    assert gone.message_id == "987654"  # "message to edit not found"


async def test_escalations_due_together_reach_a_coordinator_as_one_message(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    api.user_sends(HUNG, None, f"/start {await invite_code(app, None, PersonRole.COORDINATOR)}")
    await said(bot, HUNG)
    clock.move_to(datetime(2023, 7, 10, 2, 0, tzinfo=UTC))  # 30/06 deadlines are well past
    async with app.sessions() as session:
        query = (
            select(Assignment)
            .where(Assignment.deadline == date(2023, 6, 30), Assignment.role == "lead")
            .order_by(Assignment.id)
        )
        overdue = list((await session.execute(query)).scalars())
    by_unit = {a.unit_id: a for a in overdue}
    assert len(by_unit) >= 3
    for target in list(by_unit.values())[:3]:
        await queue_reminder(app, person_id=1, assignment_id=target.id, kind="escalation")
    assert await bot.delivery.run_once() == 3  # three rows, recorded as sent...
    (message,) = await said(bot, HUNG)  # ...in one message to Hùng
    assert message.count("quá hạn") >= 3 and api.rejected_429 == 0
    async with app.sessions() as session:
        ids = (await session.execute(select(OutboxMessage.message_id))).scalars().all()
    assert len(set(ids)) == 1


async def test_two_reminders_for_a_recurring_task_name_their_periods_and_the_example_works(
    bot: Bot, app: App, clock: ManualClock
) -> None:
    api = bot.api
    for user, unit, role in (
        (LAN, "Phòng Tư pháp", PersonRole.FOCAL),
        (HUNG, None, PersonRole.COORDINATOR),
    ):
        api.user_sends(user, None, f"/start {await invite_code(app, unit, role)}")
        await said(bot, user)
    async with app.sessions() as session:
        query = (
            select(Assignment)
            .join(Task)
            .join(Unit)
            .where(Task.code == "1.7", Unit.name == "Phòng Tư pháp")
            .order_by(Assignment.deadline)
        )
        quarter_one, half_year = list((await session.execute(query)).scalars())[:2]
    for target in (quarter_one, half_year):
        await queue_reminder(app, person_id=1, assignment_id=target.id)
        clock.advance(2)
        assert await bot.delivery.run_once() == 1
    first, second = await api.next_messages(LAN.id, 2)
    assert "1.7 (quý I/2023)" in first.text and "1.7 (" in second.text
    assert first.text.splitlines()[0] != second.text.splitlines()[0]  # no longer look the same

    # "Xin gia hạn" asks for a date with an example; sending that very example is accepted.
    clock.advance(2)
    api.user_presses(LAN, first.message_id, first.buttons[1][0][1])
    (asked,) = await said(bot, LAN)
    example = re.search(r"ví dụ (\d\d/\d\d/\d{4})", asked)
    assert example is not None, asked
    clock.advance(2)
    api.user_sends(LAN, None, example.group(1), reply_to=first.message_id)
    sent = await said(bot, LAN)
    assert any("gia hạn" in line and example.group(1) in line for line in sent), sent
    assert await bot.delivery.run_once() >= 1  # the request reaches Phòng Nội vụ
    (request,) = await api.next_messages(HUNG.id)
    assert "1.7 (quý I/2023)" in (request.text or "") and example.group(1) in (request.text or "")
