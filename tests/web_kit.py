"""The web page as the service runs it: the real HTTP server on a free loopback port, the
conversation people ask for a sign-in link (/web), and browsers as aiohttp clients with
their own cookie jars."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.conversation.core import Conversation
from bot.service import App, build_deps, build_web_server, listening, mount_web_page
from scheduler.digest import compute
from scheduler.digest_figures import Figures
from storage.db import transaction
from storage.models import Evidence, Plan
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import assignment_of, text_of
from tests.zalo_kit import free_port

LINK = re.compile(r"(https?://\S+/web/vao/(\S+))")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Site:
    app: App
    conversation: Conversation
    base: str  # what links say (PUBLIC_BASE_URL)
    address: str  # where the server listens
    browsers: list["Browser"] = field(default_factory=list)

    def browser(self) -> "Browser":
        session = aiohttp.ClientSession(
            base_url=self.address, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        made = Browser(session)
        self.browsers.append(made)
        return made

    async def link_for(self, phone: Phone) -> str:
        """The sign-in link /web answers in the chat (its path)."""
        answer = text_of(await phone.send("/web"))
        found = LINK.search(answer)
        assert found, answer
        assert found.group(1).startswith(self.base)
        return found.group(1)[len(self.base) :]

    async def signed_in(self, phone: Phone) -> "Browser":
        browser = self.browser()
        status, _ = await browser.sign_in(await self.link_for(phone))
        assert status == 200
        return browser


@dataclass
class Browser:
    http: aiohttp.ClientSession
    csrf: str | None = None
    last: str = ""

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(path, allow_redirects=True) as response:
            return response.status, await self._read(response)

    async def raw(self, path: str) -> tuple[int, bytes, Any]:
        async with self.http.get(path) as response:
            return response.status, await response.read(), response.headers

    async def post(
        self, path: str, data: dict[str, str] | aiohttp.FormData, *, csrf: bool = True
    ) -> tuple[int, str]:
        if csrf and isinstance(data, dict) and "csrf" not in data:
            data = {"csrf": self.csrf or "", **data}
        async with self.http.post(path, data=data, allow_redirects=True) as response:
            return response.status, await self._read(response)

    async def sign_in(self, link_path: str) -> tuple[int, str]:
        status, page = await self.get(link_path)
        if status != 200:
            return status, page
        token = link_path.rsplit("/", 1)[1]
        return await self.post("/web/vao", {"token": token}, csrf=False)

    async def _read(self, response: aiohttp.ClientResponse) -> str:
        text = await response.text()
        self.last = text
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        return text


@asynccontextmanager
async def running_site(app: App, *, https: bool = False) -> AsyncIterator[Site]:
    """The service's HTTP server with the web page on; `https` makes PUBLIC_BASE_URL an
    https address (the server itself still speaks plain HTTP, as behind a proxy)."""
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    base = f"https://nhacviec.example:{port}" if https else address
    settings = replace(app.settings, http_host="127.0.0.1", http_port=port, public_base_url=base)
    app = replace(app, settings=settings)
    web = build_web_server(settings)
    deps = build_deps(app, [])
    mount_web_page(app, deps, web)
    site = Site(app, Conversation(deps), base, address)
    async with listening(web):
        try:
            yield site
        finally:
            for browser in site.browsers:
                await browser.http.close()


def visible(page: str) -> str:
    """The page's text without tags, whitespace folded: what a person reads."""
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", text).strip()


async def count_rows(app: App, model: type) -> int:
    """How many rows of `model` the database holds."""
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def stored_evidence(app: App, unit: str, code: str) -> Evidence:
    """A file `unit` sent for task `code`, stored as the conversation stores it."""
    target = await assignment_of(app, code, unit)
    folder = app.settings.data_dir / "minh-chung" / str(target.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bien-ban.pdf"
    path.write_bytes(b"%PDF-1.4 " + unit.encode())
    row = Evidence(
        assignment_id=target.id,  # type: ignore[arg-type]
        file_name=f"bien-ban {unit}.pdf",
        size=path.stat().st_size,
        sha256="0" * 64,
        storage_path=str(path),
    )
    async with transaction(app.sessions) as session:
        session.add(row)
        await session.flush()
    return row


async def plan_figures(app: App, at: datetime) -> Figures:
    """The digest's figures for the one plan, computed as of `at`: what the page must show."""
    async with app.sessions() as session:
        plan = (await session.execute(select(Plan))).scalars().one()
        return await compute(
            session, plan=plan, at=at, tz=app.settings.timezone, working_days=app.rules.days_late
        )
