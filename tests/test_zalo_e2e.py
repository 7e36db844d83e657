"""End to end on Zalo: our channel against the fake Zalo Bot Platform, the conversation and
the outbox worker on a real SQLite file, the service's HTTP server on loopback."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.base import Outbound, TransientError, Unreachable
from bot.digest.send import send_weekly_digest
from bot.digest.text import text_format
from bot.service import App
from storage.models import Evidence, OutboxMessage, ProcessedInbound
from storage.vocab import PersonRole
from tests.conversation_kit import assignment_of
from tests.factories import invite_code, load_example
from tests.fakes.clock import ManualClock
from tests.fakes.zalo_api import ZaloUser
from tests.telegram_kit import queue_reminder
from tests.zalo_kit import SECRET, ZaloBot, running_zalo, zalo_person

LAN = ZaloUser("zl-5001", "Nguyễn Thị Lan")
HUNG = ZaloUser("zl-5002", "Trần Văn Hùng", name_key="name")
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2023, 3, 27, 2, 0, tzinfo=UTC))  # Monday 09:00 in Hà Tĩnh


@pytest.fixture
async def bot(app: App, clock: ManualClock) -> AsyncIterator[ZaloBot]:
    await load_example(app)
    async with running_zalo(app, clock) as running:
        yield running


@pytest.fixture
async def hooked(app: App, clock: ManualClock) -> AsyncIterator[ZaloBot]:
    await load_example(app)
    async with running_zalo(app, clock, webhook=True) as running:
        yield running


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def register(bot: ZaloBot, user: ZaloUser, unit: str | None, role: PersonRole) -> None:
    await bot.api.user_sends(user, f"/start {await invite_code(bot.app, unit, role)}")
    [welcome] = await bot.api.next_messages(user.id)
    assert user.name in welcome


async def test_a_text_reaches_the_conversation_and_is_answered(bot: ZaloBot) -> None:
    await register(bot, LAN, "Phòng Tư pháp", PersonRole.FOCAL)
    await bot.api.user_sends(LAN, "/status")
    [status] = await bot.api.next_messages(LAN.id)
    assert "Phòng Tư pháp" in status
    assert bot.api.calls[0][0] == "getMe" and ("deleteWebhook", {}) in bot.api.calls


async def test_a_reminder_is_delivered_with_numbered_choices(app: App, bot: ZaloBot) -> None:
    assignment = await assignment_of(app, "2.2", "Phòng Tư pháp")
    person = await zalo_person(app, LAN, unit_id=assignment.unit_id)
    assert assignment.id is not None
    await queue_reminder(app, person_id=person, assignment_id=assignment.id)
    assert await bot.delivery.run_once() == 1
    [reminder] = bot.api.texts_to(LAN.id)
    assert "2.2" in reminder and "1 " in reminder  # choices by number, no buttons on Zalo
    async with app.sessions() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert row.status == "sent" and row.message_id


async def test_an_image_is_fetched_and_stored_as_evidence(app: App, bot: ZaloBot) -> None:
    await register(bot, LAN, "Phòng Tư pháp", PersonRole.FOCAL)
    await bot.api.user_sends(LAN, "/update 2.2 đang làm 50%")
    await bot.api.next_messages(LAN.id)
    await bot.api.user_sends_photo(LAN, "bien-ban.jpg", PHOTO)
    [saved] = await bot.api.next_messages(LAN.id)
    assert "2.2" in saved
    async with app.sessions() as session:
        evidence = (await session.execute(select(Evidence))).scalar_one()
    assert evidence.size == len(PHOTO) and len(evidence.sha256) == 64


async def test_a_duplicate_update_is_answered_once(app: App, bot: ZaloBot) -> None:
    await register(bot, LAN, "Phòng Tư pháp", PersonRole.FOCAL)
    update = bot.api.update(LAN, "message.text.received", text="/help")
    await bot.api.deliver(update)
    await bot.api.deliver(update)
    await bot.api.next_messages(LAN.id)
    await bot.api.user_sends(LAN, "/status")  # answered only after both copies were handled
    [after] = await bot.api.next_messages(LAN.id)
    assert "Phòng Tư pháp" in after
    assert await count(app, ProcessedInbound) == 3  # /start, /help once, /status


async def test_unknown_or_missing_event_names_are_answered_cleanly(app: App, bot: ZaloBot) -> None:
    await register(bot, LAN, "Phòng Tư pháp", PersonRole.FOCAL)
    unknown = bot.api.update(LAN, "message.voice.received", voice="https://x/v.aac")
    missing = bot.api.update(LAN, "message.text.received", text="xin chào")
    del missing["event_name"]
    for update in (unknown, missing, {"message": "not an object"}, ["a", "list"]):
        await bot.api.updates.put(update)  # type: ignore[arg-type]
    first, second = await bot.api.next_messages(LAN.id, 2)
    assert first == second and "chữ và ảnh" in first
    await bot.api.user_sends(LAN, "/help")  # the loop goes on
    await bot.api.next_messages(LAN.id)
    assert await count(app, ProcessedInbound) == 2  # /start and /help: nothing else stored


async def test_a_long_message_from_us_is_split_at_line_breaks(bot: ZaloBot) -> None:
    line = "Dòng báo cáo tiến độ " + "x" * 78  # 99 characters and a line break
    text = "\n".join(f"{n:02d} {line}" for n in range(25))  # about 2,575 characters
    await bot.channel.send(LAN.id, Outbound(text))
    first, second = bot.api.texts_to(LAN.id)
    assert len(first) <= 2000 and len(second) <= 2000
    assert f"{first}\n{second}" == text


async def test_a_failed_send_is_retried(bot: ZaloBot, clock: ManualClock) -> None:
    bot.api.fail_sends(2, code=502)
    before = clock.now()
    await bot.channel.send(LAN.id, Outbound("Nhắc việc"))
    assert bot.api.texts_to(LAN.id) == ["Nhắc việc"]
    assert (clock.now() - before).total_seconds() >= 6  # backed off 2 s, then 4 s
    bot.api.fail_sends(3, code=500)
    with pytest.raises(TransientError):  # the outbox backs off and tries the row again
        await bot.channel.send(LAN.id, Outbound("Lần sau"))


async def test_a_person_who_blocked_the_bot_is_unreachable(bot: ZaloBot) -> None:
    bot.api.block(LAN)
    with pytest.raises(Unreachable):
        await bot.channel.send(LAN.id, Outbound("Nhắc việc"))


async def test_webhook_updates_are_answered(app: App, hooked: ZaloBot) -> None:
    assert hooked.api.webhook == (hooked.webhook_url, SECRET)
    await register(hooked, LAN, "Phòng Tư pháp", PersonRole.FOCAL)
    wrapped = {"ok": True, "result": hooked.api.update(HUNG, "message.text.received", text="hi")}
    assert await hooked.api.post_webhook(hooked.webhook_url, wrapped, secret=SECRET) == 200
    [answer] = await hooked.api.next_messages(HUNG.id)
    assert "chưa được đăng ký" in answer


async def test_forged_and_broken_webhook_calls_store_nothing(app: App, hooked: ZaloBot) -> None:
    update = hooked.api.update(LAN, "message.text.received", text="/help")
    url = hooked.webhook_url
    assert await hooked.api.post_webhook(url, update, secret=None) == 401
    assert await hooked.api.post_webhook(url, update, secret="wrong-secret-123") == 401
    assert await hooked.api.post_webhook(url, None, secret=SECRET, raw=b"{not json") == 400
    assert await count(app, ProcessedInbound) == 0 and hooked.api.sent == []


async def test_digest_files_reach_zalo_as_links_that_expire(
    app: App, hooked: ZaloBot, clock: ManualClock
) -> None:
    await register(hooked, HUNG, None, PersonRole.COORDINATOR)
    await hooked.api.user_sends(HUNG, "/digest")
    await hooked.api.next_messages(HUNG.id)
    texts = [t for t in hooked.api.texts_to(HUNG.id) if "/tep/" in t]
    links = [line.split(": ", 1)[1] for t in texts for line in t.splitlines() if "/tep/" in line]
    assert len(links) == 2  # the chart and the Excel file
    async with httpx.AsyncClient(timeout=10) as client:
        for link in links:
            got = await client.get(link)
            assert got.status_code == 200 and len(got.content) > 100
        forged = links[0].replace("/tep/", "/tep/1").rsplit("/", 1)[0] + "/../../button.key"
        assert (await client.get(forged)).status_code in (403, 404)
        clock.advance(days=8)
        expired = await client.get(links[0])
        assert expired.status_code == 403 and "hết hạn" in expired.text


async def test_an_official_registers_by_sending_the_invite_code(app: App, bot: ZaloBot) -> None:
    await bot.api.user_sends(LAN, await invite_code(app, "Phòng Tư pháp", PersonRole.FOCAL))
    [welcome] = await bot.api.next_messages(LAN.id)
    assert "Phòng Tư pháp" in welcome and "cán bộ đầu mối" in welcome
    await bot.api.user_sends(LAN, "/status")
    [status] = await bot.api.next_messages(LAN.id)
    assert status.startswith("Phòng Tư pháp — Kế hoạch 32/KH-UBND")


async def test_the_weekly_digest_reaches_zalo_with_its_files_as_links(
    app: App, hooked: ZaloBot, clock: ManualClock
) -> None:
    await register(hooked, HUNG, None, PersonRole.COORDINATOR)
    clock.move_to(datetime(2023, 3, 31, 8, 5, tzinfo=UTC))  # Friday 15:05 in Hà Tĩnh
    formats = {"zalo": text_format(hooked.channel.capabilities)}
    written = await send_weekly_digest(app.sessions, app.digests, now=clock.now(), formats=formats)
    assert written >= 3  # the text, then a link for each file
    assert await hooked.delivery.run_once() == written
    texts = hooked.api.texts_to(HUNG.id)
    assert any(t.startswith("📋 TỔNG HỢP TUẦN") for t in texts)
    links = [line.split(": ", 1)[1] for t in texts for line in t.splitlines() if "/tep/" in line]
    # The chart, the Excel file, and the first quarter's written report (its data closed 14/03).
    assert [link.rsplit(".", 1)[1] for link in links] == ["png", "xlsx", "docx"]
    async with httpx.AsyncClient(timeout=10) as client:
        for link in links:
            assert (await client.get(link)).status_code == 200


async def test_a_text_over_the_limit_is_answered_and_changes_nothing(
    app: App, bot: ZaloBot
) -> None:
    await register(bot, LAN, "Phòng Tư pháp", PersonRole.FOCAL)
    before = await count(app, ProcessedInbound)
    await bot.api.user_sends(LAN, "2.1 xong " + "rất dài " * 400)
    [answer] = await bot.api.next_messages(LAN.id)
    assert "quá dài" in answer
    assert (await assignment_of(app, "2.1", "Phòng Tư pháp")).status == "not_started"
    assert await count(app, ProcessedInbound) == before


async def test_answering_by_number_and_by_text_gets_one_confirmation_not_a_copy(
    app: App, bot: ZaloBot
) -> None:
    """Zalo cannot edit a sent message: the answer is confirmed, the reminder not re-sent."""
    assignment = await assignment_of(app, "2.2", "Phòng Tư pháp")
    person = await zalo_person(app, LAN, unit_id=assignment.unit_id)
    assert assignment.id is not None
    await queue_reminder(app, person_id=person, assignment_id=assignment.id)
    assert await bot.delivery.run_once() == 1
    await bot.api.next_messages(LAN.id)
    await bot.api.user_sends(LAN, "2")  # "2 Đang thực hiện" from the numbered choices
    answer = await bot.api.next_messages(LAN.id, 2)
    assert answer[0].startswith("Đã ghi nhận: nhiệm vụ 2.2") and "Đang thực hiện" in answer[0]
    assert not any(text.startswith("⏰") for text in answer)
    await bot.api.user_sends(LAN, "2.2 xong")
    [done] = await bot.api.next_messages(LAN.id)
    assert done.startswith("Đã ghi nhận: nhiệm vụ 2.2") and "Hoàn thành" in done
