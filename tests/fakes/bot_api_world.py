"""What the fake Telegram knows (chats, messages, files, queued updates) and people acting in it.

A test plays the people: `user_sends`, `user_presses`, `user_sends_photo`, ... queue updates
for the bot's getUpdates; `next_messages` waits, bounded, for what the bot sent back.
"""

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from tests.fakes.bot_api_http import Upload, bad_request
from tests.fakes.bot_api_objects import (
    JSON,
    BotMessage,
    Chat,
    Posted,
    StoredFile,
    User,
    command_entities,
    photo_sizes,
    sticker_json,
)

_DEFAULT_SUFFIX = {"photos": ".jpg", "stickers": ".webp"}


class TelegramWorld:
    """The state behind the fake Bot API, and the helpers tests use to act as people."""

    def __init__(self, bot_user: JSON) -> None:
        self._delivered: dict[int, JSON] = {}
        self.bot_user = bot_user
        self.chats: dict[int, Chat] = {}
        self.people_messages: dict[int, JSON] = {}
        self.bot_messages: dict[int, BotMessage] = {}
        self.sent: defaultdict[int, list[BotMessage]] = defaultdict(list)
        self.files: dict[str, StoredFile] = {}
        self.callback_answers: dict[str, JSON] = {}
        self.closing = False
        self.long_polls = 0
        self._updates: list[JSON] = []
        self._callbacks_issued: set[str] = set()
        self._message_ids = itertools.count(1)  # unique across chats, so an id names a message
        self._update_ids = itertools.count(70_001)
        self._serials = itertools.count(1)
        self._taken: defaultdict[int, int] = defaultdict(int)
        self._changed = asyncio.Event()

    # -- people ---------------------------------------------------------------------------

    def add_chat(self, chat: Chat) -> Chat:
        """Make a chat known, as if the person had pressed Start or added the bot to a group."""
        self.chats[chat.id] = chat
        return chat

    def private_chat(self, user: User) -> Chat:
        return self.add_chat(Chat.private(user))

    def user_sends(
        self, user: User, chat: Chat | None, text: str, reply_to: int | None = None
    ) -> Posted:
        """A person types `text` (a command stays text, like "/status Phòng Tư pháp")."""
        return self._post(user, chat, reply_to, text=text, entities=command_entities(text))

    def user_sends_photo(
        self,
        user: User,
        data: bytes,
        caption: str | None = None,
        reply_to: int | None = None,
        *,
        chat: Chat | None = None,
    ) -> Posted:
        """A person sends a picture; Telegram offers it in two sizes, largest last."""
        small = self.store_file(data, "photos")
        large = self.store_file(data, "photos")
        return self._post(user, chat, reply_to, photo=photo_sizes(small, large), caption=caption)

    def user_sends_document(
        self,
        user: User,
        data: bytes,
        file_name: str,
        mime: str = "application/pdf",
        reply_to: int | None = None,
        *,
        chat: Chat | None = None,
        caption: str | None = None,
        size: int | None = None,
    ) -> Posted:
        """A person sends a file; `size` claims a size without the bytes (a 25 MB scan)."""
        file = self.store_file(data, "documents", file_name=file_name, mime_type=mime, size=size)
        return self._post(user, chat, reply_to, document=file.to_json(), caption=caption)

    def user_sends_sticker(
        self, user: User, *, chat: Chat | None = None, reply_to: int | None = None
    ) -> Posted:
        file = self.store_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers")
        return self._post(user, chat, reply_to, sticker=sticker_json(file))

    def user_presses(self, user: User, message_id: int, data: str) -> Posted:
        """A person presses a button on a bot message; `data` is not checked, so it can be forged."""
        message = self.bot_messages[message_id]
        query_id = str(next(self._serials) * 7_919)
        self._callbacks_issued.add(query_id)
        query = {
            "id": query_id,
            "from": user.to_json(),
            "message": self.bot_message_json(message),
            "chat_instance": f"ci{message.chat.id}",
            "data": data,
        }
        return Posted(self._enqueue({"callback_query": query}), message_id, query_id)

    def _post(self, user: User, chat: Chat | None, reply_to: int | None, **content: Any) -> Posted:
        chat = self.add_chat(chat or Chat.private(user))
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.to_json(),
            "from": user.to_json(),
        }
        message.update({key: value for key, value in content.items() if value})
        if reply_to is not None:
            message["reply_to_message"] = self.message_json(reply_to)
        self.people_messages[message["message_id"]] = message
        return Posted(self._enqueue({"message": message}), message["message_id"])

    def _enqueue(self, payload: JSON) -> int:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        self._delivered[update["update_id"]] = update
        self.touch()
        return update["update_id"]

    def replay(self, update_id: int) -> None:
        """Telegram sends an update again (as it does after a lost acknowledgement)."""
        self._updates.append(self._delivered[update_id])
        self.touch()

    # -- what the bot did -----------------------------------------------------------------

    def sent_to(self, chat: Chat | int) -> list[BotMessage]:
        return self.sent[_chat_id(chat)]

    async def next_messages(
        self, chat: Chat | int, count: int = 1, within: float = 3.0
    ) -> list[BotMessage]:
        """The bot's next `count` messages to `chat` not yet taken by this helper."""
        chat_id = _chat_id(chat)
        start = self._taken[chat_id]
        await self.wait_until(lambda: len(self.sent[chat_id]) >= start + count, within)
        self._taken[chat_id] = start + count
        return self.sent[chat_id][start : start + count]

    async def callback_answer(self, callback_query_id: str, within: float = 3.0) -> JSON:
        """The bot's answerCallbackQuery for a press, once it comes."""
        await self.wait_until(lambda: callback_query_id in self.callback_answers, within)
        return self.callback_answers[callback_query_id]

    async def wait_until(self, predicate: Callable[[], object], within: float = 3.0) -> None:
        """Wake on every change until `predicate()` holds; TimeoutError after `within` seconds."""
        if predicate():
            return

        async def watch() -> None:
            while not predicate():
                await self._changed.wait()

        await asyncio.wait_for(watch(), within)

    def touch(self) -> None:
        """Something changed: wake every waiter (each waits on the event current at the time)."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # -- state used by the Bot API methods ------------------------------------------------

    @property
    def pending_updates(self) -> list[JSON]:
        return list(self._updates)

    def confirm(self, offset: int) -> None:
        """getUpdates with `offset` forgets every update before it, as Telegram does."""
        self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def callback_known(self, query_id: str) -> bool:
        return query_id in self._callbacks_issued and query_id not in self.callback_answers

    def store_file(
        self,
        data: bytes,
        folder: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: int | None = None,
    ) -> StoredFile:
        serial = next(self._serials)
        suffix = PurePath(file_name).suffix if file_name else _DEFAULT_SUFFIX.get(folder, "")
        file = StoredFile(
            file_id=f"BQACAgUAAx{serial:06d}",
            file_unique_id=f"AgAD{serial:04d}",
            file_path=f"{folder}/file_{serial}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            declared_size=size,
        )
        self.files[file.file_id] = file
        return file

    def stored_upload(self, value: object, kind: str) -> StoredFile:
        """A file the bot sends: a new upload, or one Telegram already has by file_id."""
        if isinstance(value, Upload):
            return self.store_file(
                value.data, f"{kind}s", file_name=value.filename, mime_type=value.content_type
            )
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise bad_request("wrong file identifier/HTTP URL specified")

    def file_at(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)

    def record_bot_message(self, chat: Chat, **fields: Any) -> BotMessage:
        message = BotMessage(message_id=next(self._message_ids), chat=chat, **fields)
        self.bot_messages[message.message_id] = message
        self.sent[chat.id].append(message)
        return message

    def message_json(self, message_id: int) -> JSON:
        """Any message by id, as quoted in reply_to_message (without its own quote)."""
        if message_id in self.bot_messages:
            found = self.bot_message_json(self.bot_messages[message_id])
        elif message_id in self.people_messages:
            found = self.people_messages[message_id]
        else:
            raise KeyError(f"no message {message_id}")
        return {key: value for key, value in found.items() if key != "reply_to_message"}

    def bot_message_json(self, message: BotMessage) -> JSON:
        data: JSON = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": message.chat.to_json(),
            "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
        }
        if message.text is not None:
            data["text" if message.kind == "text" else "caption"] = message.text
        if message.file is not None and message.kind == "document":
            data["document"] = message.file.to_json()
        if message.file is not None and message.kind == "photo":
            data["photo"] = [{**message.file.to_json(), "width": 1280, "height": 960}]
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.reply_to is not None:
            data["reply_to_message"] = self.message_json(message.reply_to)
        if message.edits:
            data["edit_date"] = int(time.time())
        return data


def _chat_id(chat: Chat | int) -> int:
    return chat.id if isinstance(chat, Chat) else chat
