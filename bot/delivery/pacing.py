"""Pacing: each channel's sends kept within the rates its capabilities state.

One window per channel for the overall rate, one last-send moment per chat for the per-chat
rate (a group chat's is slower). Every interval is MARGIN longer than the stated rate, so a
rounding error or a platform that counts from a slightly different moment never gets a
message past its limit. The clock is injected, so tests run on a fake one.
"""

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from bot.channels.base import Capabilities
from bot.clock import Clock, Sleep

# Telegram's 1 a second per chat becomes 1.05 s, 20 a minute per group 3.15 s, and 30 a
# second overall 30 in any 1.05 s (about 28.6 a second).
MARGIN = 1.05
_NEGLIGIBLE = 0.001  # seconds: datetimes keep microseconds, so a gap can end a hair short


@dataclass
class Pacer:
    """Waits as long as needed so no chat and no channel goes over its rate."""

    clock: Clock
    sleep: Sleep = asyncio.sleep
    _recent: dict[str, deque[datetime]] = field(default_factory=dict)
    _last: dict[tuple[str, str], datetime] = field(default_factory=dict)

    async def wait_turn(
        self, channel: str, chat_id: str, limits: Capabilities, *, group: bool = False
    ) -> None:
        """Return when a message to `chat_id` on `channel` may go; count it as sent then."""
        recent = self._recent.setdefault(channel, deque())
        rate = limits.per_group_per_minute / 60 if group else limits.per_chat_per_second
        gap = MARGIN / rate
        while (delay := self._delay(recent, (channel, chat_id), limits, gap)) > _NEGLIGIBLE:
            await self.sleep(delay)
        now = self.clock.now()
        recent.append(now)
        self._last[(channel, chat_id)] = now

    def _delay(
        self, recent: deque[datetime], chat: tuple[str, str], limits: Capabilities, gap: float
    ) -> float:
        now = self.clock.now()
        while recent and (now - recent[0]).total_seconds() >= MARGIN:
            recent.popleft()
        waits = [0.0]
        if len(recent) >= limits.overall_per_second:
            waits.append(MARGIN - (now - recent[0]).total_seconds())
        if chat in self._last:
            waits.append(gap - (now - self._last[chat]).total_seconds())
        return max(waits)
