"""Between python-telegram-bot's types and the seam's plain values.

`to_inbound` turns an `Update` into an `Inbound`; `keyboard` and `split_text` shape what
goes out; `channel_error` maps PTB's exceptions onto the seam's `ChannelError` tree.
"""

import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    Attachment,
    Button,
    ChannelError,
    Inbound,
    RetryLater,
    TransientError,
    Unreachable,
)

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOAST = 200


def to_inbound(update: Update) -> Inbound | None:
    """A person's message or button press as an `Inbound`; None for anything else."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None  # channel posts, polls, inline queries: no person in a chat
    who = Inbound(
        channel=CHANNEL,
        update_id=str(update.update_id),
        user_id=str(user.id),
        chat_id=str(chat.id),
        chat_type="private" if chat.type == ChatType.PRIVATE else "group",
        display_name=user.full_name,
    )
    query = update.callback_query
    if query is not None:
        on = str(query.message.message_id) if query.message else None
        return replace(who, button_data=query.data, message_id=on)
    message = update.message
    if message is None:
        return None  # edits of old messages are not new answers
    reply_to = message.reply_to_message
    return replace(
        who,
        text=message.text if message.text is not None else message.caption,
        message_id=str(message.message_id),
        reply_to_message_id=str(reply_to.message_id) if reply_to else None,
        attachment=_attachment(message),
        sticker=message.sticker is not None,
    )


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        best = max(message.photo, key=lambda size: size.width * size.height)
        return Attachment(best.file_id, "photo", mime_type="image/jpeg", size=best.file_size)
    document = message.document
    if document is not None:
        return Attachment(
            document.file_id, "document", document.file_name, document.mime_type, document.file_size
        )
    return None


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit`, cut at a line break, else a space, else anywhere.

    The break a cut lands on is dropped, so joining the pieces with it restores the text.
    """
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head = rest[: _fit(rest, limit)]
        cut = head.rfind("\n")
        if cut <= 0:
            cut = head.rfind(" ")
        if cut <= 0:
            pieces.append(head)
            rest = rest[len(head) :]
        else:
            pieces.append(rest[:cut])
            rest = rest[cut + 1 :]
    pieces.append(rest)
    return pieces


def _fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def retry_seconds(error: RetryAfter) -> float:
    """PTB 22 gives `retry_after` as int seconds or, with PTB_TIMEDELTA set, a timedelta."""
    with warnings.catch_warnings():
        # The warning announces the switch to timedelta; both forms are handled below.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def channel_error(error: TelegramError) -> ChannelError:
    """PTB's exception as the seam's: 429 waits, 403 unreachable, network retries."""
    if isinstance(error, RetryAfter):
        return RetryLater(retry_seconds(error))
    if isinstance(error, Forbidden):
        return Unreachable(error.message)
    # BadRequest subclasses NetworkError in PTB, but retrying a bad request cannot help.
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return TransientError(error.message)
    return ChannelError(error.message)
