"""Per-person pacing: more than 20 messages a minute is slowed down politely.

Only senders heard from within the last window are kept: the others are forgotten once a
window has passed, so the table stays as small as the number of people writing right now.
"""

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
MAX_PER_WINDOW = 20


class InboundLimiter:
    def __init__(self, limit: int = MAX_PER_WINDOW, window: timedelta = WINDOW) -> None:
        self._limit, self._window = limit, window
        self._seen: dict[str, deque[datetime]] = {}
        self._warned: set[str] = set()
        self._pruned_at: datetime | None = None

    def __len__(self) -> int:
        """How many senders are remembered."""
        return len(self._seen)

    def check(self, who: str, now: datetime) -> str:
        """ "ok", "warn" (first message over the limit: say so once) or "drop"."""
        self._prune(now)
        seen = self._seen.setdefault(who, deque())
        while seen and now - seen[0] >= self._window:
            seen.popleft()
        if len(seen) < self._limit:
            seen.append(now)
            self._warned.discard(who)
            return "ok"
        if who in self._warned:
            return "drop"
        self._warned.add(who)
        return "warn"

    def forget_last(self, who: str) -> None:
        """Uncount the last message let through: it was not handled and will come again."""
        seen = self._seen.get(who)
        if seen:
            seen.pop()

    def _prune(self, now: datetime) -> None:
        """Once a window: drop senders with nothing inside the window (they start afresh)."""
        if self._pruned_at is not None and now - self._pruned_at < self._window:
            return
        self._pruned_at = now
        idle = [
            who for who, seen in self._seen.items() if not seen or now - seen[-1] >= self._window
        ]
        for who in idle:
            del self._seen[who]
            self._warned.discard(who)
