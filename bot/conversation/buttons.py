"""Signed button payloads: a forged or stale payload cannot touch another unit's task.

A payload is `action:target:signature`, where the signature binds the action and target to
the person the button was shown to. Telegram allows 64 bytes of callback data.
"""

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ACTIONS = frozenset(
    {"done", "progress", "blocked", "extend", "snooze", "fix", "approve", "refuse", "open", "pick"}
)
MAX_PAYLOAD = 64


@dataclass(frozen=True)
class Press:
    action: str
    target: int


class ButtonSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def payload(self, action: str, target: int, person_id: int) -> str:
        body = f"{action}:{target}"
        data = f"{body}:{self._sign(body, person_id)}"
        assert len(data.encode()) <= MAX_PAYLOAD, data
        return data

    def verify(self, data: str, person_id: int) -> Press | None:
        """The press, if this person was really shown this button; otherwise None."""
        parts = data.split(":")
        if len(parts) != 3 or parts[0] not in ACTIONS or not parts[1].isdigit():
            return None
        body = f"{parts[0]}:{parts[1]}"
        if not hmac.compare_digest(parts[2], self._sign(body, person_id)):
            return None
        return Press(parts[0], int(parts[1]))

    def _sign(self, body: str, person_id: int) -> str:
        mac = hmac.new(self._key, f"{body}:{person_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:12]).decode().rstrip("=")


def load_key(data_dir: Path, name: str = "button.key") -> bytes:
    """A signing key of the service (buttons, file links), created once (owner-only) in the
    data folder; each purpose has its own file, so one key never signs two kinds of thing."""
    path = data_dir / name
    if path.exists():
        return path.read_bytes()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
