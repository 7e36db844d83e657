"""The one test clock, for both sides of a test: our `Clock` (datetimes) and the fake server's
monotonic seconds (its rate limits)."""

import asyncio
from datetime import UTC, datetime, timedelta

START = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 09:00 in Hà Tĩnh


class ManualClock:
    """Moves only when told; `sleep` advances it at once, so nothing in a test really waits.

    `now()` is our `Clock`; calling it gives the monotonic seconds the fake Bot API reads;
    `advance` and `move_to` move both together."""

    def __init__(self, start: datetime = START) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._start = start
        self._elapsed = 0.0

    def __call__(self) -> float:  # the fake Bot API's monotonic clock
        return 1000.0 + self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float = 0, **delta: float) -> None:
        """Forward by `seconds`, or by timedelta keywords: `advance(days=2)`."""
        self._elapsed += seconds + timedelta(**delta).total_seconds()

    def move_to(self, at: datetime) -> None:
        self._elapsed = (at - self._start).total_seconds()

    async def sleep(self, seconds: float) -> None:
        """Stands in for asyncio.sleep: time passes at once, other tasks still get a turn."""
        self.advance(seconds)
        await asyncio.sleep(0)
