"""The pacer keeps each channel within the rates its capabilities state, on a fake clock."""

from datetime import UTC, datetime

import pytest

from bot.channels.base import Capabilities
from bot.delivery.pacing import Pacer
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
    pacer = Pacer(clock, sleep=clock.sleep)
    private = await sent_at(pacer, clock, [("fast", "7", False)] * 3)
    assert private == pytest.approx([0, 1.05, 2.1])  # 1 a second, 5% slower to be safe
    group = await sent_at(pacer, clock, [("fast", "-100", True)] * 3)
    assert group == pytest.approx([2.1, 5.25, 8.4])  # 20 a minute to one group: 3 s, and 5%


async def test_each_channel_has_its_own_overall_rate(clock: ManualClock) -> None:
    pacer = Pacer(clock, sleep=clock.sleep)
    slow = await sent_at(pacer, clock, [("slow", str(n), False) for n in range(5)])
    assert slow == pytest.approx([0, 0, 1.05, 1.05, 2.1])  # 2 in 1.05 s, whatever the chat
    fast = await sent_at(pacer, clock, [("fast", str(n), False) for n in range(30)])
    assert fast == pytest.approx([2.1] * 30)  # the other channel's sends do not hold this one back
