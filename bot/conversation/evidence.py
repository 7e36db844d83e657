"""Evidence files: stored on disk by content hash, recorded with size, hash and sender."""

import hashlib
import logging
import os
import re
from pathlib import Path

from bot.channels.base import Answer, Attachment
from bot.conversation.actions import may_update, ref
from bot.conversation.replies import answer_text, last_reminded
from bot.conversation.turn import Turn, say
from bot.conversation.understand import understand
from bot.texts import chat as t
from storage.assignments import assignment_with_task
from storage.db import stored_id
from storage.models import Assignment, AuditLog, Evidence
from storage.outbox import assignment_for_message

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^\w.\-]+")
# File systems allow 255 bytes per name (not characters: one CJK character is 3 bytes in
# UTF-8); the hash prefix (17 bytes) and ".part" (5) need the rest.
NAME_BYTES = 200
_EXTENSION_BYTES = 16


def _safe_name(name: str | None, kind: str, mime: str | None) -> str:
    if name:
        cleaned = _UNSAFE.sub("_", Path(name).name).strip("._")
        if cleaned:
            return _fit(cleaned, NAME_BYTES)
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
    return ("anh" if kind == "photo" else "tep") + extension.get(
        mime or "", ".jpg" if kind == "photo" else ""
    )


def _fit(name: str, limit: int) -> str:
    """`name` cut to at most `limit` UTF-8 bytes, its extension kept, no character split."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    suffix = f".{extension}" if dot and stem and len(extension.encode()) < _EXTENSION_BYTES else ""
    stem = name[: len(name) - len(suffix)]
    room = limit - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore").rstrip("._") + suffix


def _write_owner_only(temporary: Path, data: bytes) -> None:
    """Write to `temporary` (0600), then move it to its name without the .part: a crash never
    leaves half a file under the final name."""
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    temporary.replace(temporary.with_name(temporary.name.removesuffix(".part")))


def _as_sent(attachment: Attachment | None, stored: str) -> str:
    """The file's name as the person sent it (the disk name is made safe, not what they read)."""
    sent = attachment.file_name if attachment else None
    return sent.strip() if sent and sent.strip() else stored


async def save_evidence(turn: Turn, assignment: Assignment, data: bytes) -> Evidence:
    attachment = turn.inbound.attachment
    assert attachment is not None  # route() sends only attachments here
    person_id = turn.person_id
    digest = hashlib.sha256(data).hexdigest()
    name = _safe_name(attachment.file_name, attachment.kind, attachment.mime_type)
    folder = turn.deps.evidence_dir / str(assignment.id)
    turn.deps.evidence_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{digest[:16]}-{name}"
    if not path.exists():
        _write_owner_only(path.with_name(path.name + ".part"), data)
    record = Evidence(
        assignment_id=stored_id(assignment),
        person_id=person_id,
        file_name=name,
        mime_type=attachment.mime_type,
        size=len(data),
        sha256=digest,
        storage_path=str(path),
        created_at=turn.now,
    )
    turn.session.add(record)
    detail = {"assignment_id": assignment.id, "sha256": digest, "size": len(data)}
    turn.session.add(
        AuditLog(at=turn.now, actor=f"person:{person_id}", action="evidence.save", detail=detail)
    )
    await turn.session.flush()
    return record


async def evidence(turn: Turn) -> Answer:
    """A photo or document: stored against the task it replies to (or was just answered)."""
    assert turn.evidence is not None  # core fetched the file before the turn began
    target = None
    if turn.inbound.reply_to_message_id:
        target = await assignment_for_message(
            turn.session,
            person_id=turn.person_id,
            message_id=turn.inbound.reply_to_message_id,
            channel=turn.inbound.channel,
        )
    target = target or turn.pending.evidence_for or turn.pending.assignment
    if target is None and not turn.inbound.reply_to_message_id:
        reminded = await last_reminded(turn)  # without replies (Zalo): the one last reminder
        target = reminded[0] if len(reminded) == 1 else None
    found = await assignment_with_task(turn.session, assignment_id=target) if target else None
    if found is None:
        return say(t.NEED_TARGET if turn.caps.replies else t.NEED_TARGET_NO_REPLY)
    if not may_update(turn, found[0]):
        return say(t.NOT_ALLOWED)
    try:
        saved = await save_evidence(turn, found[0], turn.evidence)
    except OSError as exc:  # a full or read-only disk: say so, keep nothing half-written
        log.error("evidence for assignment %s not saved: %s", found[0].id, exc)
        return say(t.EVIDENCE_NOT_SAVED)
    answer = say(
        t.EVIDENCE_SAVED.format(
            code=ref(*found),
            name=_as_sent(turn.inbound.attachment, saved.file_name),
            size=t.size_text(saved.size),
        )
    )
    if turn.inbound.text and understand(turn.inbound.text, year=turn.local.year) is not None:
        answer.messages += (await answer_text(turn, *found, turn.inbound.text)).messages
    return answer
