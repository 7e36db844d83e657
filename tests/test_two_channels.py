"""Zalo without replies (the last open reminder, or a question which one), and one person on
both channels: a link code, answers from either, and /kenh choosing where reminders go."""

import pytest
from sqlalchemy import select

from bot.channels.base import Attachment, Capabilities, InboundHandler, Outbound, Sent
from bot.conversation.core import Conversation
from bot.delivery.worker import Delivery
from bot.digest.send import recipients
from bot.service import App, build_deps
from storage.db import transaction
from storage.models import OutboxMessage, StatusUpdate
from storage.outbox import enqueue, message_row
from storage.vocab import OutboxKind, PersonRole
from tests.conversation_kit import (
    PHONE,
    ZALO_CAPS,
    Person,
    assignment_of,
    deliver_reminder,
    register,
    text_of,
)
from tests.factories import invite_code
from tests.fakes.clock import ManualClock

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TP = "Phòng Tư pháp"


@pytest.fixture
async def zalo_lan(app: App, convo: Conversation) -> Person:
    lan = Person(convo, "z501", caps=ZALO_CAPS, channel="zalo")
    welcome = text_of(await lan.send(await invite_code(app, TP, PersonRole.FOCAL)))
    assert "đầu mối của Phòng Tư pháp" in welcome
    return lan


async def remind(app: App, code: str, message_id: str, channel: str = "zalo") -> None:
    await deliver_reminder(app, await assignment_of(app, code, TP), 1, message_id, channel)


async def test_a_bare_code_registers_on_zalo_and_nothing_else_does(
    app: App, convo: Conversation
) -> None:
    stranger = Person(convo, "z9", caps=ZALO_CAPS, channel="zalo")
    assert "chưa được đăng ký" in text_of(await stranger.send("xong"))
    assert "chưa được đăng ký" in text_of(await stranger.send("2.1 xong"))
    assert "đã hết hạn" in text_of(await stranger.send("A" * 22))  # the shape, not a code
    code = await invite_code(app, TP, PersonRole.FOCAL)
    assert "đã được đăng ký" in text_of(await stranger.send(f"  {code} "))


async def test_free_text_is_about_the_last_open_reminder(
    app: App, zalo_lan: Person, clock: ManualClock
) -> None:
    await remind(app, "2.1", "z-1")
    clock.advance(days=1)
    await remind(app, "2.2", "z-2")  # the latest, alone on its day
    answer = await zalo_lan.send("đang làm 40%")
    assert "nhiệm vụ 2.2 — Đang thực hiện 40%" in text_of(answer)
    assert "nhiệm vụ 2.1 — Hoàn thành" in text_of(await zalo_lan.send("2.1 xong"))
    # 2.1 is done now, so an answer naming nothing is still about 2.2.
    assert "nhiệm vụ 2.2 — Hoàn thành" in text_of(await zalo_lan.send("xong"))
    # Nothing open was reminded: the bot says how to name a task.
    assert "Bot chưa hiểu nội dung" in text_of(await zalo_lan.send("xong"))


async def test_several_reminders_the_same_day_ask_which_one(
    app: App, zalo_lan: Person, clock: ManualClock
) -> None:
    await remind(app, "2.1", "z-1")
    clock.advance(minutes=1)
    await remind(app, "2.2", "z-2")
    asked = text_of(await zalo_lan.send("vướng: chưa có kinh phí"))
    assert asked.startswith('Anh/chị báo "vướng: chưa có kinh phí" cho nhiệm vụ nào?\n1. 2.2 — ')
    assert "\n2. 2.1 — " in asked and "Gõ số thứ tự (1–2)" in asked
    picked = await zalo_lan.send("2")
    assert "nhiệm vụ 2.1 — Vướng mắc" in text_of(picked)
    assert '"chưa có kinh phí"' in text_of(picked)
    assert (await assignment_of(app, "2.1", TP)).status == "blocked"
    assert (await assignment_of(app, "2.2", TP)).status == "not_started"
    # The held answer was used once: the number means nothing now.
    assert "Bot chưa hiểu" in text_of(await zalo_lan.send("2"))


async def test_on_telegram_the_question_comes_with_buttons(
    app: App, convo: Conversation, clock: ManualClock
) -> None:
    lan = await register(app, convo, "501", TP, PersonRole.FOCAL)
    await remind(app, "2.1", "t-1", "telegram")
    await remind(app, "2.2", "t-2", "telegram")
    asked = await lan.send("xong")
    assert [b.label for m in asked.messages for row in m.buttons for b in row] == [
        "1. Nhiệm vụ 2.2",
        "2. Nhiệm vụ 2.1",
    ]
    done = await lan.choose(asked, 1)
    assert "nhiệm vụ 2.2 — Hoàn thành" in text_of(done)
    await lan.send("/status")
    assert "không còn hiệu lực" in text_of(await lan.choose(asked, 2))  # nothing held now


