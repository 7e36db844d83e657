"""Who is looking: sign-in by a one-time link, the session cookie, roles, and CSRF.

Every page handler is wrapped by `Guard.page`, which finds the signed-in person (or answers
401), checks their role (403), checks the form's CSRF token on every POST (403) and adds
the security headers. The CSRF token is bound to the session: an HMAC of the session id,
which only the browser holding the cookie knows, so no token is stored.

The link opens a page with a button rather than signing in on GET: chat apps fetch links
to show a preview, and such a fetch must not spend the one use.
"""

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.texts import web as words
from bot.web.render import Pages, secure
from bot.web.signin import new_secret, secret_hash
from storage.db import stored_id, transaction
from storage.models import Person
from storage.vocab import SEES_EVERY_UNIT, PersonRole
from storage.web import end_sessions, live_session, open_session, record_audit, use_login_token

log = logging.getLogger(__name__)
COOKIE = "nhacviec_phien"
IDLE = timedelta(hours=2)  # a session nobody used for this long is over
MOST = timedelta(days=7)  # and none lasts longer than this
EVERYONE = frozenset(PersonRole)
COORDINATOR = frozenset({PersonRole.COORDINATOR})
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as the pages need them (no live ORM object)."""

    person_id: int
    name: str
    role: str
    is_deputy: bool
    unit_id: int | None
    csrf: str
    actor: str  # for the audit log: "web:<person id>"
    where: dict[str, str]  # the request's address and browser, for the audit log

    @property
    def sees_all(self) -> bool:
        return self.role in SEES_EVERY_UNIT

    @property
    def acts(self) -> bool:
        return self.role == PersonRole.COORDINATOR

    def may_see_unit(self, unit_id: int) -> bool:
        return self.sees_all or unit_id == self.unit_id


Handler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def client(request: web.Request) -> dict[str, str]:
    """Where a request came from: the proxy's X-Forwarded-For first address when behind
    one on this machine, else the peer; and the browser's User-Agent."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    ip = forwarded.split(",")[0].strip() if forwarded and peer in ("127.0.0.1", "::1") else peer
    return {"ip": ip[:64], "user_agent": request.headers.get("User-Agent", "")[:300]}


class Guard:
    """Sessions and checks, for the handlers of the web page."""

    def __init__(
        self, *, sessions: Sessions, clock: Clock, pages: Pages, key: bytes, secure_cookie: bool
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._pages = pages
        self._key = key
        self._secure = secure_cookie

    def page(
        self, handler: Handler, *, roles: Collection[str] = EVERYONE
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """`handler` for signed-in people of `roles`; a POST must carry the CSRF token,
        except a multipart upload, whose handler checks it (`check_csrf`) before the file."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            viewer = await self.viewer(request)
            if viewer is None:
                return self.refuse(401, words.NEED_SIGN_IN_TITLE, words.NEED_SIGN_IN)
            if viewer.role not in roles:
                return self.forbidden()
            if request.method == "POST" and not request.content_type.startswith("multipart/"):
                form = await request.post()
                if not self.check_csrf(viewer, form.get("csrf")):
                    return self.refuse(403, words.BAD_FORM_TITLE, words.BAD_FORM)
            return secure(await handler(request, viewer))

        return guarded

    def check_csrf(self, viewer: Viewer, given: Any) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given, viewer.csrf)

    def forbidden(self) -> web.Response:
        return self.refuse(403, words.FORBIDDEN_TITLE, words.FORBIDDEN)

    def not_found(self) -> web.Response:
        return self.refuse(404, words.NOT_FOUND_TITLE, words.NOT_FOUND)

    def refuse(self, status: int, title: str, message: str) -> web.Response:
        return self._pages.html("message.html", {"title": title, "message": message}, status)

    async def viewer(self, request: web.Request) -> Viewer | None:
        sid = request.cookies.get(COOKIE)
        if not sid or len(sid) > 100:
            return None
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            found = await live_session(
                session, session_hash=secret_hash(sid), now=now, idle=IDLE, most=MOST
            )
            if found is None:
                return None
            person = found[1]
        return self._viewer(person, sid, request)

    def _viewer(self, person: Person, sid: str, request: web.Request) -> Viewer:
        csrf = hmac.new(self._key, f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()
        return Viewer(
            person_id=stored_id(person),
            name=person.full_name,
            role=person.role,
            is_deputy=person.is_deputy,
            unit_id=person.unit_id,
            csrf=csrf,
            actor=f"web:{person.id}",
            where=client(request),
        )

    # The sign-in routes.

    async def sign_in_page(self, request: web.Request) -> web.StreamResponse:
        """GET /web/vao/{token}: a button that signs in (the token is not spent here)."""
        token = request.match_info["token"]
        return self._pages.html("sign_in.html", {"token": token})

    async def sign_in(self, request: web.Request) -> web.StreamResponse:
        """POST /web/vao: spend the token, open a session, set its cookie."""
        form = await request.post()
        token = form.get("token")
        if not isinstance(token, str) or len(token) > 100:
            return self.refuse(403, words.SIGN_IN_TITLE, words.SIGN_IN_REFUSED)
        now = self._clock.now()
        where = client(request)
        sid = new_secret()
        async with transaction(self._sessions) as session:
            person = await use_login_token(session, token_hash=secret_hash(token), now=now)
            if person is None:
                return self.refuse(403, words.SIGN_IN_TITLE, words.SIGN_IN_REFUSED)
            person_id = stored_id(person)
            await open_session(
                session,
                session_hash=secret_hash(sid),
                person_id=person_id,
                now=now,
                ip=where["ip"],
                user_agent=where["user_agent"],
            )
            await record_audit(
                session, at=now, actor=f"web:{person_id}", action="web.sign_in", detail=where
            )
        response = web.Response(status=303, headers={"Location": "/web"})
        response.set_cookie(
            COOKIE,
            sid,
            httponly=True,
            samesite="Lax",
            secure=self._secure,
            path="/web",
            max_age=int(MOST.total_seconds()),
        )
        secure(response)
        return response

    async def sign_out(self, _request: web.Request, viewer: Viewer) -> web.StreamResponse:
        """POST /web/ra: end every session of this person, in every browser."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            ended = await end_sessions(session, person_id=viewer.person_id, now=now)
            detail = {**viewer.where, "sessions": str(ended)}
            await record_audit(
                session, at=now, actor=viewer.actor, action="web.sign_out", detail=detail
            )
        response = self.refuse(200, words.SIGNED_OUT_TITLE, words.SIGNED_OUT)
        response.del_cookie(COOKIE, path="/web")
        return response
