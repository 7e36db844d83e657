"""HTML from Jinja2 templates with autoescape on: every value is escaped unless a template
marks it safe (only the QR codes' SVG, which segno writes from a URL it encoded itself).

The templates hold markup only; their words come from bot/texts/web.py as `w`.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.texts import common, dates
from bot.texts import web as words

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# No script, no inline style, nothing from elsewhere; no framing (clickjacking).
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(w=words, status_name=common.STATUS, day=dates.day, role=common.person_role)
    env.globals.update(moment=dates.moment, task_ref=common.task_ref)
    return env


class Pages:
    """Renders a template into a response carrying the security headers."""

    def __init__(self) -> None:
        self._env = environment()

    def html(self, template: str, context: Mapping[str, Any], status: int = 200) -> web.Response:
        body = self._env.get_template(template).render(**context)
        response = web.Response(status=status, text=body, content_type="text/html", charset="utf-8")
        secure(response)
        return response


def secure(response: web.StreamResponse) -> web.StreamResponse:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