async def test_a_picture_without_a_reply_is_evidence_for_the_last_reminder(
    app: App, zalo_lan: Person
) -> None:
    await remind(app, "2.1", "z-1")
    picture = Attachment(file_id="p1", kind="photo", mime_type="image/jpeg", size=3)
    zalo_lan.files["p1"] = b"jpg"
    answer = await zalo_lan.send(attachment=picture)
    assert "Đã lưu minh chứng cho nhiệm vụ 2.1" in text_of(answer)


async def link_zalo(app: App, telegram: Person, convo: Conversation) -> Person:
    """Lan asks for a link code on Telegram and sends it on Zalo."""
    shown = text_of(await telegram.send("/kenh them"))
    assert shown.startswith("Mã liên kết (dùng một lần, hết hạn 01/03/2023 10:00):")
    code = shown.splitlines()[1]
    zalo = Person(convo, "z501", caps=ZALO_CAPS, channel="zalo")
    linked = text_of(await zalo.send(code))
    assert linked.startswith("Đã thêm kênh Zalo cho anh/chị Nguyễn Thị Lan.")
    return zalo


async def test_a_link_code_joins_zalo_to_the_same_person(app: App, convo: Conversation) -> None:
    telegram = await register(app, convo, "501", TP, PersonRole.FOCAL)
    code = text_of(await telegram.send("/kenh them")).splitlines()[1]
    # On the channel she is already on, or from a second account there, it joins nothing.
    assert "Bot chưa hiểu" in text_of(await telegram.send(code))
    intruder = Person(convo, "502")
    assert "đã hết hạn" in text_of(await intruder.send(f"/start {code}"))
    zalo = Person(convo, "z501", caps=ZALO_CAPS, channel="zalo")
    assert "Đã thêm kênh Zalo" in text_of(await zalo.send(code))
    again = Person(convo, "z777", caps=ZALO_CAPS, channel="zalo")
    assert "đã hết hạn" in text_of(await again.send(code))  # single use
    shown = text_of(await zalo.send("/kenh"))
    assert shown.startswith(
        "Kênh của anh/chị: Telegram, Zalo.\nTin nhắc việc gửi về: Zalo (kênh anh/chị nhắn gần nhất)."
    )
    assert "/kenh telegram · /kenh zalo" in shown


async def test_a_link_code_expires_within_the_hour(
    app: App, convo: Conversation, clock: ManualClock
) -> None:
    telegram = await register(app, convo, "501", TP, PersonRole.FOCAL)
    code = text_of(await telegram.send("/kenh them")).splitlines()[1]
    clock.advance(minutes=61)
    zalo = Person(convo, "z501", caps=ZALO_CAPS, channel="zalo")
    assert "đã hết hạn" in text_of(await zalo.send(code))


async def test_answers_from_either_channel_count(app: App, convo: Conversation) -> None:
    telegram = await register(app, convo, "501", TP, PersonRole.FOCAL)
    zalo = await link_zalo(app, telegram, convo)
    assert "nhiệm vụ 2.1 — Đang thực hiện 50%" in text_of(await zalo.send("2.1 đang làm 50%"))
    await remind(app, "2.2", "t-9", "telegram")
    reply = await telegram.send("xong", reply_to_message_id="t-9")
    assert "nhiệm vụ 2.2 — Hoàn thành" in text_of(reply)
    await remind(app, "5.1", "t-10", "telegram")
    assert "nhiệm vụ 5.1 — Hoàn thành" in text_of(await zalo.send("xong"))  # sent on Telegram
    async with app.sessions() as session:
        rows = (await session.execute(select(StatusUpdate).order_by(StatusUpdate.id))).scalars()
        assert [(u.person_id, u.channel) for u in rows] == [
            (1, "zalo"),
            (1, "telegram"),
            (1, "zalo"),
        ]


async def test_a_reply_on_one_channel_edits_only_that_channels_reminder(
    app: App, convo: Conversation
) -> None:
    telegram = await register(app, convo, "501", TP, PersonRole.FOCAL)
    zalo = await link_zalo(app, telegram, convo)
    await remind(app, "2.1", "t-1", "telegram")
    answer = await zalo.send("xong")
    assert "nhiệm vụ 2.1 — Hoàn thành" in text_of(answer)
    assert all(m.edit_message_id is None for m in answer.messages)  # no Telegram id on Zalo


