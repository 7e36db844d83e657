"""Telegram objects as the Bot API writes them (plain JSON dicts), for the fake server."""

import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # the public Bot API serves files up to 20 MB
# Tags Telegram's HTML parse mode accepts; anything else is "can't parse entities".
HTML_TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "blockquote",
    ]
)


@dataclass(frozen=True)
class User:
    """A person on Telegram."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["language_code"] = "vi"
        return data


@dataclass(frozen=True)
class Chat:
    """A private chat with one person, or a group."""

    id: int
    type: str = "private"
    title: str | None = None
    first_name: str | None = None

    @classmethod
    def private(cls, user: User) -> "Chat":
        return cls(user.id, "private", first_name=user.first_name)

    @classmethod
    def group(cls, chat_id: int, title: str, *, supergroup: bool = False) -> "Chat":
        if chat_id >= 0:
            raise ValueError("Telegram group ids are negative")
        return cls(chat_id, "supergroup" if supergroup else "group", title=title)

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


@dataclass(frozen=True)
class StoredFile:
    """A file on the fake's servers: uploaded by a person or by the bot."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    declared_size: int | None = None  # lets a test claim a huge file without the bytes

    @property
    def size(self) -> int:
        return self.declared_size if self.declared_size is not None else len(self.data)

    def to_json(self) -> JSON:
        data: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        data["file_size"] = self.size
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass
class BotMessage:
    """A message the bot sent; edits change it in place."""

    message_id: int
    chat: Chat
    kind: str = "text"  # "text", "document" or "photo"
    text: str | None = None  # as the person sees it (HTML tags removed)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    reply_to: int | None = None
    file: StoredFile | None = None
    edits: int = 0
    date: int = field(default_factory=lambda: int(time.time()))

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """The inline keyboard as rows of (label, callback data)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(b["text"], b.get("callback_data", "")) for b in row] for row in rows]


@dataclass(frozen=True)
class Posted:
    """What a person just did, as queued for getUpdates."""

    update_id: int
    message_id: int
    callback_query_id: str | None = None


@dataclass(frozen=True)
class Call:
    """One Bot API request the fake received."""

    method: str
    params: JSON
    at: float
    status: int


def bot_user_json(token: str) -> JSON:
    """The bot itself, as getMe describes it; its id is the token's number."""
    return {
        "id": int(token.split(":")[0]),
        "is_bot": True,
        "first_name": "Nhắc việc",
        "username": "nhacviec_test_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def utf16_len(text: str) -> int:
    """Telegram counts text length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def photo_sizes(small: StoredFile, large: StoredFile) -> list[JSON]:
    """A thumbnail and the full picture, smallest first, as Telegram lists them."""
    return [
        {**small.to_json(), "width": 90, "height": 68},
        {**large.to_json(), "width": 1280, "height": 960},
    ]


def sticker_json(file: StoredFile) -> JSON:
    extra = {"type": "regular", "width": 512, "height": 512, "emoji": "👍"}
    return {**file.to_json(), **extra, "is_animated": False, "is_video": False}


def command_entities(text: str | None) -> list[JSON]:
    """Telegram marks a leading /command as a bot_command entity."""
    if not text or not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}]


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise ValueError(f"unsupported start tag {tag!r}")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ValueError(f"unmatched end tag {tag!r}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML-mode message; ValueError where Telegram would refuse it."""
    parser = _TelegramHtml()
    parser.feed(html)
    parser.close()
    if parser.open:
        raise ValueError(f"unclosed tag {parser.open[-1]!r}")
    return "".join(parser.text)
