"""The Telegram channel: a real PTB `Application`, polling the fake Bot API on loopback."""

import asyncio
import logging
import math
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    Answer,
    Attachment,
    Button,
    ChannelError,
    FileTooLarge,
    Inbound,
    Outbound,
    RetryLater,
    TransientError,
    Unreachable,
)
from bot.channels.telegram import TelegramChannel, build_telegram_channel
from bot.channels.telegram_mapping import channel_error, split_text, utf16_len
from bot.delivery.pacing import WINDOW
from bot.settings import Settings, SettingsError
from bot.texts import chat as words
from tests.fakes import Chat, FakeBotApi, ManualClock, User

LAN = User(1001, "Nguyễn Thị Lan")
HUNG = User(1002, "Hùng", "Trần Văn")
NOI_VU = Chat.group(-1001234, "Phòng Nội vụ")
BUTTONS = ((Button("Hoàn thành", "done:2.1"), Button("Sửa", "edit:2.1")),)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


class Echo:
    """A tiny conversation: keeps what came in, answers with buttons (or as told)."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[Inbound] = asyncio.Queue()
        self.reply: Callable[[Inbound], Answer] = self.echo

    async def __call__(self, inbound: Inbound) -> Answer:
        self.inbox.put_nowait(inbound)
        return self.reply(inbound)

    @staticmethod
    def echo(inbound: Inbound) -> Answer:
        said = inbound.button_data or inbound.text or "tệp"
        toast = "Đã ghi nhận" if inbound.button_data else None
        return Answer([Outbound(f"Đã nhận: {said}", buttons=BUTTONS)], toast=toast)

    async def next(self) -> Inbound:
        return await asyncio.wait_for(self.inbox.get(), 3)

    async def attachment(self) -> Attachment:
        attachment = (await self.next()).attachment
        assert attachment is not None
        return attachment


@pytest.fixture
def clock(manual_clock: ManualClock) -> ManualClock:
    """Here the clock is the fake Bot API's: its rate limits move only when a test says."""
    return manual_clock


@pytest.fixture
def echo() -> Echo:
    return Echo()


def channel_for(api: FakeBotApi, clock: ManualClock) -> TelegramChannel:
    settings = Settings(
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_file_base_url=api.base_file_url,
    )
    # The channel sits out 429 pauses on the fake's clock, so no test really waits.
    return build_telegram_channel(settings, clock, poll_timeout=1.0, sleep=clock.sleep)


@pytest.fixture
async def channel(
    api: FakeBotApi, clock: ManualClock, echo: Echo
) -> AsyncIterator[TelegramChannel]:
    telegram = channel_for(api, clock)
    await telegram.start(echo)
    yield telegram
    await telegram.stop()


async def test_a_message_reaches_the_conversation_and_the_answer_has_buttons(
    channel: TelegramChannel, api: FakeBotApi, echo: Echo
) -> None:
    posted = api.user_sends(LAN, None, "/status Phòng Tư pháp")
    assert await echo.next() == Inbound(
        channel="telegram",
        update_id=str(posted.update_id),
        user_id="1001",
        chat_id="1001",
        chat_type="private",
        display_name="Nguyễn Thị Lan",
        text="/status Phòng Tư pháp",
        message_id=str(posted.message_id),
    )
    [answer] = await api.next_messages(LAN.id)
    assert answer.text == "Đã nhận: /status Phòng Tư pháp"
    assert answer.buttons == [[("Hoàn thành", "done:2.1"), ("Sửa", "edit:2.1")]]


async def test_a_button_press_and_a_reply(
    channel: TelegramChannel, api: FakeBotApi, echo: Echo
) -> None:
    api.user_sends(LAN, None, "/tasks")
    await echo.next()
    [reminder] = await api.next_messages(LAN.id)
    pressed = api.user_presses(LAN, reminder.message_id, "done:2.1")
    press = await echo.next()
    assert (press.button_data, press.message_id) == ("done:2.1", str(reminder.message_id))
    assert (await api.callback_answer(pressed.callback_query_id))["text"] == "Đã ghi nhận"
    api.user_sends(LAN, None, "da xong, bao cao so 45", reply_to=reminder.message_id)
    reply = await echo.next()
    assert reply.reply_to_message_id == str(reminder.message_id)
    assert len(await api.next_messages(LAN.id, 2)) == 2
    assert api.rejected_429 == 0  # answers wait their turn: 1.05 s apart in one chat