async def test_kenh_chooses_a_channel_only_among_the_persons_own(
    app: App, convo: Conversation
) -> None:
    telegram = await register(app, convo, "501", TP, PersonRole.FOCAL)
    assert "chưa dùng bot trên Zalo" in text_of(await telegram.send("/kenh zalo"))
    assert "Không có kênh 'viber'" in text_of(await telegram.send("/kenh viber"))
    shown = text_of(await telegram.send("/kenh"))
    assert "Tin nhắc việc gửi về: Telegram" in shown and "/kenh them" in shown
    zalo = await link_zalo(app, telegram, convo)
    assert text_of(await zalo.send("/kenh Telegram")) == (
        "Từ nay tin nhắc việc sẽ gửi về Telegram."
    )
    assert "Telegram (anh/chị đã chọn)" in text_of(await zalo.send("/kenh"))
    assert "/kenh" in text_of(await zalo.send("/help"))


class Recording:
    """A channel that records what it is given to send."""

    def __init__(self, name: str, caps: Capabilities) -> None:
        self.name, self.capabilities = name, caps
        self.sent: list[tuple[str, Outbound]] = []

    async def start(self, handler: InboundHandler) -> None: ...

    async def stop(self) -> None: ...

    async def watch(self) -> None: ...

    async def send(self, chat_id: str, message: Outbound) -> Sent:
        self.sent.append((chat_id, message))
        return Sent(f"{self.name}-{len(self.sent)}")

    async def download(self, attachment: Attachment, limit: int) -> bytes:
        raise NotImplementedError

    def invite_link(self, code: str) -> str | None:
        return None

    def is_group(self, chat_id: str) -> bool:
        return False


async def queue_reminder(app: App, code: str, key: str) -> None:
    target = await assignment_of(app, code, TP)
    now = app.clock.now()
    row = {
        "dedupe_key": key,
        "person_id": 1,
        "kind": "before_3d",
        "assignment_id": target.id,
        "payload": {},
        "not_before": now,
        "created_at": now,
    }
    async with transaction(app.sessions) as session:
        await enqueue(session, [row])


async def test_reminders_go_where_the_person_chose_or_last_wrote(
    app: App, convo: Conversation, clock: ManualClock
) -> None:
    tg, zl = Recording("telegram", PHONE), Recording("zalo", ZALO_CAPS)
    deps = build_deps(app, [])
    delivery = Delivery(
        sessions=app.sessions,
        channels={"telegram": tg, "zalo": zl},
        signer=deps.signer,
        clock=clock,
        timezone=app.settings.timezone,
        days_late=app.rules.days_late,
        sleep=clock.sleep,  # a chat's next message waits its turn on the test clock
    )
    telegram = await register(app, convo, "501", TP, PersonRole.FOCAL)
    zalo = await link_zalo(app, telegram, convo)
    # By default: the channel she last wrote from (Zalo, where she sent the code).
    await queue_reminder(app, "2.1", "r1")
    assert await delivery.run_once() == 1
    assert [chat for chat, _ in zl.sent] == ["z501"] and tg.sent == []
    assert "Trả lời: 1 Hoàn thành" in zl.sent[0][1].text  # numbered on Zalo
    # She writes on Telegram: the next reminder follows her there.
    await telegram.send("/status")
    await queue_reminder(app, "2.2", "r2")
    await delivery.run_once()
    assert [chat for chat, _ in tg.sent] == ["501"] and tg.sent[0][1].buttons
    # /kenh zalo holds, whatever channel she writes from next.
    await telegram.send("/kenh zalo")
    await telegram.send("/status")
    await queue_reminder(app, "5.1", "r3")
    await delivery.run_once()
    assert len(zl.sent) == 2 and len(tg.sent) == 1
    # A chosen channel that is not running: the first running one she is on.
    only_telegram = Delivery(
        sessions=app.sessions,
        channels={"telegram": tg},
        signer=deps.signer,
        clock=clock,
        timezone=app.settings.timezone,
        days_late=app.rules.days_late,
        sleep=clock.sleep,  # a chat's next message waits its turn on the test clock
    )
    await queue_reminder(app, "1.7", "r4")
    assert await only_telegram.run_once() == 1 and len(tg.sent) == 2
    async with app.sessions() as session:
        channels = (
            await session.execute(select(OutboxMessage.channel).order_by(OutboxMessage.id))
        ).scalars()
        assert list(channels) == ["zalo", "telegram", "zalo", "telegram"]
    # Her answer on Zalo, naming nothing: four reminders went out today (on either channel),
    # so the bot asks which one, the latest first.
    asked = text_of(await zalo.send("xong"))
    assert "\n1. 1.7 (quý I/2023) — " in asked and "Gõ số thứ tự (1–4)" in asked
    assert "nhiệm vụ 1.7 (quý I/2023) — Hoàn thành" in text_of(await zalo.send("1"))


