"""Reading Bot API requests as python-telegram-bot sends them; Telegram's checks and errors.

PTB posts form fields whose non-string values are JSON-encoded, or multipart when it
uploads a file; other clients post JSON. All arrive here as one dict of decoded values.
"""

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from tests.fakes.bot_api_objects import (
    JSON,
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    html_to_text,
    utf16_len,
)

_INT_FIELDS = frozenset(
    [
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "cache_time",
        "message_thread_id",
    ]
)
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    ["show_alert", "drop_pending_updates", "disable_notification", "protect_content"]
)
_JSON_FIELDS = frozenset(
    [
        "reply_markup",
        "reply_parameters",
        "commands",
        "allowed_updates",
        "entities",
        "caption_entities",
        "scope",
        "link_preview_options",
    ]
)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class ApiError(Exception):
    """A Bot API failure, answered as Telegram answers it."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.status)


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def server_error(status: int) -> ApiError:
    return ApiError(status, HTTPStatus(status).phrase)


async def read_params(request: web.Request) -> JSON:
    """Query string and body (JSON, form or multipart) as one dict of decoded values."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        try:
            raw.update(await request.json())
        except ValueError as exc:
            raise bad_request("can't parse JSON body") from exc
    elif request.body_exists:
        raw.update(_form(await request.post()))
    return {name: _decode(name, value) for name, value in raw.items()}


def _form(form: MultiDictProxy[Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            value = Upload(value.filename, value.content_type, value.file.read())
        fields[name] = value
    return fields


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if name in _INT_FIELDS:
            return int(value)
        if name in _FLOAT_FIELDS:
            return float(value)
        if name in _JSON_FIELDS:
            return json.loads(value)
    except ValueError as exc:
        if name == "chat_id":  # "@channelname" is a valid chat_id
            return value
        raise bad_request(f"can't parse {name}") from exc
    if name in _BOOL_FIELDS:
        return value.lower() == "true"
    return value


def visible_text(raw: str | None, parse_mode: str | None, limit: int, what: str) -> str | None:
    """The text as the person will see it, refused where Telegram refuses it."""
    if not raw:
        return None
    text = raw
    if (parse_mode or "").upper() == "HTML":
        try:
            text = html_to_text(raw)
        except ValueError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    if utf16_len(text) > limit:
        raise bad_request(f"{what} is too long")
    return text


def message_text(params: JSON) -> str:
    text = visible_text(params.get("text"), params.get("parse_mode"), MAX_TEXT, "message")
    if text is None or not text.strip():
        raise bad_request("message text is empty")
    return text


def inline_markup(params: JSON) -> JSON | None:
    markup = params.get("reply_markup")
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def checked_commands(params: JSON) -> list[JSON]:
    commands = params.get("commands") or []
    for command in commands:
        name, description = command.get("command", ""), command.get("description", "")
        if not (1 <= len(name) <= 32 and name.islower() and 1 <= len(description) <= 256):
            raise bad_request("BOT_COMMAND_INVALID")
    return commands


def commands_key(params: JSON) -> str:
    """setMyCommands keeps one list per scope and language."""
    scope = (params.get("scope") or {}).get("type", "default")
    return f"{scope}/{params.get('language_code') or ''}"
