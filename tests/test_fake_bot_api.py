"""The fake Telegram Bot API, driven through a real python-telegram-bot `Bot`."""

import asyncio
import socket
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from tests.fakes import Chat, FakeBotApi, ManualClock, User
from tests.fakes.bot_api_arrival import listening_socket, seconds_since_received
from tests.fakes.bot_api_limits import RateLimiter

LAN = User(1001, "Lan", "Nguyễn Thị", username="lan_tp")
HUNG = User(1002, "Hùng", "Trần Văn")
NOI_VU = Chat.group(-1001234, "Phòng Nội vụ")


@pytest.fixture
def clock(manual_clock: ManualClock) -> ManualClock:
    """Here the clock is the fake Bot API's: its rate limits move only when a test says."""
    return manual_clock


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


async def test_get_me_describes_the_bot(bot: Bot, api: FakeBotApi) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456789, True, "nhacviec_test_bot")
    assert [call.method for call in api.calls] == ["getMe", "getMe"]


async def test_updates_are_offered_until_confirmed_by_offset(bot: Bot, api: FakeBotApi) -> None:
    first = api.user_sends(LAN, None, "/status Phòng Tư pháp")
    api.user_sends(HUNG, NOI_VU, "chào cả nhà")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first.update_id, first.update_id + 1]
    assert updates[0].message.text == "/status Phòng Tư pháp"
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[1].effective_chat.type == "group"
    assert len(await bot.get_updates()) == 2  # not confirmed yet
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert api.pending_updates == []


async def test_long_poll_answers_as_soon_as_an_update_arrives(bot: Bot, api: FakeBotApi) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_until(lambda: api.long_polls == 1)
    api.user_sends(LAN, None, "xong")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates] == ["xong"]


async def test_long_poll_returns_nothing_when_its_timeout_passes(api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        url = f"{api.base_url}{api.token}/getUpdates"
        response = await asyncio.wait_for(client.post(url, data={"timeout": "0.05"}), 2)
    assert response.json() == {"ok": True, "result": []}


async def test_send_with_keyboard_then_edit(bot: Bot, api: FakeBotApi, clock: ManualClock) -> None:
    asked = api.user_sends(LAN, None, "/tasks")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Hoàn thành", callback_data="d:1")]])
    sent = await bot.send_message(
        LAN.id,
        "<b>2.1</b> Góp ý",
        parse_mode="HTML",
        reply_markup=keyboard,
        reply_to_message_id=asked.message_id,
    )
    assert sent.reply_to_message.text == "/tasks"
    [message] = await api.next_messages(LAN.id)
    assert (message.text, message.parse_mode, message.buttons) == (
        "2.1 Góp ý",
        "HTML",
        [[("Hoàn thành", "d:1")]],
    )
    clock.advance(1.0)  # an edit counts against the chat's 1 message a second
    edited = await bot.edit_message_text("Đã ghi nhận", chat_id=LAN.id, message_id=sent.id)
    assert edited.text == "Đã ghi nhận" and edited.reply_markup is None
    assert (message.text, message.edits, message.buttons) == ("Đã ghi nhận", 1, [])
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_text("Đã ghi nhận", chat_id=LAN.id, message_id=sent.id)
    await bot.edit_message_reply_markup(LAN.id, sent.id, reply_markup=keyboard)
    assert message.buttons == [[("Hoàn thành", "d:1")]]


async def test_button_press_and_callback_answer(bot: Bot, api: FakeBotApi) -> None:
    api.private_chat(LAN)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Vướng mắc", callback_data="b:7")]])
    sent = await bot.send_message(LAN.id, "Nhắc hạn 2.1", reply_markup=keyboard)
    pressed = api.user_presses(LAN, sent.id, "b:7")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.message.message_id, query.from_user.id) == ("b:7", sent.id, LAN.id)
    assert await bot.answer_callback_query(query.id, text="Đã ghi nhận")
    assert (await api.callback_answer(pressed.callback_query_id))["text"] == "Đã ghi nhận"
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)