async def test_the_digest_goes_to_the_chosen_channel(app: App, convo: Conversation) -> None:
    boss = await register(app, convo, "700", None, PersonRole.COORDINATOR)
    assert await recipients_of(app) == [(1, "telegram")]
    zalo = await link_zalo(app, boss, convo)
    assert await recipients_of(app) == [(1, "zalo")]  # where she last wrote
    await zalo.send("/kenh telegram")
    assert await recipients_of(app) == [(1, "telegram")]
    async with app.sessions() as session:
        assert await recipients(session, channels=["zalo"]) == [(1, "zalo")]


async def recipients_of(app: App) -> list[tuple[int, str]]:
    async with app.sessions() as session:
        return await recipients(session, channels=["telegram", "zalo"])


async def test_where_nobody_can_reply_the_bot_does_not_ask_for_a_reply(
    app: App, convo: Conversation
) -> None:
    telegram = await register(app, convo, "701", "Phòng Tư pháp", PersonRole.FOCAL)
    zalo = Person(convo, "z701", caps=ZALO_CAPS, channel="zalo")
    await zalo.send(await invite_code(app, "UBND xã Hương Trà", PersonRole.FOCAL))
    assert "trả lời (reply)" in text_of(await telegram.send("chào buổi sáng"))
    answer = text_of(await zalo.send("chào buổi sáng"))
    assert "reply" not in answer and "/tasks" in answer and "2.1 đang làm 60%" in answer


async def test_an_edit_goes_to_the_channel_of_the_message_it_edits(
    app: App, convo: Conversation, clock: ManualClock
) -> None:
    tg, zl = Recording("telegram", PHONE), Recording("zalo", ZALO_CAPS)
    deps = build_deps(app, [])
    both = {"telegram": tg, "zalo": zl}
    delivery = Delivery(
        sessions=app.sessions,
        channels=both,
        signer=deps.signer,
        clock=clock,
        timezone=app.settings.timezone,
        days_late=app.rules.days_late,
        sleep=clock.sleep,  # a chat's next message waits its turn on the test clock
    )
    telegram = await register(app, convo, "501", TP, PersonRole.FOCAL)
    await link_zalo(app, telegram, convo)
    await telegram.send("/kenh zalo")  # new messages go to Zalo ...
    row = message_row(
        key="edit:t1",
        person_id=1,
        kind=OutboxKind.EDIT,
        text="Đã quyết định",
        now=clock.now(),
        channel="telegram",
        edit_message_id="tg-7",
    )
    async with transaction(app.sessions) as session:
        await enqueue(session, [row])
    assert await delivery.run_once() == 1
    # ... but an edit of a Telegram message can only be made on Telegram.
    assert zl.sent == [] and [(chat, m.edit_message_id) for chat, m in tg.sent] == [("501", "tg-7")]


async def test_a_number_after_several_reminders_asks_which_task(
    app: App, zalo_lan: Person, clock: ManualClock
) -> None:
    """Each reminder on Zalo ends with "1 Hoàn thành · 2 …": after two of them a typed number
    could mean either, so the bot asks instead of guessing the latest."""
    zl = Recording("zalo", ZALO_CAPS)
    deps = build_deps(app, [])
    delivery = Delivery(
        sessions=app.sessions,
        channels={"zalo": zl},
        signer=deps.signer,
        clock=clock,
        timezone=app.settings.timezone,
        days_late=app.rules.days_late,
        sleep=clock.sleep,  # a chat's next message waits its turn on the test clock
    )
    await queue_reminder(app, "2.1", "n1")
    await queue_reminder(app, "2.2", "n2")
    assert await delivery.run_once() == 2
    asked = text_of(await zalo_lan.send("1"))
    assert asked.startswith('Anh/chị báo "Hoàn thành" cho nhiệm vụ nào?')
    assert "2.1" in asked and "2.2" in asked
    first = next(line for line in asked.splitlines() if line.startswith("1. "))
    code = first.split()[1]
    done = text_of(await zalo_lan.send("1"))
    assert done.startswith(f"Đã ghi nhận: nhiệm vụ {code}") and "Hoàn thành" in done
    other = "2.2" if code == "2.1" else "2.1"
    assert (await assignment_of(app, other, TP)).status == "not_started"


async def test_help_on_zalo_speaks_of_numbers_not_buttons_or_replies(zalo_lan: Person) -> None:
    shown = text_of(await zalo_lan.send("/help"))
    assert "gõ số" in shown and "reply" not in shown and "Bấm nút" not in shown
