"""Pacing: each channel's sends kept within the rates its capabilities state.

Per channel, one queue in arrival order for the overall rate; per chat, a last-send moment
for the per-chat rate (a group chat's is slower). Two rules keep the platform's count under
its limit even when sends leave a little late or arrive a little early:

- a sliding window: never more than `overall_per_second` sends in any WINDOW seconds (40 ms
  longer than the platform's second), counted on the moments the sends really went;
- a minimum gap of half an even slot (WINDOW / `overall_per_second` / 2, 17 ms for
  Telegram), so sends leave one by one instead of thirty at once, the last of which would
  reach the platform well after the moment it was counted.

A send that wakes late costs the window that much once, not once per send: the long-run rate
stays close to `overall_per_second` / WINDOW, 28.8 a second for Telegram's 30 (0.96 of the
cap), and 40 ms of jitter between our clock and the platform's is absorbed. A chat waits
MARGIN times its own interval (Telegram: 1.05 s, 3.15 s in a group). The clock is injected,
so tests run on a fake one.
"""

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from bot.channels.base import Capabilities
from bot.clock import Clock, Sleep

MARGIN = 1.05  # a chat's interval, 5% longer than the platform's
WINDOW = 1.04  # seconds in which at most `overall_per_second` sends go
_NEGLIGIBLE = 0.001  # seconds: datetimes keep microseconds, so a gap can end a hair short


def chat_interval(limits: Capabilities, *, group: bool) -> float:
    """Seconds between two sends to one chat (a group chat's rate is per minute)."""
    rate = limits.per_group_per_minute / 60 if group else limits.per_chat_per_second
    return MARGIN / rate


@dataclass
class _Lane:
    """One channel's overall rate: the moments its sends went."""

    gate: asyncio.Lock = field(default_factory=asyncio.Lock)  # FIFO: first come, first sent
    went: deque[datetime] = field(default_factory=deque)


@dataclass
class Pacer:
    """Waits as long as needed so no chat and no channel goes over its rate."""

    clock: Clock
    sleep: Sleep = asyncio.sleep
    _lanes: dict[str, _Lane] = field(default_factory=dict)
    _last: dict[tuple[str, str], datetime] = field(default_factory=dict)

    async def wait_turn(
        self, channel: str, chat_id: str, limits: Capabilities, *, group: bool = False
    ) -> None:
        """Return when a message to `chat_id` on `channel` may go; count it as sent then."""
        chat = (channel, chat_id)
        gap = chat_interval(limits, group=group)
        lane = self._lanes.setdefault(channel, _Lane())
        while True:
            # A chat waiting for its own interval does not hold the channel's queue.
            while (delay := self._chat_delay(chat, gap)) > _NEGLIGIBLE:
                await self.sleep(delay)
            async with lane.gate:
                while (delay := self._overall_delay(lane, limits)) > _NEGLIGIBLE:
                    await self.sleep(delay)
                if self._chat_delay(chat, gap) <= _NEGLIGIBLE:  # nobody wrote to it meanwhile
                    self._count(lane, chat)
                    return

    def _chat_delay(self, chat: tuple[str, str], gap: float) -> float:
        last = self._last.get(chat)
        return 0.0 if last is None else gap - (self.clock.now() - last).total_seconds()

    def _overall_delay(self, lane: _Lane, limits: Capabilities) -> float:
        now = self.clock.now()
        while lane.went and (now - lane.went[0]).total_seconds() >= WINDOW:
            lane.went.popleft()
        waits = [0.0]
        if len(lane.went) >= limits.overall_per_second:
            waits.append(WINDOW - (now - lane.went[0]).total_seconds())
        if lane.went:
            gap = WINDOW / limits.overall_per_second / 2
            waits.append(gap - (now - lane.went[-1]).total_seconds())
        return max(waits)

    def _count(self, lane: _Lane, chat: tuple[str, str]) -> None:
        now = self.clock.now()
        lane.went.append(now)
        self._last[chat] = now
