"""Which claimed message goes next: one lane per chat, pure bookkeeping with `now` passed in.

Each chat's messages go in the order they were claimed, one at a time; a chat waiting for its
interval, or held by a 429, holds nobody else. A 429 that concerns the whole channel holds
that channel's chats, and only for as long as the platform asked.
"""

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

Item = TypeVar("Item")
Chat = tuple[str, str]  # (channel, chat id)
_ALWAYS = datetime.min.replace(tzinfo=UTC)


@dataclass
class Lanes(Generic[Item]):
    _queues: dict[Chat, deque[Item]] = field(default_factory=dict)  # chats in arrival order
    _busy: set[Chat] = field(default_factory=set)  # a message to this chat is in flight
    _free_at: dict[Chat, datetime] = field(default_factory=dict)  # its next message from then
    _held: dict[str, datetime] = field(default_factory=dict)  # a whole channel, until then

    def add(self, chat: Chat, item: Item) -> None:
        self._queues.setdefault(chat, deque()).append(item)

    def put_back(self, chat: Chat, item: Item) -> None:
        """`item` goes again before the chat's other messages (its send was refused)."""
        self._queues.setdefault(chat, deque()).appendleft(item)
        self._queues[chat] = self._queues.pop(chat)  # behind chats that waited meanwhile

    def take(self, now: datetime) -> tuple[Chat, Item] | None:
        """The next message whose chat may be written to now; its chat is busy until `done`."""
        for chat, queue in self._queues.items():
            if chat in self._busy or self.free_at(chat) > now:
                continue
            item = queue.popleft()
            if not queue:
                del self._queues[chat]
            self._busy.add(chat)
            return chat, item
        return None

    def done(self, chat: Chat, free_at: datetime) -> None:
        """The message to `chat` went (or failed): its next one not before `free_at`."""
        self._busy.discard(chat)
        self._free_at[chat] = max(free_at, self._free_at.get(chat, free_at))

    def hold(self, chat: Chat, until: datetime) -> None:
        self._free_at[chat] = max(until, self._free_at.get(chat, until))

    def hold_channel(self, channel: str, until: datetime) -> None:
        self._held[channel] = max(until, self._held.get(channel, until))

    def free_at(self, chat: Chat) -> datetime:
        """When `chat` may get its next message (the past if it may now)."""
        moments = [self._free_at.get(chat), self._held.get(chat[0])]
        return max((m for m in moments if m is not None), default=_ALWAYS)

    def next_free(self) -> datetime | None:
        """The first moment a waiting chat (none in flight) may be written to."""
        waiting = [self.free_at(chat) for chat in self._queues if chat not in self._busy]
        return min(waiting, default=None)

    def ready(self, now: datetime) -> int:
        """Messages whose chat may be written to now (the first of each chat)."""
        return sum(
            1 for chat in self._queues if chat not in self._busy and self.free_at(chat) <= now
        )

    def remove(self, chat: Chat) -> list[Item]:
        """Every message still waiting for `chat`."""
        return list(self._queues.pop(chat, ()))

    def chats(self, channel: str | None = None) -> list[Chat]:
        return [chat for chat in self._queues if channel is None or chat[0] == channel]

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def __iter__(self) -> Iterator[Item]:
        for queue in self._queues.values():
            yield from queue
