"""Updates from different chats are handled at once, each chat's in order, and the getUpdates
offset never confirms an update that is not committed: a slow chat holds up nobody else, and
a crash in the middle loses nothing and answers nothing twice. On Zalo, one chat's answer
being retried holds up no other chat either."""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.channels.base import Answer, Inbound, InboundHandler, Outbound
from bot.channels.lanes import ChatLanes
from bot.channels.telegram import TelegramChannel, build_telegram_channel
from bot.channels.zalo import build_zalo_channel
from bot.conversation.core import Conversation
from bot.service import App, build_deps, conversation_handler
from bot.settings import Settings
from bot.texts import chat as words
from storage.vocab import PersonRole
from tests.factories import invite_code, load_example
from tests.fakes import FakeBotApi, ManualClock, User
from tests.fakes.zalo_api import FakeZaloApi, ZaloUser

pytestmark = pytest.mark.backends("sqlite", "postgresql")

LAN = User(1001, "Nguyễn Thị Lan")
HUNG = User(1002, "Hùng", "Trần Văn")
MAI = User(1003, "Mai", "Lê Thị")
ZALO_LAN = ZaloUser("zl-7001", "Nguyễn Thị Lan")
ZALO_ANH = ZaloUser("zl-7002", "Anh")


class Gated:
    """A conversation that answers "Đã nhận: <text>", but holds a chat's turn while its gate
    is shut: a person on a slow connection, or a long answer, as the test decides."""

    def __init__(self, inner: InboundHandler | None = None) -> None:
        self.inner = inner
        self.gates: dict[str, asyncio.Event] = {}
        self.started: defaultdict[str, list[str]] = defaultdict(list)

    def shut(self, user: User) -> asyncio.Event:
        self.gates[str(user.id)] = asyncio.Event()
        return self.gates[str(user.id)]

    async def __call__(self, inbound: Inbound) -> Answer:
        self.started[inbound.chat_id].append(inbound.text or "")
        gate = self.gates.get(inbound.chat_id)
        if gate is not None:
            await gate.wait()
        if self.inner is not None:
            return await self.inner(inbound)  # stored (committed) when this returns
        return Answer([Outbound(f"Đã nhận: {inbound.text}")])


def channel_for(api: FakeBotApi, clock: ManualClock) -> TelegramChannel:
    settings = Settings(
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_file_base_url=api.base_file_url,
    )
    return build_telegram_channel(settings, clock, poll_timeout=1.0, sleep=clock.sleep)


@pytest.fixture
async def gated(api: FakeBotApi, manual_clock: ManualClock) -> AsyncIterator[Gated]:
    conversation = Gated()
    channel = channel_for(api, manual_clock)
    await channel.start(conversation)
    yield conversation
    await channel.stop()


def texts(api: FakeBotApi, user: User) -> list[str]:
    return [message.text or "" for message in api.sent_to(user.id)]


async def test_a_slow_chat_does_not_hold_up_another_chats_answer(
    gated: Gated, api: FakeBotApi
) -> None:
    lan_waits = gated.shut(LAN)
    api.user_sends(LAN, None, "/status")
    await api.wait_until(lambda: gated.started[str(LAN.id)])
    api.user_sends(HUNG, None, "/help")
    [answer] = await api.next_messages(HUNG.id)
    assert answer.text == "Đã nhận: /help"
    assert texts(api, LAN) == []  # still on its way
    lan_waits.set()
    [answer] = await api.next_messages(LAN.id)
    assert answer.text == "Đã nhận: /status"


async def test_each_chats_messages_are_answered_in_order(gated: Gated, api: FakeBotApi) -> None:
    lan_waits = gated.shut(LAN)
    for n in range(1, 4):
        api.user_sends(LAN, None, f"tin {n}")
        api.user_sends(HUNG, None, f"tin {n}")
    await api.next_messages(HUNG.id, 3)
    assert texts(api, HUNG) == ["Đã nhận: tin 1", "Đã nhận: tin 2", "Đã nhận: tin 3"]
    # Lan's later messages wait behind her first: none of them started yet.
    assert gated.started[str(LAN.id)] == ["tin 1"]
    lan_waits.set()
    await api.next_messages(LAN.id, 3)
    assert texts(api, LAN) == ["Đã nhận: tin 1", "Đã nhận: tin 2", "Đã nhận: tin 3"]


async def test_the_offset_waits_for_the_oldest_update_still_being_handled(
    gated: Gated, api: FakeBotApi
) -> None:
    lan_waits = gated.shut(LAN)
    slow = api.user_sends(LAN, None, "/status")
    await api.wait_until(lambda: gated.started[str(LAN.id)])
    later = api.user_sends(HUNG, None, "/help")
    await api.next_messages(HUNG.id)
    polls = len(api.calls_to("getUpdates"))
    await api.wait_until(lambda: len(api.calls_to("getUpdates")) >= polls + 2)
    # Hùng's update is answered, but confirming it would confirm Lan's too.
    pending = [u["update_id"] for u in api.pending_updates]
    assert pending == [slow.update_id, later.update_id]
    assert gated.started[str(HUNG.id)] == ["/help"]  # polled again, not handled again
    lan_waits.set()
    await api.next_messages(LAN.id)
    await api.wait_until(lambda: not api.pending_updates)  # both confirmed now


