"""One lane per chat: each chat's updates in order, different chats at once, a bounded number
of them at a time.

A channel's receiving loop `submit`s each update under its chat's key and goes on fetching;
a lane task per chat handles that chat's updates one after another, so a slow chat (a long
answer, a busy database, a slow network to that person) holds up only itself. At most
`max_chats` updates are being handled at once; the others wait their turn in order.

An exception escaping `handle` is a bug, not an answer: it is kept in `failure`, and the
receiving loop raises it (`raise_failure`) so the channel ends as loudly as before.
"""

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class ChatLanes(Generic[Item]):
    """Runs `handle(item)` for submitted items: in order per key, across keys concurrently."""

    def __init__(self, handle: Callable[[Item], Awaitable[None]], *, max_chats: int) -> None:
        if max_chats < 1:
            raise ValueError("max_chats must be at least 1")
        self._handle = handle
        self._slots = asyncio.Semaphore(max_chats)
        self._queues: dict[Hashable, deque[Item]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self.failure: BaseException | None = None

    @property
    def busy(self) -> bool:
        """Whether any item is queued or being handled."""
        return bool(self._queues)

    def submit(self, key: Hashable, item: Item) -> None:
        """Queue `item` behind the earlier ones of `key`; start that key's lane if it is idle."""
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(item)
            return
        self._queues[key] = deque([item])
        task = asyncio.create_task(self._run(key), name=f"chat-lane-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_change(self, within: float) -> None:
        """Until an item was handled (or a lane failed), or `within` seconds passed."""
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
        # that comes as it times out, and a cancelled receiving loop must end.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._changed.wait()
        self._changed.clear()  # the caller looks at the state right after this

    async def settle(self, within: float) -> None:
        """Until every queued item was handled, or `within` seconds passed."""
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        while self.busy and self.failure is None and (left := until - loop.time()) > 0:
            await self.wait_change(left)

    def raise_failure(self) -> None:
        """Raise what escaped a lane's handler, if anything did."""
        if self.failure is not None:
            raise self.failure

    async def close(self) -> None:
        """Cancel every lane and wait for them; whatever was not handled is dropped."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._queues.clear()

    async def _run(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                async with self._slots:  # per item, so waiting chats take turns fairly
                    await self._handle(queue[0])
                queue.popleft()
                self._changed.set()
        except Exception as error:  # a bug in the handler: the receiving loop raises it
            self.failure = self.failure or error
            self._changed.set()
        finally:
            del self._queues[key]