async def test_two_messages_to_one_chat_in_one_second_get_429(
    bot: Bot, api: FakeBotApi, clock: ManualClock
) -> None:
    api.private_chat(LAN)
    await bot.send_message(LAN.id, "một")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(LAN.id, "hai")
    assert caught.value.retry_after == timedelta(seconds=1)
    assert api.rejected_429 == 1 and api.calls_to("sendMessage")[-1].status == 429
    clock.advance(1.0)
    await bot.send_message(LAN.id, "hai")
    assert [m.text for m in api.sent_to(LAN.id)] == ["một", "hai"]


async def test_more_than_30_messages_a_second_get_429(
    bot: Bot, api: FakeBotApi, clock: ManualClock
) -> None:
    people = [api.private_chat(User(5000 + n, f"Người {n}")) for n in range(31)]
    for chat in people[:30]:
        await bot.send_message(chat.id, "Nhắc hạn")
    with pytest.raises(RetryAfter):
        await bot.send_message(people[30].id, "Nhắc hạn")
    assert api.rejected_429 == 1
    clock.advance(1.0)
    await bot.send_message(people[30].id, "Nhắc hạn")


async def test_a_group_gets_20_messages_a_minute(
    bot: Bot, api: FakeBotApi, clock: ManualClock
) -> None:
    api.add_chat(NOI_VU)
    for _ in range(20):
        await bot.send_message(NOI_VU.id, "Tổng hợp")
        clock.advance(1.0)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(NOI_VU.id, "Tổng hợp")
    assert caught.value.retry_after == timedelta(seconds=40)


async def test_rate_limits_can_be_switched_off(clock: ManualClock) -> None:
    async with (
        FakeBotApi(clock=clock, rate_limits=False) as api,
        Bot(api.token, base_url=api.base_url) as bot,
    ):
        api.private_chat(LAN)
        for n in range(5):
            await bot.send_message(LAN.id, f"tin {n}")
    assert len(api.sent_to(LAN.id)) == 5 and api.rejected_429 == 0