async def test_only_so_many_chats_are_handled_at_once() -> None:
    gates = {key: asyncio.Event() for key in "abc"}
    running: list[str] = []
    done: list[str] = []

    async def handle(item: str) -> None:
        running.append(item)
        await gates[item[0]].wait()
        done.append(item)

    lanes: ChatLanes[str] = ChatLanes(handle, max_chats=2)
    for item in ("a1", "b1", "c1", "a2"):
        lanes.submit(item[0], item)
    for _ in range(5):
        await asyncio.sleep(0)  # let every lane that may start, start
    assert running == ["a1", "b1"]  # c1 waits for a free slot, a2 behind a1
    gates["b"].set()
    await lanes.wait_change(within=1)
    for _ in range(5):
        await asyncio.sleep(0)
    assert running == ["a1", "b1", "c1"]
    gates["a"].set()
    gates["c"].set()
    while lanes.busy:
        await lanes.wait_change(within=1)
    assert sorted(done) == ["a1", "a2", "b1", "c1"] and done[0] == "b1"
    assert done.index("a1") < done.index("a2")
    await lanes.close()


async def test_a_crash_in_the_middle_loses_nothing_and_answers_nothing_twice(
    app: App, api: FakeBotApi, manual_clock: ManualClock
) -> None:
    """The service stops dead while Lan's /status is on its way (not stored yet) and after
    Hùng's two messages were answered: on restart every update comes again (none was
    confirmed past Lan's); Lan is answered once, Hùng is not answered again."""
    await load_example(app)
    settings = replace(
        app.settings,
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_file_base_url=api.base_file_url,
    )
    app = replace(app, settings=settings)

    async def run(gated: Gated) -> TelegramChannel:
        channel = build_telegram_channel(
            settings, manual_clock, poll_timeout=1.0, sleep=manual_clock.sleep
        )
        conversation = Conversation(build_deps(app, [channel]))
        gated.inner = conversation_handler(conversation, channel)
        await channel.start(gated)
        return channel

    first = Gated()
    channel = await run(first)
    for user, unit in ((LAN, "Phòng Tư pháp"), (HUNG, "Phòng Văn hóa và Thông tin")):
        api.user_sends(user, None, f"/start {await invite_code(app, unit, PersonRole.FOCAL)}")
        await api.next_messages(user.id)
    first.shut(LAN)
    api.user_sends(LAN, None, "/status")
    await api.wait_until(lambda: first.started[str(LAN.id)])
    api.user_sends(HUNG, None, "/help")
    api.user_sends(HUNG, None, "/status")
    await api.next_messages(HUNG.id, 2)
    await channel.stop()  # as a crash: no more polls, Lan's turn cut off before its commit
    assert len(api.pending_updates) == 3
    assert len(api.sent_to(LAN.id)) == 1  # the welcome only

    api.user_sends(MAI, None, "xin chào")  # while the service is down
    second = Gated()
    channel = await run(second)
    try:
        [mai] = await api.next_messages(MAI.id)
        [lan] = await api.next_messages(LAN.id)
        await api.wait_until(lambda: not api.pending_updates)
    finally:
        await channel.stop()
    # Every update came again; Lan's and Mai's were new, Hùng's were known and not answered.
    assert sorted(second.started) == sorted([str(LAN.id), str(HUNG.id), str(MAI.id)])
    assert mai.text == words.NOT_REGISTERED
    assert "Phòng Tư pháp" in (lan.text or "")
    assert len(api.sent_to(LAN.id)) == 2  # welcome, /status
    assert len(api.sent_to(HUNG.id)) == 3  # welcome, /help, /status: each once


class HeldBackOff:
    """The channel's sleep on the test clock, except that a retry's back-off (2 s and more)
    waits until the test lets it go: one chat's answer stuck in a retry, for as long as the
    test wants."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.released = asyncio.Event()
        self.holding = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        if seconds >= 2:
            self.holding.set()
            await self.released.wait()
        await self.clock.sleep(seconds)


async def test_on_zalo_a_chat_whose_answer_is_retried_holds_up_no_other_chat(
    manual_clock: ManualClock,
) -> None:
    async with FakeZaloApi() as api:
        settings = Settings(zalo_bot_token=api.token, zalo_api_base_url=api.base_url)
        sleep = HeldBackOff(manual_clock)
        channel = build_zalo_channel(settings, manual_clock, poll_timeout=1.0, sleep=sleep)
        await channel.start(Gated())
        try:
            api.fail_sends(1)  # Lan's answer meets a server error: retried after a back-off
            await api.user_sends(ZALO_LAN, "tin 1")
            await asyncio.wait_for(sleep.holding.wait(), 5)
            await api.user_sends(ZALO_ANH, "tin 2")
            assert await api.next_messages(ZALO_ANH.id) == ["Đã nhận: tin 2"]
            assert api.texts_to(ZALO_LAN.id) == []
            sleep.released.set()
            assert await api.next_messages(ZALO_LAN.id) == ["Đã nhận: tin 1"]
        finally:
            await channel.stop()
