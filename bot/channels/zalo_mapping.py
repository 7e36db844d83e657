"""Between the Zalo Bot Platform's JSON and the seam's plain values.

`to_inbound` reads one update (a dict, as getUpdates or a webhook gives it); `split_text`
cuts what goes out at 2,000 characters; `channel_error` maps the client's errors onto the
seam's `ChannelError` tree.

Zalo documents no error codes for sendMessage beyond the HTTP-like `error_code` field. The
mapping assumes the Telegram-like meaning its answers carry: 429 waits, 403 (and 404: no
such chat) means the person cannot be reached, 5xx and no answer are worth retrying, 401
is a refused token, anything else is a request that cannot succeed as it is.
"""

from dataclasses import dataclass, replace
from typing import Any

from bot.channels.base import (
    Attachment,
    ChannelError,
    Inbound,
    RetryLater,
    TransientError,
    Unreachable,
)
from bot.channels.telegram_mapping import split_text as _split
from bot.channels.zalo_api import ZaloApiError, ZaloNetworkError

CHANNEL = "zalo"
MAX_TEXT = 2000
TEXT, IMAGE, STICKER = "message.text.received", "message.image.received", "message.sticker.received"
UNREACHABLE_CODES = frozenset({403, 404})
TOKEN_REFUSED_CODES = frozenset({401})
RETRY_AFTER_DEFAULT = 5.0  # seconds, when a 429 does not say how long


@dataclass(frozen=True)
class Unsupported:
    """An update we cannot read (a voice note, a file, an unknown event): who to tell."""

    chat_id: str | None
    event_name: str | None


def to_inbound(update: Any) -> Inbound | Unsupported:
    """A person's text, photo or sticker as an `Inbound`; anything else as `Unsupported`."""
    if not isinstance(update, dict):
        return Unsupported(None, None)
    event = update.get("event_name")
    message = update.get("message")
    if not isinstance(message, dict):
        return Unsupported(None, event if isinstance(event, str) else None)
    chat, sender = _part(message, "chat"), _part(message, "from")
    chat_id, user_id, message_id = _id(chat), _id(sender), _text(message.get("message_id"))
    if event not in (TEXT, IMAGE, STICKER) or not (chat_id and user_id and message_id):
        return Unsupported(chat_id, event if isinstance(event, str) else None)
    group = str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE"
    who = Inbound(
        channel=CHANNEL,
        update_id=message_id,  # Zalo's updates carry no id of their own; delivery is at least once
        user_id=user_id,
        chat_id=chat_id,
        chat_type="group" if group else "private",
        display_name=_name(sender),
        message_id=message_id,
    )
    if event == STICKER:
        return replace(who, sticker=True)
    if event == IMAGE:
        photo = _text(message.get("photo") or message.get("photo_url"))
        if not photo:
            return Unsupported(chat_id, event)
        caption = _text(message.get("caption")) or _text(message.get("text"))
        attachment = Attachment(photo, "photo", mime_type="image/jpeg")
        return replace(who, text=caption, attachment=attachment)
    text = _text(message.get("text"))
    if text is None:
        return Unsupported(chat_id, event)
    return replace(who, text=text)


def unwrap(body: Any) -> Any:
    """A webhook body comes bare or wrapped as getUpdates answers: `{ok, result}`."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        return body["result"]
    return body


def _part(message: dict[str, Any], key: str) -> dict[str, Any]:
    value = message.get(key)
    return value if isinstance(value, dict) else {}


def _id(part: dict[str, Any]) -> str | None:
    return _text(part.get("id"))


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) if str(value) else None


def _name(sender: dict[str, Any]) -> str:
    """The sender's name; its key varies between the platform's versions."""
    for key in ("display_name", "name", "first_name"):
        if isinstance(sender.get(key), str) and sender[key].strip():
            return str(sender[key]).strip()
    return ""


def split_text(text: str) -> list[str]:
    """Pieces of at most 2,000 characters, cut at line breaks where possible (never empty)."""
    return [piece for piece in _split(text, MAX_TEXT) if piece] or ["…"]


def channel_error(error: ZaloApiError | ZaloNetworkError) -> ChannelError:
    if isinstance(error, ZaloNetworkError):
        return TransientError(str(error))
    if error.error_code == 429:
        return RetryLater(RETRY_AFTER_DEFAULT)
    if error.error_code in UNREACHABLE_CODES:
        return Unreachable(error.description)
    if error.error_code >= 500:
        return TransientError(error.description)
    return ChannelError(f"{error.error_code}: {error.description}")
