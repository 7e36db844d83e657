"""Plan upload: the file is checked and its import run and rolled back, the page shows what
it would do (or every row error), and only a confirmation imports it for real — the CLI's
own all-or-nothing import (bot/importing/service.py) both times.

The upload is read as a stream with its own limits (type by name, size by counting), so a
large body is cut off early; the CSRF field comes first in the form and is checked before
any file byte is read.
"""

import re
import secrets
from pathlib import Path

from aiohttp import BodyPartReader, web

from bot.importing.reader import ImportFileError
from bot.importing.service import PlanOptions, import_plan_file
from bot.texts import web as words
from bot.web.auth import COORDINATOR, Viewer
from bot.web.context import Context, Route
from storage.db import transaction
from storage.web import record_audit

MAX_UPLOAD_MB = 10
MAX_UPLOAD = MAX_UPLOAD_MB * 1024 * 1024
SUFFIXES = (".xlsx", ".csv", ".yaml", ".yml")
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{22}\.(xlsx|csv|yaml|yml)$")
CHUNK = 64 * 1024


class Refused(Exception):
    """The upload is not taken; the message says why, to the person."""


def routes(ctx: Context) -> list[Route]:
    return [
        ("GET", "/web/nap", lambda r, v: form(ctx, r, v), COORDINATOR),
        ("POST", "/web/nap", lambda r, v: check(ctx, r, v), COORDINATOR),
        ("POST", "/web/nap/xac-nhan", lambda r, v: confirm(ctx, r, v), COORDINATOR),
    ]


async def form(ctx: Context, _request: web.Request, viewer: Viewer) -> web.StreamResponse:
    return ctx.render("import.html", viewer, mb=MAX_UPLOAD_MB, problem=None)


async def check(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Receive the file, run the import without keeping it, and show what it would do."""
    if not request.content_type.startswith("multipart/"):
        return ctx.guard.refuse(403, words.BAD_FORM_TITLE, words.BAD_FORM)
    try:
        path, fields = await _receive(ctx, request, viewer)
    except PermissionError:
        return ctx.guard.refuse(403, words.BAD_FORM_TITLE, words.BAD_FORM)
    except Refused as exc:
        return ctx.render("import.html", viewer, 400, mb=MAX_UPLOAD_MB, problem=str(exc))
    number, year = fields.get("number", "").strip()[:64], fields.get("year", "").strip()
    options = _options(number, year)
    try:
        report = await import_plan_file(
            ctx.deps.sessions, path, options, now=ctx.deps.clock.now(), preview=True
        )
    except ImportFileError as exc:
        path.unlink(missing_ok=True)
        return ctx.render("import_result.html", viewer, 400, errors=exc.errors, report=None)
    upload_id = path.name.split("-", 1)[1]
    return ctx.render(
        "import_result.html",
        viewer,
        errors=None,
        report=report,
        upload=upload_id,
        number=number,
        year=year,
    )


def _options(number: str, year: str) -> PlanOptions:
    """The plan's number and year as the form gives them (for a file that does not say)."""
    return PlanOptions(
        number=number or None, year=int(year) if year.isdigit() and len(year) == 4 else None
    )


async def _receive(
    ctx: Context, request: web.Request, viewer: Viewer
) -> tuple[Path, dict[str, str]]:
    """The form's fields in order: csrf, the plan's number and year (may be empty), the file."""
    reader = await request.multipart()
    fields: dict[str, str] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise Refused(words.IMPORT_NO_FILE)
        if part.name == "file":
            if not ctx.guard.check_csrf(viewer, fields.get("csrf")):
                raise PermissionError("csrf")
            return await _store(ctx, part, viewer), fields
        fields[part.name or ""] = (await part.read(decode=True))[:1000].decode(errors="replace")
    if not ctx.guard.check_csrf(viewer, fields.get("csrf")):
        raise PermissionError("csrf")
    raise Refused(words.IMPORT_NO_FILE)


async def _store(ctx: Context, part: BodyPartReader, viewer: Viewer) -> Path:
    suffix = Path(part.filename or "").suffix.lower()
    if not part.filename:
        raise Refused(words.IMPORT_NO_FILE)
    if suffix not in SUFFIXES:
        raise Refused(words.IMPORT_BAD_TYPE)
    ctx.uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    for earlier in ctx.uploads.glob(f"{viewer.person_id}-*"):  # one preview per person
        earlier.unlink(missing_ok=True)
    path = ctx.uploads / f"{viewer.person_id}-{secrets.token_urlsafe(16)}{suffix}"
    size = 0
    with path.open("wb") as out:
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD:
                out.close()
                path.unlink(missing_ok=True)
                raise Refused(words.IMPORT_TOO_BIG.format(mb=MAX_UPLOAD_MB))
            out.write(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise Refused(words.IMPORT_NO_FILE)
    return path


async def confirm(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Import the file shown in the preview, for real; the file goes either way."""
    data = await request.post()
    upload_id = str(data.get("upload", ""))
    number, year = str(data.get("number", "")).strip()[:64], str(data.get("year", "")).strip()
    path = ctx.uploads / f"{viewer.person_id}-{upload_id}"
    if not UPLOAD_ID.match(upload_id) or not path.is_file():
        return ctx.said(viewer, words.IMPORT_TITLE, words.IMPORT_GONE, "/web/nap")
    now = ctx.deps.clock.now()
    try:
        report = await import_plan_file(
            ctx.deps.sessions,
            path,
            _options(number, year),
            now=now,
            actor=viewer.actor,
        )
    except ImportFileError as exc:  # the plan or the units changed since the preview
        return ctx.render("import_result.html", viewer, 400, errors=exc.errors, report=None)
    finally:
        path.unlink(missing_ok=True)
    async with transaction(ctx.deps.sessions) as session:
        detail = {"plan": report.plan_number, **viewer.where}
        await record_audit(session, at=now, actor=viewer.actor, action="web.import", detail=detail)
    text = words.IMPORT_DONE.format(
        plan=report.plan_number,
        new=report.tasks_created,
        changed=report.tasks_updated,
        cancelled=report.tasks_cancelled,
    )
    return ctx.said(viewer, words.IMPORT_TITLE, text, "/web")
