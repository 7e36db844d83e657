"""One small in-process HTTP server: webhooks now, health checks and a dashboard later.

aiohttp.web on an AppRunner and a TCPSite, started in the service's own event loop: the
webhook handler calls the conversation directly, with the same engine, scheduler and outbox
as everything else, and no second loop or thread to hand work across. aiohttp is already
what the test fakes run on, so this adds no new dependency to learn or audit, and it is
small: no framework, no ASGI server process, a router and a file response are all we need.
(Starlette would need uvicorn served from inside our loop for the same result.)

Routes are added before `start` (aiohttp freezes its router then); the composition root
starts the server only when some route needs it. aiohttp itself (about 10 MiB of modules) is
imported by `start`: a service with no route to serve (the console, Telegram polling with no
health check and no web page) never loads it.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)
Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]
MAX_BODY = 1024 * 1024  # a webhook update is a few kilobytes


class WebServer:
    """Routes first, then `start`; `stop` on the way out."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._routes: list[tuple[str, str, Handler]] = []
        self._runner: web.AppRunner | None = None

    @property
    def needed(self) -> bool:
        return bool(self._routes)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        if self._runner is not None:
            raise RuntimeError("routes are added before the server starts")
        self._routes.append((method, path, handler))

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application(client_max_size=MAX_BODY)
        for method, path, handler in self._routes:
            app.router.add_route(method, path, handler)
        runner = web.AppRunner(app, access_log=None)  # request paths carry signatures
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("HTTP server listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
