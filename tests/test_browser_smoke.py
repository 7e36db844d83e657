"""The browser harness on what the server serves today: signed links to digest files, opened
in Chromium as someone would open them from a chat (tests/browser_kit.py)."""

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

from playwright.async_api import Page, expect
from sqlmodel import select

from bot.channels.console import ConsoleChannel
from bot.conversation.present import FileLink
from bot.digest.service import DigestFiles, write_files
from bot.service import App, build_file_links
from bot.texts import web as words
from bot.web.server import WebServer
from storage.db import transaction
from storage.models import Plan
from tests.browser_kit import (
    IN_BROWSER,
    SCREENSHOTS,
    Site,
    browser_fixture,
    running_site,
    screenshot,
)
from tests.factories import load_example
from tests.fakes import ManualClock

pytestmark = IN_BROWSER


def file_links(app: App, web: WebServer) -> object:
    """As `serve` mounts them for a channel that cannot send files (the console)."""
    console = ConsoleChannel("1", "Hùng", stdin=io.StringIO(), stdout=io.StringIO())
    return build_file_links(app, [console], web)


@browser_fixture
async def site(site_app: App) -> AsyncIterator[Site]:
    async with running_site(site_app, file_links) as running:
        yield running


async def digest_files(app: App) -> DigestFiles:
    """This week's Excel file for the example plan, as /digest writes it."""
    await load_example(app)
    async with transaction(app.sessions) as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        figures = await app.digests.figures(session, plan, app.clock.now())
    folder = app.digests.folder(plan, figures.today)
    return write_files(figures, folder, ["xlsx"])


async def download(page: Page, link: str) -> tuple[str, bytes]:
    """Open the link as a person would (a click), keep what the browser saved."""
    await page.set_content(f'<a href="{link}">tệp</a>')
    async with page.expect_download() as started:
        await page.get_by_role("link").click()
    got = await started.value
    saved = await got.path()
    return got.suggested_filename, Path(saved).read_bytes()  # noqa: ASYNC240 (a small file)


async def test_a_signed_link_downloads_the_file_and_a_tampered_one_is_refused(
    site: Site, page: Page, clock: ManualClock
) -> None:
    files = await digest_files(site.app)
    assert files.workbook is not None
    make_link = cast(FileLink, site.mounted[0])
    link = make_link(str(files.workbook))
    assert link is not None
    assert link.startswith(site.url("/tep/"))

    name, body = await download(page, link)
    assert name == files.workbook.name and body == files.workbook.read_bytes()

    expires, signature, path = link.removeprefix(site.url("/tep/")).split("/", 2)
    tampered = site.url(f"/tep/{expires}/{signature[::-1]}/{path}")
    response = await page.goto(tampered)
    assert response is not None and response.status == 403
    await expect(page).to_have_title(words.LINK_TITLE)
    await expect(page.get_by_text(words.LINK_INVALID)).to_be_visible()
    shots = await screenshot(page, "file-link-refused")
    assert [p.name for p in shots] == ["file-link-refused-phone.png", "file-link-refused-desk.png"]
    assert all(p.parent == SCREENSHOTS and p.stat().st_size > 1000 for p in shots)

    clock.advance(days=8)  # past FILE_LINK_DAYS: the valid link is refused as expired
    await page.goto(link)
    await expect(page.get_by_text(words.LINK_EXPIRED)).to_be_visible()
