"""Telegram's flood limits and injectable faults, for the fake Bot API server.

The limiter reads time from a clock function so tests can move time by hand.
"""

import bisect
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class _Window:
    """At most `limit` events in any `span` seconds."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self._times: list[float] = []  # in order of arrival

    def wait(self, now: float) -> float:
        """0 if an event at `now` keeps every window of `span` seconds within the limit, else
        the seconds until the fullest window it would join has room."""
        times = self._times
        if times:  # what no window around a new event can hold any more
            del times[: bisect.bisect_right(times, times[-1] - 2 * self.span)]
        # With latency, requests are handled a little out of order: besides the window that
        # ends at `now`, each window that ends at a later event and holds `now` must have room.
        later = times[bisect.bisect_right(times, now) : bisect.bisect_left(times, now + self.span)]
        for end in (now, *later):
            first = bisect.bisect_right(times, end - self.span)
            if bisect.bisect_right(times, end) - first >= self.limit:
                return times[first] + self.span - now
        return 0.0

    def record(self, now: float) -> None:
        """Kept in order: with latency, requests are counted when they arrived, which is not
        always the order they were handled in."""
        bisect.insort(self._times, now)


class RateLimiter:
    """30 messages a second overall, 1 a second per chat, 20 a minute per group."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        enabled: bool = True,
        overall_per_second: int = 30,
        per_chat_per_second: int = 1,
        group_per_minute: int = 20,
    ) -> None:
        self.clock = clock
        self.enabled = enabled
        self.rejected_429 = 0
        self._overall = _Window(overall_per_second, 1.0)
        self._per_chat = per_chat_per_second
        self._per_group = group_per_minute
        self._chats: dict[int, _Window] = {}
        self._groups: dict[int, _Window] = {}

    def admit(self, chat_id: int, *, group: bool, at: float | None = None) -> int | None:
        """Record one message to `chat_id` arriving `at` (now by default), or return the
        seconds to wait (429)."""
        if not self.enabled:
            return None
        now = self.clock() if at is None else at
        windows = [self._overall, self._window(self._chats, chat_id, self._per_chat, 1.0)]
        if group:
            windows.append(self._window(self._groups, chat_id, self._per_group, 60.0))
        wait = max(window.wait(now) for window in windows)
        if wait > 0:
            self.rejected_429 += 1
            return max(1, math.ceil(wait))
        for window in windows:
            window.record(now)
        return None

    @staticmethod
    def _window(table: dict[int, _Window], chat_id: int, limit: int, span: float) -> _Window:
        if chat_id not in table:
            table[chat_id] = _Window(limit, span)
        return table[chat_id]


@dataclass(frozen=True)
class PollFault:
    """How one getUpdates fails: an HTTP status (with `retry_after` for a 429), or a
    connection dropped before any answer (`status` 0)."""

    status: int
    retry_after: int | None = None

    @property
    def dropped(self) -> bool:
        return self.status == 0


CONFLICT = PollFault(409)  # what Telegram answers while another instance polls the token
DROPPED = PollFault(0)


def too_many_requests(retry_after: int) -> PollFault:
    return PollFault(429, retry_after)


@dataclass
class Faults:
    """Failures a test asks for: the next sends or polls fail, or a person blocked the bot."""

    fail_next: int = 0
    fail_status: int = 500
    blocked: set[int] = field(default_factory=set)
    polls: deque[PollFault] = field(default_factory=deque)
    floods: dict[int, list[int]] = field(default_factory=dict)  # chat → retry_after of each 429

    def take_flood(self, chat_id: int) -> int | None:
        """The `retry_after` of a 429 owed to this chat's next send, if one is."""
        owed = self.floods.get(chat_id)
        if not owed:
            return None
        return owed.pop(0)

    def take_poll_fault(self) -> PollFault | None:
        """How the next getUpdates must fail, if a failure is still owed."""
        return self.polls.popleft() if self.polls else None

    def take_failure(self) -> int | None:
        """The HTTP status the next send must fail with, if one is still owed."""
        if self.fail_next <= 0:
            return None
        self.fail_next -= 1
        return self.fail_status
