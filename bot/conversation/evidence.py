"""Evidence files: stored on disk by content hash, recorded with size, hash and sender."""

import hashlib
import re
from pathlib import Path

from bot.conversation.turn import Turn
from storage.models import Assignment, AuditLog, Evidence

_UNSAFE = re.compile(r"[^\w.\-]+")


def _safe_name(name: str | None, kind: str, mime: str | None) -> str:
    if name:
        cleaned = _UNSAFE.sub("_", Path(name).name).strip("._")
        if cleaned:
            return cleaned[:100]
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
    return ("anh" if kind == "photo" else "tep") + extension.get(
        mime or "", ".jpg" if kind == "photo" else ""
    )


async def save_evidence(turn: Turn, assignment: Assignment, data: bytes) -> Evidence:
    attachment = turn.inbound.attachment
    assert attachment is not None and turn.person is not None
    digest = hashlib.sha256(data).hexdigest()
    name = _safe_name(attachment.file_name, attachment.kind, attachment.mime_type)
    folder = turn.deps.evidence_dir / str(assignment.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest[:16]}-{name}"
    if not path.exists():
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # a crash never leaves half a file under the final name
    record = Evidence(
        assignment_id=assignment.id,  # type: ignore[arg-type]
        person_id=turn.person.id,
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
        AuditLog(
            at=turn.now, actor=f"person:{turn.person.id}", action="evidence.save", detail=detail
        )
    )
    await turn.session.flush()
    return record