async def test_a_failing_conversation_still_answers(
    channel: TelegramChannel, api: FakeBotApi, echo: Echo, caplog: pytest.LogCaptureFixture
) -> None:
    api.user_sends(LAN, None, "/tasks")
    [message] = await api.next_messages(LAN.id)

    def broken(inbound: Inbound) -> Answer:
        raise RuntimeError("database is down")

    echo.reply = broken
    pressed = api.user_presses(LAN, message.message_id, "done:2.1")
    assert "text" not in await api.callback_answer(pressed.callback_query_id)
    [apology] = await api.next_messages(LAN.id)
    assert apology.text == words.HANDLER_FAILED
    assert "conversation failed" in caplog.text


async def test_photo_and_document_arrive_as_attachments_and_download(
    channel: TelegramChannel, api: FakeBotApi, echo: Echo
) -> None:
    api.user_sends_photo(LAN, PNG, caption="biên bản")
    photo = await echo.next()
    assert photo.text == "biên bản" and photo.attachment is not None
    assert (photo.attachment.kind, photo.attachment.size) == ("photo", len(PNG))
    assert photo.attachment.file_id == list(api.files)[-1]  # the largest size
    assert await channel.download(photo.attachment, limit=1024) == PNG
    api.user_sends_document(LAN, b"%PDF-1.7 bao cao", "bao-cao.pdf")
    document = await echo.attachment()
    assert document == Attachment(
        list(api.files)[-1], "document", "bao-cao.pdf", "application/pdf", 16
    )
    assert await channel.download(document, limit=1024) == b"%PDF-1.7 bao cao"


async def test_an_oversize_file_is_refused_before_download(
    channel: TelegramChannel, api: FakeBotApi, echo: Echo
) -> None:
    api.user_sends_document(LAN, b"scan", "ho-so.pdf", size=25 * 1024 * 1024)
    with pytest.raises(FileTooLarge) as caught:
        await channel.download(await echo.attachment(), limit=20 * 1024 * 1024)
    assert caught.value.size == 25 * 1024 * 1024 and api.calls_to("getFile") == []
    api.user_sends_document(LAN, b"x" * 100, "nho.pdf")
    unsized = Attachment((await echo.attachment()).file_id, "document")
    with pytest.raises(FileTooLarge):
        await channel.download(unsized, limit=10)  # getFile's file_size tells
    assert len(api.calls_to("getFile")) == 1


async def test_stickers_and_groups(channel: TelegramChannel, api: FakeBotApi, echo: Echo) -> None:
    api.user_sends_sticker(LAN)
    sticker = await echo.next()
    assert (sticker.sticker, sticker.text, sticker.attachment) == (True, None, None)
    api.user_sends(HUNG, NOI_VU, "/status")
    group = await echo.next()
    assert (group.chat_type, group.chat_id, group.user_id) == ("group", "-1001234", "1002")
    assert group.display_name == "Hùng Trần Văn"
    [answer] = await api.next_messages(NOI_VU)
    assert answer.text == "Đã nhận: /status"


async def test_the_vietnamese_command_menu_is_registered(
    channel: TelegramChannel, api: FakeBotApi
) -> None:
    registered = [(c["command"], c["description"]) for c in api.commands["default/"]]
    assert registered == list(words.COMMANDS)
    assert (
        " ".join(c for c, _ in registered)
        == "start help status overdue tasks update invite digest kenh"
    )


async def test_a_refused_token_fails_start_and_leaves_nothing_running(
    api: FakeBotApi, clock: ManualClock, echo: Echo
) -> None:
    wrong = Settings(telegram_bot_token="987654321:" + "A" * 35, telegram_api_base_url=api.base_url)
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN was refused") as caught:
        await build_telegram_channel(wrong, clock).start(echo)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # PTB quotes it
    assert [(call.method, call.status) for call in api.calls] == [("getMe", 401)]


async def test_send_maps_telegram_errors_onto_the_seam(
    channel: TelegramChannel, api: FakeBotApi, clock: ManualClock
) -> None:
    api.private_chat(LAN)
    # A channel that claims no per-chat limit: its pacer believes it, Telegram does not.
    channel.capabilities = replace(channel.capabilities, per_chat_per_second=math.inf)
    await channel.send("1001", Outbound("Nhắc hạn 2.1"))
    with pytest.raises(RetryLater) as caught:
        await channel.send("1001", Outbound("Nhắc hạn 2.2"))
    assert caught.value.retry_after == 1.0 and len(api.sent_to(LAN.id)) == 1
    clock.advance(1.0)
    api.fail_next_sends(1)
    with pytest.raises(TransientError):
        await channel.send("1001", Outbound("Nhắc hạn 2.2"))
    api.block(LAN)
    with pytest.raises(Unreachable):
        await channel.send("1001", Outbound("Nhắc hạn 2.2"))
    with pytest.raises(ChannelError) as refused:
        await channel.send("4242", Outbound("không có ai"))
    assert type(refused.value) is ChannelError


