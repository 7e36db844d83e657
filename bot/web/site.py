"""The web page for Phòng Nội vụ, leadership and focal persons, mounted on the service's
one HTTP server (bot/web/server.py) under /web.

    /web/vao/{token}        sign in with the link /web sent (GET: a button; POST: sign in)
    /web                    the plan overview (a focal person goes to their unit)
    /web/don-vi/{id}        a unit          /web/nhiem-vu/{id}   a task
    /web/bieu-do.png, /web/tai/{xlsx|docx}   the digest's chart and files
    /web/minh-chung/{id}    an evidence file
    /web/gia-han/{id}, /web/nguoi/{id}/vang, /web/moi, /web/nap   coordinators' actions
    /web/ra                 sign out everywhere
"""

from pathlib import Path

from aiohttp import web

from bot.conversation.turn import Deps
from bot.web import actions, pages, upload
from bot.web.auth import Guard
from bot.web.context import Context
from bot.web.render import STATIC, Pages, secure
from bot.web.server import WebServer

STYLE_FILE = "app.css"


def mount(ctx: Context, server: WebServer) -> None:
    """Every route of the page, each behind the guard."""
    guard = ctx.guard
    server.add_route("GET", "/web/vao/{token}", guard.sign_in_page)
    server.add_route("POST", "/web/vao", guard.sign_in)
    server.add_route("GET", "/web/static/app.css", _style)
    server.add_route("POST", "/web/ra", guard.page(guard.sign_out))
    for module in (pages, actions, upload):
        for method, path, handler, roles in module.routes(ctx):
            server.add_route(method, path, guard.page(handler, roles=roles))

    # Last: any other address under /web gets the page's own 404, with its headers.
    async def missing(_request: web.Request) -> web.StreamResponse:
        return guard.not_found()

    server.add_route("GET", "/web/{tail:.*}", missing)


async def _style(_request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC / STYLE_FILE, headers={"Cache-Control": "max-age=3600"})
    return secure(response)


def build_site(deps: Deps, *, key: bytes, secure_cookie: bool, uploads: Path) -> Context:
    """The page's parts, on the conversation's dependencies (the same database and clock)."""
    pages = Pages()
    guard = Guard(
        sessions=deps.sessions,
        clock=deps.clock,
        pages=pages,
        key=key,
        secure_cookie=secure_cookie,
    )
    return Context(deps, guard, pages, uploads)
