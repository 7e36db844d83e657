"""Pages in a real browser: Debian's headless Chromium driven by Playwright, against the
service's own in-process HTTP server on a free loopback port and a real SQLite file.

Chromium comes from Debian (`scripts/debian-packages.sh chromium`, run by `make test`);
Playwright only drives it (`executable_path`), it never downloads a browser of its own.

One browser per test worker, a fresh context (cookies, storage, viewport) per test. The
browser lives in the worker's session event loop, so every browser test, and every async
fixture it uses, runs in that loop: a browser test module starts with

    pytestmark = IN_BROWSER

takes `site_app` (the App, opened in that loop) instead of `app`, and decorates its own async
fixtures with `@browser_fixture`. A server started in another loop would sit idle while the
test awaits the page; `running_site` refuses to start there.
"""

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Playwright, ViewportSize
from playwright.async_api import Error as PlaywrightError

from bot.service import App, build_web_server, listening
from bot.web.server import WebServer
from tests.factories import ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PHONE = ViewportSize(width=390, height=844)
DESK = ViewportSize(width=1440, height=900)
WIDTHS = {"phone": PHONE, "desk": DESK}
SCREENSHOTS = ROOT / "tests" / "screenshots"  # git-ignored; look at them after a run
TIMEOUT_MS = 5_000  # every wait (click, navigation, expect): a broken page fails, never hangs
IN_BROWSER = pytest.mark.asyncio(loop_scope="session")
browser_fixture = pytest_asyncio.fixture(loop_scope="session")  # async fixtures of browser tests
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

Mount = Callable[[App, WebServer], object]  # adds routes to the server before it starts


_loop: list[asyncio.AbstractEventLoop] = []  # the loop the worker's browser runs in


async def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; a clear failure (never a skip) when it cannot start."""
    _loop[:] = [asyncio.get_running_loop()]
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install Debian's packages with "
            "`scripts/debian-packages.sh chromium` (`make test` does).",
            pytrace=False,
        )
    try:
        return await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, timeout=30_000
        )
    except PlaywrightError as exc:
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc.message}", pytrace=False)


async def new_page(browser: Browser) -> Page:
    """A page in a fresh context at desk width, Vietnamese, Hà Tĩnh's clock, short timeouts."""
    context = await browser.new_context(
        viewport=DESK, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return await context.new_page()


async def screenshot(page: Page, name: str) -> list[Path]:
    """The page as it is now, whole, at phone and at desk width:
    tests/screenshots/<name>-phone.png and <name>-desk.png. The viewport is restored after."""
    if not _NAME.match(name):
        raise ValueError(f"screenshot name {name!r}: lower-case letters, digits and '-'")
    SCREENSHOTS.mkdir(exist_ok=True)
    before = page.viewport_size or DESK
    taken = []
    for width, size in WIDTHS.items():
        await page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{width}.png"
        await page.screenshot(path=path, full_page=True)
        taken.append(path)
    await page.set_viewport_size(before)
    return taken


@dataclass(frozen=True)
class Site:
    """The service's HTTP server, listening; `app` carries its address in its settings."""

    app: App
    base_url: str
    mounted: tuple[object, ...]  # what each mount returned, in order

    def url(self, path: str) -> str:
        return self.base_url + path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running_site(app: App, *mounts: Mount) -> AsyncIterator[Site]:
    """The service's web server (as `bot.service.serve` builds and starts it) on a free
    loopback port, PUBLIC_BASE_URL pointing at it, with the routes each mount adds."""
    if _loop != [asyncio.get_running_loop()]:
        raise RuntimeError(
            "running_site runs outside the browser's loop: take `site_app`, decorate the "
            "fixture with @browser_fixture and mark the module with IN_BROWSER (browser_kit)"
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = replace(app.settings, http_host="127.0.0.1", http_port=port, public_base_url=base)
    app = replace(app, settings=settings)
    web = build_web_server(settings)
    mounted = tuple(mount(app, web) for mount in mounts)
    if not web.needed:
        raise ValueError("running_site: no mount added a route")
    async with listening(web):
        yield Site(app, base, mounted)
