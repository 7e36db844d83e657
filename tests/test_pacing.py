"""The pacer keeps each channel within the rates its capabilities state, on a fake clock: a
sliding window with a margin, no burst, a chat's own interval, first come first served."""

import asyncio
import itertools
import random
from datetime import UTC, datetime

import pytest

from bot.channels.base import Capabilities
from bot.delivery.pacing import WINDOW, Pacer, written
from tests.fakes.clock import ManualClock

START = datetime(2023, 6, 1, 2, 0, tzinfo=UTC)
FAST = Capabilities(buttons=True, max_text=4096, files=True, overall_per_second=30)
SLOW = Capabilities(buttons=False, max_text=2000, files=False, overall_per_second=2)


async def sent_at(
    pacer: Pacer, clock: ManualClock, sends: list[tuple[str, str, bool]]
) -> list[float]:
    moments = []
    for channel, chat, group in sends:
        await pacer.wait_turn(channel, chat, SLOW if channel == "slow" else FAST, group=group)
        moments.append((clock.now() - START).total_seconds())
    return moments


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


async def test_a_private_chat_gets_one_a_second_and_a_group_one_in_three_with_a_margin(
    clock: ManualClock,
) -> None:
    private = await sent_at(Pacer(clock, sleep=clock.sleep), clock, [("fast", "7", False)] * 3)
    assert private == pytest.approx([0, 1.05, 2.1])  # 1 a second, 5% slower to be safe
    clock.move_to(START)
    group = await sent_at(Pacer(clock, sleep=clock.sleep), clock, [("fast", "-100", True)] * 3)
    assert group == pytest.approx([0, 3.15, 6.3])  # 20 a minute to one group: 3 s, and 5%


async def test_the_overall_rate_keeps_a_margin_and_sends_leave_one_by_one(
    clock: ManualClock,
) -> None:
    pacer = Pacer(clock, sleep=clock.sleep)
    moments = await sent_at(pacer, clock, [("fast", str(n), False) for n in range(301)])
    # Never 31 in 1.04 s: a send reaching Telegram 40 ms early still finds room.
    assert min(b - a for a, b in itertools.pairwise(moments[::30])) >= WINDOW - 1e-6
    # No burst of thirty at once: each leaves alone, at least 17 ms after the one before.
    assert min(b - a for a, b in itertools.pairwise(moments)) >= WINDOW / 60 - 1e-6
    rate = 300 / (moments[-1] - moments[0])
    assert 0.95 * 30 <= rate < 30


async def test_a_send_that_wakes_late_neither_slows_the_rate_nor_starts_a_burst(
    clock: ManualClock,
) -> None:
    lateness = random.Random(7)  # a busy event loop: 2 ms late on average, now and then 20

    async def late_sleep(seconds: float) -> None:
        late = 0.02 if lateness.random() < 0.05 else lateness.expovariate(1 / 0.001)
        await clock.sleep(seconds + late)

    pacer = Pacer(clock, sleep=late_sleep)
    moments = await sent_at(pacer, clock, [("fast", str(n), False) for n in range(301)])
    assert min(b - a for a, b in zip(moments, moments[30:], strict=False)) >= WINDOW - 1e-6
    assert min(b - a for a, b in itertools.pairwise(moments)) >= WINDOW / 60 - 1e-6
    assert 300 / (moments[-1] - moments[0]) >= 0.95 * 30


async def test_each_channel_has_its_own_overall_rate(clock: ManualClock) -> None:
    pacer = Pacer(clock, sleep=clock.sleep)
    slow = await sent_at(pacer, clock, [("slow", str(n), False) for n in range(5)])
    assert slow == pytest.approx([0, 0.26, 1.04, 1.30, 2.08])  # 2 in 1.04 s, not at once
    fast = await sent_at(pacer, clock, [("fast", str(n), False) for n in range(3)])
    assert fast[0] == pytest.approx(slow[-1])  # the other channel's sends hold this one not


async def test_first_come_first_served_and_a_chat_waiting_its_turn_holds_nobody(
    clock: ManualClock,
) -> None:
    pacer = Pacer(clock, sleep=clock.sleep)
    order: list[str] = []

    async def send(chat: str) -> None:
        await pacer.wait_turn("fast", chat, FAST)
        order.append(chat)

    await send("lan")
    # Lan's second message must wait a second; ten others arrive after it and go first.
    await asyncio.gather(send("lan"), *(send(f"c{n}") for n in range(10)))
    assert order == ["lan", *(f"c{n}" for n in range(10)), "lan"]


async def test_a_send_counts_from_when_its_request_left_and_keeps_its_place_until_then(
    clock: ManualClock,
) -> None:
    """Two a second (in 1.04 s): a send let go at 0 whose request leaves only at 2.0 (the
    process was busy) holds a place in the window until then, and counts from 2.0."""
    pacer = Pacer(clock, sleep=clock.sleep)
    async with pacer.sending("slow", "a", SLOW):
        [b, c] = await sent_at(pacer, clock, [("slow", "b", False), ("slow", "c", False)])
        assert b == pytest.approx(0.26)  # half an even slot after "a" was let go
        assert c == pytest.approx(0.26 + WINDOW)  # "a" still holds its place: only b's frees
        clock.advance(2.0 - c)
        written()  # "a"'s request is out now
    [d] = await sent_at(pacer, clock, [("slow", "d", False)])
    assert d == pytest.approx(c + WINDOW)  # the window holds c and "a" (from 2.0) until then
    [e] = await sent_at(pacer, clock, [("slow", "e", False)])
    assert e == pytest.approx(2.0 + WINDOW)  # "a" counts from 2.0, not from 0


async def test_a_send_whose_request_never_told_counts_when_its_call_ended(
    clock: ManualClock,
) -> None:
    pacer = Pacer(clock, sleep=clock.sleep)
    async with pacer.sending("slow", "a", SLOW):
        clock.advance(0.5)  # the call fails before anything is written, or cannot tell
    moments = await sent_at(pacer, clock, [("slow", "b", False), ("slow", "c", False)])
    assert moments == pytest.approx([0.76, 0.5 + WINDOW])
