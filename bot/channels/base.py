"""The seam every channel implements, and the plain values that cross it.

No platform type (a Telegram `Update`, a Zalo event) crosses into the conversation: an
adapter turns what it receives into an `Inbound` and what it must say into platform calls.

Errors raised by `Channel.send` (and `Channel.download`):
    ChannelError          — any failure to deliver; base class.
    ├── RetryLater        — the platform asked us to wait (`retry_after` seconds, 429).
    ├── Unreachable       — the person blocked the bot or never started it (403).
    ├── TransientError    — network trouble or a 5xx: try again with back-off.
    └── FileTooLarge      — `Channel.download` refused a file over its byte limit.

Raised across the seam the other way, and by `Channel.watch`:
    NotStored             — the conversation could not store an inbound now (the database
                            stayed locked): the channel must not acknowledge it, so that it
                            is offered again later.
    ChannelDown           — a channel stopped taking messages and cannot resume by itself
                            (its token was refused, its loop died): the service must exit.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol


class ChannelError(Exception):
    """Delivery through a channel failed."""


class RetryLater(ChannelError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


class Unreachable(ChannelError):
    """The person cannot be reached on this channel (blocked the bot, never started it)."""


class TransientError(ChannelError):
    """A network error or a server error: worth retrying later."""


class FileTooLarge(ChannelError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file of {size} bytes is over the {limit}-byte limit")
        self.size = size
        self.limit = limit


class NotStored(Exception):
    """An inbound was neither stored nor answered; acknowledge it not, it must come again."""


class ChannelDown(Exception):
    """The channel stopped receiving and cannot resume; the message says why."""


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show, and how fast it may be written to."""

    buttons: bool  # inline buttons under a message; without them choices are numbered
    max_text: int  # characters in one message
    files: bool  # documents and pictures can be sent; otherwise the message names the file
    html: bool = False  # text may carry HTML markup (<b>, <i>)
    replies: bool = False  # a person can answer a message by replying to it (Telegram's reply)
    edits: bool = False  # a message already sent can be rewritten (Outbound.edit_message_id)
    overall_per_second: float = 30.0  # messages a second to all chats together
    per_chat_per_second: float = 1.0  # messages a second to one private chat
    per_group_per_minute: float = 20.0  # messages a minute to one group chat


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # opaque, verified by the conversation when it comes back


@dataclass(frozen=True)
class Attachment:
    file_id: str
    kind: str  # "photo" or "document"
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: a message, a command, a button press, a file."""

    channel: str
    update_id: str
    user_id: str
    chat_id: str
    chat_type: str = "private"  # "private" or "group"
    display_name: str = ""
    text: str | None = None
    button_data: str | None = None
    message_id: str | None = None
    reply_to_message_id: str | None = None
    attachment: Attachment | None = None
    sticker: bool = False


@dataclass(frozen=True)
class Outbound:
    """One message to show a person; `edit_message_id` replaces an earlier one."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit_message_id: str | None = None
    file_path: str | None = None  # a document or picture to send with the text as caption
    html: bool = False


@dataclass(frozen=True)
class Sent:
    message_id: str


@dataclass
class Answer:
    """What the conversation says back: messages, and a toast for a pressed button."""

    messages: list[Outbound] = field(default_factory=list)
    toast: str | None = None


InboundHandler = Callable[[Inbound], Awaitable[Answer]]


class Channel(Protocol):
    name: str
    capabilities: Capabilities

    async def start(self, handler: InboundHandler) -> None: ...

    async def stop(self) -> None: ...

    async def watch(self) -> None:
        """Wait while the channel receives; raise ChannelDown if it stops by itself."""
        ...

    async def send(self, chat_id: str, message: Outbound) -> Sent: ...

    async def download(self, attachment: Attachment, limit: int) -> bytes: ...

    def invite_link(self, code: str) -> str | None:
        """A link that opens this channel's bot with the invite code, if the channel has one."""
        ...

    def is_group(self, chat_id: str) -> bool:
        """Whether `chat_id` is a group chat (slower to write to than a private one)."""
        ...
