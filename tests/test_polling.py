"""The polling loop never dies quietly: every getUpdates failure the fake Bot API injects is
logged and retried, and a refused token ends polling loudly (ChannelDown)."""

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bot.channels.base import Answer, ChannelDown, Inbound, Outbound
from bot.channels.telegram import TelegramChannel, build_telegram_channel
from bot.settings import Settings
from tests.fakes import FakeBotApi, ManualClock, User
from tests.fakes.bot_api_limits import CONFLICT, DROPPED, PollFault, too_many_requests

LAN = User(1001, "Nguyễn Thị Lan")


class Echo:
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[Inbound] = asyncio.Queue()

    async def __call__(self, inbound: Inbound) -> Answer:
        self.inbox.put_nowait(inbound)
        return Answer([Outbound(f"Đã nhận: {inbound.text}")])


@pytest.fixture
def clock(manual_clock: ManualClock) -> ManualClock:
    return manual_clock  # the channel's back-off sleeps on it: no test really waits


@pytest.fixture
async def echo_channel(
    api: FakeBotApi, clock: ManualClock
) -> AsyncIterator[tuple[TelegramChannel, Echo]]:
    settings = Settings(
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_file_base_url=api.base_file_url,
    )
    channel = build_telegram_channel(settings, clock, poll_timeout=1.0, sleep=clock.sleep)
    echo = Echo()
    await channel.start(echo)
    yield channel, echo
    await channel.stop()


async def test_every_get_updates_failure_is_logged_and_polling_goes_on(
    echo_channel: tuple[TelegramChannel, Echo],
    api: FakeBotApi,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    channel, echo = echo_channel
    before = clock()
    api.fail_polls(
        CONFLICT, CONFLICT, too_many_requests(7), PollFault(502), PollFault(500), DROPPED
    )
    api.user_sends(LAN, None, "/status")
    assert (await asyncio.wait_for(echo.inbox.get(), 5)).text == "/status"
    [answer] = await api.next_messages(LAN.id)
    assert answer.text == "Đã nhận: /status"
    assert not api.faults.polls  # every fault was met, and polling went on after each
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if "getUpdates" in r.getMessage()]
    conflicts = [m for level, m in logged if level == logging.ERROR]
    assert len(conflicts) == 2
    assert all("another instance is polling this bot token" in m for m in conflicts)
    warnings = " | ".join(m for level, m in logged if level == logging.WARNING)
    assert "rate limited (429); retrying in 7 s" in warnings
    assert "Bad Gateway" in warnings and "Internal Server Error" in warnings
    assert "Server disconnected" in warnings  # the dropped connection
    # 429 waited as long as asked; the others backed off 2, 4, 2, 4, 8 s.
    assert clock() - before >= 7 + 2 + 4 + 2 + 4 + 8
    # Nothing was lost in the turmoil: one update, handled once, then confirmed.
    await api.wait_until(lambda: not api.pending_updates)
    assert echo.inbox.empty()
    assert channel is not None


async def test_backoff_is_capped_at_a_minute_while_another_instance_polls(
    echo_channel: tuple[TelegramChannel, Echo], api: FakeBotApi, clock: ManualClock
) -> None:
    _, echo = echo_channel
    api.fail_polls(*[CONFLICT] * 12)
    start = clock()
    api.user_sends(LAN, None, "/help")
    await asyncio.wait_for(echo.inbox.get(), 5)
    waited = clock() - start
    assert waited == pytest.approx(2 + 4 + 8 + 16 + 32 + 60 * 7)


async def test_a_refused_token_ends_polling_and_says_why(
    echo_channel: tuple[TelegramChannel, Echo], api: FakeBotApi
) -> None:
    channel, echo = echo_channel
    await api.wait_until(lambda: api.long_polls >= 1)  # a poll is waiting, with the old token
    api.revoke_token()
    api.user_sends(LAN, None, "/help")  # wakes the long poll; the next one is refused
    with pytest.raises(ChannelDown, match="refused TELEGRAM_BOT_TOKEN") as down:
        await asyncio.wait_for(channel.watch(), 5)
    assert api.token.split("-revoked")[0] not in str(down.value)
    # The update fetched before the token went was still handled.
    assert (await asyncio.wait_for(echo.inbox.get(), 5)).text == "/help"
