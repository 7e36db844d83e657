"""Per-person pacing: more than 20 messages a minute is slowed down politely."""

from collections import defaultdict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
MAX_PER_WINDOW = 20


class InboundLimiter:
    def __init__(self, limit: int = MAX_PER_WINDOW, window: timedelta = WINDOW) -> None:
        self._limit, self._window = limit, window
        self._seen: dict[str, deque[datetime]] = defaultdict(deque)
        self._warned: set[str] = set()

    def check(self, who: str, now: datetime) -> str:
        """ "ok", "warn" (first message over the limit: say so once) or "drop"."""
        seen = self._seen[who]
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
