"""One fake clock for both sides of a test: our `Clock` (datetimes) and the fake server's."""

import asyncio
from datetime import datetime, timedelta


class SharedClock:
    """Moves only when told; `sleep` advances it at once, so nothing in a test really waits."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SharedClock needs a timezone-aware start")
        self._start = start
        self._elapsed = 0.0

    def __call__(self) -> float:  # the fake Bot API's monotonic clock
        return 1000.0 + self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        self._elapsed += seconds

    def move_to(self, at: datetime) -> None:
        self._elapsed = (at - self._start).total_seconds()

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)
