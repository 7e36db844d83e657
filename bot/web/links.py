"""Signed, expiring, single-purpose links to the service's files, for channels without files.

A link names one file under DATA_DIR/digests and the moment it stops working, signed with
HMAC-SHA256 under a key kept in the data folder: `/tep/{expires}/{signature}/{path}`. The
signature covers the purpose, the path and the expiry, so nobody can stretch a link in time,
point it at another file or reuse a signature elsewhere. The path is resolved and must stay
under the folder, so `..` and symlinks out of it are refused even with a valid signature.
"""

import base64
import hashlib
import hmac
import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bot.clock import Clock
from bot.texts import web as words
from bot.web.server import WebServer

log = logging.getLogger(__name__)
PURPOSE = "digest-file"
ROUTE = "/tep/{expires:\\d+}/{signature}/{path:.+}"


class FileLinks:
    """Makes links (`link`) and serves them (`serve`)."""

    def __init__(
        self, *, key: bytes, root: Path, base_url: str, clock: Clock, ttl: timedelta
    ) -> None:
        self._key = key
        self._root = root.resolve()
        self._base = base_url.rstrip("/")
        self._clock = clock
        self._ttl = ttl

    def link(self, file_path: str) -> str | None:
        """A link to the file, or None for a file outside the served folder."""
        path = Path(file_path).resolve()
        if not path.is_relative_to(self._root):
            return None
        relative = path.relative_to(self._root).as_posix()
        expires = int((self._clock.now() + self._ttl).timestamp())
        return f"{self._base}/tep/{expires}/{self._sign(relative, expires)}/{quote(relative)}"

    def mount(self, server: WebServer) -> None:
        server.add_route("GET", ROUTE, self.serve)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """The file, or 403 with a short page for a forged, expired or stray link."""
        relative = request.match_info["path"]
        expires = int(request.match_info["expires"])
        given = request.match_info["signature"]
        if not hmac.compare_digest(given, self._sign(relative, expires)):
            return _refused(words.LINK_INVALID)
        if self._clock.now().timestamp() >= expires:
            return _refused(words.LINK_EXPIRED)
        path = (self._root / relative).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            return _refused(words.LINK_GONE)
        disposition = f"attachment; filename*=UTF-8''{quote(path.name)}"
        return web.FileResponse(path, headers={"Content-Disposition": disposition})

    def _sign(self, relative: str, expires: int) -> str:
        body = f"{PURPOSE}:{relative}:{expires}".encode()
        mac = hmac.new(self._key, body, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode()


def _refused(message: str) -> web.Response:
    page = words.PAGE.format(title=words.LINK_TITLE, message=message)
    return web.Response(status=403, text=page, content_type="text/html", charset="utf-8")
