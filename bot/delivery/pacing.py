"""Pacing: each channel's sends kept within the rates its capabilities state.

Per channel, the sends of the last WINDOW in arrival order for the overall rate; per chat,
its last send for the per-chat rate (a group chat's is slower). Two rules keep the
platform's count under its limit even when sends arrive a little early or late:

- a sliding window: never more than `overall_per_second` sends in any WINDOW seconds (40 ms
  longer than the platform's second), counted on the moments the sends really went;
- a minimum gap of half an even slot (WINDOW / `overall_per_second` / 2, 17 ms for
  Telegram), so sends leave one by one instead of thirty at once, the last of which would
  reach the platform well after the moment it was counted.

"Really went" is the moment the request was written to the network when the channel can say
so (`sending` and `written`): between the pacer letting a send go and its request leaving,
the process may wait for a core, a garbage collection or another task's database work, and
a send counted when it was let go but written 100 ms later reaches the platform in the next
second beside sends that were not held. A send let go but not yet written stays in its
channel's window until it is (it could leave at any moment); one whose request never told
is counted when its call ended. Sends through `wait_turn` are counted when let go.

A send that wakes late costs the window that much once, not once per send: the long-run rate
stays close to `overall_per_second` / WINDOW, 28.8 a second for Telegram's 30 (0.96 of the
cap). A chat waits MARGIN times its own interval (Telegram: 1.05 s, 3.15 s in a group). The
clock is injected, so tests run on a fake one.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
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


@dataclass(eq=False)
class Turn:
    """One send's place in its channel's window: when it went, or, still `pending`, when it
    was let go (its request not yet written)."""

    at: datetime
    clock: Clock
    pending: bool = False

    def went(self) -> None:
        """Its request was written now (or, never written, its call is over)."""
        if self.pending:
            self.at, self.pending = max(self.at, self.clock.now()), False


# The send whose request the current task is making (set by `Pacer.sending`), for the
# channel's HTTP layer to report the moment it is written.
_sending: ContextVar[Turn | None] = ContextVar("sending", default=None)


def written() -> None:
    """Called by a channel's HTTP layer once the request of the current task's send is
    written to the network; nothing happens outside `Pacer.sending`."""
    turn = _sending.get()
    if turn is not None:
        turn.went()


@dataclass
class _Lane:
    """One channel's overall rate: its sends still in the window."""

    gate: asyncio.Lock = field(default_factory=asyncio.Lock)  # FIFO: first come, first sent
    went: list[Turn] = field(default_factory=list)


@dataclass
class Pacer:
    """Waits as long as needed so no chat and no channel goes over its rate."""

    clock: Clock
    sleep: Sleep = asyncio.sleep
    _lanes: dict[str, _Lane] = field(default_factory=dict)
    _last: dict[tuple[str, str], Turn] = field(default_factory=dict)

    async def wait_turn(
        self, channel: str, chat_id: str, limits: Capabilities, *, group: bool = False
    ) -> None:
        """Return when a message to `chat_id` on `channel` may go; count it as sent then."""
        await self._turn(channel, chat_id, limits, group=group, pending=False)

    @asynccontextmanager
    async def sending(
        self, channel: str, chat_id: str, limits: Capabilities, *, group: bool = False
    ) -> AsyncIterator[Turn]:
        """Enter when a message to `chat_id` on `channel` may go; it counts as sent when the
        request made inside reports itself written (`written`), or else when this exits."""
        turn = await self._turn(channel, chat_id, limits, group=group, pending=True)
        token = _sending.set(turn)
        try:
            yield turn
        finally:
            _sending.reset(token)
            turn.went()

    async def _turn(
        self, channel: str, chat_id: str, limits: Capabilities, *, group: bool, pending: bool
    ) -> Turn:
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
                    turn = Turn(self.clock.now(), self.clock, pending)
                    lane.went.append(turn)
                    self._last[chat] = turn
                    return turn

    def _chat_delay(self, chat: tuple[str, str], gap: float) -> float:
        last = self._last.get(chat)
        return 0.0 if last is None else gap - (self.clock.now() - last.at).total_seconds()

    def _overall_delay(self, lane: _Lane, limits: Capabilities) -> float:
        now = self.clock.now()
        lane.went = [t for t in lane.went if t.pending or (now - t.at).total_seconds() < WINDOW]
        slot = WINDOW / limits.overall_per_second
        waits = [0.0]
        if len(lane.went) >= limits.overall_per_second:
            gone = [t.at for t in lane.went if not t.pending]
            # The oldest written send leaves the window; if none is written yet, look again.
            waits.append(WINDOW - (now - min(gone)).total_seconds() if gone else slot / 2)
        if lane.went:
            latest = max(t.at for t in lane.went)
            waits.append(slot / 2 - (now - latest).total_seconds())
        return max(waits)