@pytest.mark.parametrize("opt_in", ["true", "false"])
def test_retry_after_as_int_or_timedelta(monkeypatch: pytest.MonkeyPatch, opt_in: str) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", opt_in)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)  # PTB warns when not opted in
        error = RetryAfter(7)
    mapped = channel_error(error)
    assert isinstance(mapped, RetryLater) and mapped.retry_after == 7.0


async def test_a_long_answer_is_split_never_cut(
    channel: TelegramChannel, api: FakeBotApi, echo: Echo
) -> None:
    long = "\n".join(f"{n:03d}. Nhiệm vụ rà soát thủ tục hành chính cấp xã" for n in range(126))
    assert 6000 <= len(long) < 8192
    echo.reply = lambda inbound: Answer([Outbound(long, buttons=BUTTONS)])
    api.user_sends(LAN, None, "/status")
    first, second = await api.next_messages(LAN.id, 2)
    assert "\n".join([first.text or "", second.text or ""]) == long
    assert (first.buttons, len(second.buttons[0])) == ([], 2)


async def test_edits_and_files(
    channel: TelegramChannel, api: FakeBotApi, clock: ManualClock, tmp_path: Path
) -> None:
    api.private_chat(LAN)
    sent = await channel.send("1001", Outbound("Nhắc hạn 2.1", buttons=BUTTONS))
    clock.advance(1.0)
    edit = Outbound("Đã ghi nhận: <b>Hoàn thành</b>", edit_message_id=sent.message_id, html=True)
    assert await channel.send("1001", edit) == sent
    clock.advance(1.0)
    assert await channel.send("1001", edit) == sent  # "not modified" is no failure
    [message] = api.sent_to(LAN.id)
    assert (message.text, message.buttons, message.edits) == ("Đã ghi nhận: Hoàn thành", [], 1)
    chart, table = tmp_path / "bieu-do.png", tmp_path / "tong-hop.xlsx"
    chart.write_bytes(PNG)
    table.write_bytes(b"PK\x03\x04")
    clock.advance(1.0)
    await channel.send("1001", Outbound("Biểu đồ tuần", file_path=str(chart)))
    clock.advance(1.0)
    await channel.send("1001", Outbound("x" * 2000, file_path=str(table), buttons=BUTTONS))
    kinds = [(m.kind, m.file.data if m.file else None) for m in api.sent_to(LAN.id)[1:]]
    assert kinds == [("photo", PNG), ("text", None), ("document", b"PK\x03\x04")]
    assert api.sent_to(LAN.id)[-1].buttons and api.sent_to(LAN.id)[-2].text == "x" * 2000


def test_split_text_counts_utf16_and_prefers_line_breaks() -> None:
    pieces = split_text("😀" * 3000, 4096)  # an emoji is two UTF-16 units
    assert pieces == ["😀" * 2048, "😀" * 952] and all(utf16_len(p) <= 4096 for p in pieces)
    assert split_text("dòng một\ndòng hai", 12) == ["dòng một", "dòng hai"]
    assert split_text("một hai\nba", 4) == ["một", "hai", "ba"]
    assert split_text("", 4096) == [""]


async def test_the_token_reaches_no_log_record(
    api: FakeBotApi, clock: ManualClock, echo: Echo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    telegram = channel_for(api, clock)
    await telegram.start(echo)
    try:
        api.user_sends_photo(LAN, PNG)
        await telegram.download(await echo.attachment(), limit=1024)
        await api.next_messages(LAN.id)
    finally:
        await telegram.stop()
    assert any("getUpdates" in record.getMessage() for record in caplog.records)
    assert any("<token>" in record.getMessage() for record in caplog.records)
    assert all(api.token not in record.getMessage() for record in caplog.records)
    assert api.token not in caplog.text


async def test_a_send_counts_from_when_its_request_left_not_when_its_answer_came(
    channel: TelegramChannel, api: FakeBotApi, clock: ManualClock
) -> None:
    """Telegram counts a message when it arrives; the first answer here takes half a second.
    Counted when the answer came, the 31st message would wait until 1.54 s."""
    people = [api.private_chat(User(7000 + n, f"Người {n}")) for n in range(31)]
    answer = api._methods["sendmessage"]

    async def slow_first_answer(params: dict[str, object]) -> object:
        result = await answer(params)
        if len(api.sent_to(people[0].id)) == 1 and not api.calls_to("sendMessage"):
            clock.advance(0.5)  # counted by the server at 0; its answer is back at 0.5
        return result

    api._methods["sendmessage"] = slow_first_answer
    start = clock()
    for person in people:
        await channel.send(str(person.id), Outbound("Nhắc hạn"))
    moments = [call.at - start for call in api.calls_to("sendMessage")]
    assert api.rejected_429 == 0
    assert moments[30] == pytest.approx(WINDOW, abs=0.01)  # 30 went in the first 1.04 s
