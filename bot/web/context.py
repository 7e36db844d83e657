"""What every handler of the web page works with."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.conversation.turn import Deps
from bot.web.auth import Guard, Viewer
from bot.web.overview import Charts
from bot.web.render import Pages

# A page's route: method, path, handler (request, viewer), the roles it is for.
Route = tuple[
    str, str, Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]], frozenset[str]
]


@dataclass(frozen=True)
class Context:
    """What every handler of the page works with."""

    deps: Deps
    guard: Guard
    pages: Pages
    uploads: Path  # plan files waiting for a confirmation
    charts: Charts = field(default_factory=Charts)

    def render(
        self, template: str, viewer: Viewer, status: int = 200, **values: Any
    ) -> web.Response:
        return self.pages.html(template, {"viewer": viewer, **values}, status)

    def said(self, viewer: Viewer, title: str, message: str, back: str) -> web.Response:
        """A short page with the outcome of an action and a link back."""
        return self.render("message.html", viewer, title=title, message=message, back=back)