async def test_injected_faults(bot: Bot, api: FakeBotApi, clock: ManualClock) -> None:
    api.private_chat(LAN)
    api.fail_next_sends(1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(LAN.id, "một")
    await bot.send_message(LAN.id, "một")
    api.block(LAN.id)
    clock.advance(1.0)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(LAN.id, "hai")


async def test_refusals_telegram_would_give(bot: Bot, api: FakeBotApi) -> None:
    api.private_chat(LAN)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(42, "ai đó")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(LAN.id, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)can.t parse entities"):
        await bot.send_message(LAN.id, "<b>mở mà không đóng", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        await bot.send_message(LAN.id, "nút quá dài", reply_markup=keyboard)
    assert api.sent_to(LAN.id) == []


async def test_files_round_trip(bot: Bot, api: FakeBotApi, clock: ManualClock) -> None:
    posted = api.user_sends_document(LAN, b"%PDF-1.7 bao cao", "bao-cao.pdf", caption="xong")
    [update] = await bot.get_updates()
    document = update.message.document
    assert (document.file_name, document.file_size, update.message.caption) == (
        "bao-cao.pdf",
        16,
        "xong",
    )
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.7 bao cao"
    sent = await bot.send_document(LAN.id, b"PK\x03\x04xlsx", filename="tong-hop.xlsx")
    clock.advance(1.0)
    await bot.send_photo(LAN.id, b"\x89PNG chart", caption="Biểu đồ", reply_to_message_id=1)
    document_message, photo_message = api.sent_to(LAN.id)
    assert (document_message.kind, document_message.file.data) == ("document", b"PK\x03\x04xlsx")
    assert (photo_message.kind, photo_message.text) == ("photo", "Biểu đồ")
    again = await bot.get_file(sent.document.file_id)
    assert bytes(await again.download_as_bytearray()) == b"PK\x03\x04xlsx"
    assert posted.message_id == 1


async def test_photos_and_stickers_look_like_telegrams(bot: Bot, api: FakeBotApi) -> None:
    api.user_sends_photo(LAN, b"\xff\xd8jpeg", caption="biên bản")
    api.user_sends_sticker(LAN)
    photo_update, sticker_update = await bot.get_updates()
    sizes = photo_update.message.photo
    assert [s.width for s in sizes] == [90, 1280] and photo_update.message.caption == "biên bản"
    assert sticker_update.message.sticker.emoji == "👍"


async def test_commands_are_kept(bot: Bot, api: FakeBotApi) -> None:
    await bot.set_my_commands([("status", "Tình hình thực hiện")])
    [command] = await bot.get_my_commands()
    assert (command.command, command.description) == ("status", "Tình hình thực hiện")


async def test_unknown_method_and_wrong_token(bot: Bot, api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}{api.token}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    stranger = Bot("987654321:AAWrongTokenWrongTokenWrongToken12", base_url=api.base_url)
    with pytest.raises(InvalidToken):
        async with stranger:  # getMe on initialize; the client is shut down on the way out
            pass


async def test_a_flooded_chat_is_refused_with_the_wait_it_was_given(
    bot: Bot, api: FakeBotApi
) -> None:
    api.private_chat(LAN)
    api.private_chat(HUNG)
    api.flood(LAN, retry_after=7)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(LAN.id, "một")
    assert refused.value.retry_after == timedelta(seconds=7) and api.rejected_429 == 1
    await bot.send_message(HUNG.id, "hai")  # another chat is not held
    await bot.send_message(LAN.id, "ba")  # and this chat only once
    assert [m.text for m in api.sent_to(LAN.id)] == ["ba"]


async def test_latency_delays_each_call_without_holding_the_others() -> None:
    people = [User(2000 + n, f"Người {n}") for n in range(5)]
    async with (
        FakeBotApi(latency=1.0, rate_limits=False) as far,
        Bot(far.token, base_url=far.base_url, base_file_url=far.base_file_url) as client,
    ):
        for person in people:
            far.private_chat(person)
        sends = [asyncio.create_task(client.send_message(p.id, "chào")) for p in people]
        # Each request reaches the server half a second after it left; all five are there
        # together, and none has its answer back yet: no request waits for another.
        await far.wait_until(lambda: len(far.calls_to("sendMessage")) == 5, within=5)
        assert not any(send.done() for send in sends)
        await asyncio.gather(*sends)


def test_a_request_handled_late_is_judged_by_when_it_arrived() -> None:
    """With latency, requests are handled a little out of order; each is judged by every
    window of one second it arrived in, no stricter and no looser."""
    limiter = RateLimiter(lambda: 0.0, overall_per_second=2)
    assert limiter.admit(1, group=False, at=10.9) is None
    assert limiter.admit(2, group=False, at=11.5) is None
    # Arrived at 10.45, handled after 11.5: no second around 10.45 holds both 10.9 and 11.5.
    assert limiter.admit(3, group=False, at=10.45) is None
    # Arrived at 10.6: (10.5, 11.5] would hold three.
    assert limiter.admit(4, group=False, at=10.6) is not None
    assert limiter.rejected_429 == 1


@pytest.mark.skipif(sys.platform != "linux", reason="kernel receive stamps are Linux's")
def test_a_request_counts_when_it_reached_the_server_not_when_the_server_read_it() -> None:
    server = listening_socket()
    server.listen()
    with server, socket.create_connection(server.getsockname()) as client:
        connection, _ = server.accept()
        with connection:
            client.sendall(b"POST /bot/sendMessage HTTP/1.1\r\n\r\n")
            sent = time.time()
            connection.recv(1024)  # read later, as a busy server would
            arrived = time.time() - seconds_since_received(connection.fileno())
            assert arrived <= sent
