"""The web page in a real browser (Debian's headless Chromium, tests/browser_kit.py), clicked
through as people use it: a coordinator signs in with the link from the chat, filters the
overview, opens a unit, approves an extension; a focal person cannot reach another unit; a
used or expired link is refused (an appendix uploaded through the page: test_browser_web).
Screenshots of the overview at phone and desk widths go to tests/screenshots/."""

import re
from collections.abc import AsyncIterator
from typing import cast

from playwright.async_api import Page, expect
from sqlalchemy import select

from bot.conversation.core import Conversation
from bot.service import App, build_deps, mount_web_page
from bot.texts import chat
from bot.texts import web as words
from bot.web.server import WebServer
from storage.models import OutboxMessage, Unit
from storage.vocab import OutboxKind, PersonRole
from tests.browser_kit import (
    DESK,
    IN_BROWSER,
    PHONE,
    Site,
    browser_fixture,
    running_site,
    screenshot,
)
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import register, text_of
from tests.factories import load_example
from tests.fakes import ManualClock
from tests.web_kit import plan_figures

pytestmark = IN_BROWSER
TP = "Phòng Tư pháp"
OTHER = "Phòng Tài chính - Kế hoạch"
LINK = re.compile(r"https?://\S+(/web/vao/\S+)")


def web_page(app: App, web: WebServer) -> Conversation:
    """The page as `serve` mounts it, and the conversation people ask /web of."""
    deps = build_deps(app, [])
    mount_web_page(app, deps, web)
    return Conversation(deps)


@browser_fixture
async def site(site_app: App) -> AsyncIterator[Site]:
    await load_example(site_app)
    async with running_site(site_app, web_page) as running:
        yield running


def talk(site: Site) -> Conversation:
    return cast(Conversation, site.mounted[0])


async def link_for(phone: Phone) -> str:
    found = LINK.search(text_of(await phone.send("/web")))
    assert found
    return found.group(1)


async def sign_in(page: Page, site: Site, phone: Phone) -> None:
    await page.goto(site.url(await link_for(phone)))
    await page.get_by_role("button", name=words.SIGN_IN_BUTTON).click()


async def within_a_phone(page: Page) -> None:
    """At a phone's width the overview does not scroll sideways, and the first overdue row
    shows its unit and its days overdue on screen (the columns that matter most)."""
    await page.set_viewport_size(PHONE)
    try:
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first = page.locator("#qua-han tbody tr").first
        for cell in (first.locator("td.lead"), first.locator("td").nth(4)):
            await expect(cell).to_be_visible()
            box = await cell.bounding_box()
            assert box is not None and box["width"] > 0
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    finally:
        await page.set_viewport_size(DESK)


async def test_a_coordinator_works_through_the_page(
    site: Site, page: Page, clock: ManualClock
) -> None:
    app = site.app
    lan = await register(app, talk(site), "501", TP, PersonRole.FOCAL)
    await lan.send("/update 2.1 xong")
    await lan.send("/update 2.2 xin gia han den 15/4/2023")
    clock.advance(days=40)  # 10 April: March's deadlines have passed
    coordinator = await register(app, talk(site), "800", None, PersonRole.COORDINATOR)

    await sign_in(page, site, coordinator)
    await expect(page.get_by_role("heading", name="Kế hoạch 32/KH-UBND")).to_be_visible()
    f = await plan_figures(app, clock.now())
    await expect(page.locator("#so-tong")).to_have_text(str(f.totals.total))
    await expect(page.locator("#so-dung-han")).to_have_text(str(f.totals.done_on_time))
    await expect(page.locator("#so-qua-han")).to_have_text(str(f.totals.overdue))
    await expect(page.locator("#so-gia-han")).to_have_text(str(f.totals.extension_requested))
    await expect(page.locator("#ty-le")).to_have_text(f"{f.totals.pct_done}%")
    assert f.overdue and f.totals.extension_requested == 1
    await screenshot(page, "web-overview")
    await within_a_phone(page)

    await page.get_by_label(words.FILTER_STATUS).select_option("overdue")
    await page.get_by_role("button", name=words.FILTER_APPLY).click()
    rows = page.locator("#theo-bo-loc tbody tr")
    await expect(rows).to_have_count(len(f.overdue))
    await screenshot(page, "web-overview-overdue")

    await page.goto(site.url("/web"))
    await page.locator("#theo-don-vi").get_by_role("link", name=TP, exact=True).click()
    await expect(page.get_by_role("heading", name=TP, exact=True)).to_be_visible()
    await screenshot(page, "web-unit")
    await page.locator(".assignment summary a").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Nhiệm vụ "))
    await screenshot(page, "web-task")
    await page.go_back()
    await page.get_by_role("button", name=words.APPROVE, exact=True).click()
    await expect(
        page.get_by_text("Đã đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp đến 15/04/2023.")
    ).to_be_visible()
    async with app.sessions() as session:
        told = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.EXTENSION_DECISION)
                )
            )
            .scalars()
            .all()
        )
    assert [(m.person_id, m.payload["text"]) for m in told] == [
        (1, "Phòng Nội vụ đồng ý gia hạn nhiệm vụ 2.2 đến 15/04/2023.")
    ]
    assert chat.VERDICT[True] in told[0].payload["text"]


async def test_a_focal_person_cannot_reach_another_unit(site: Site, page: Page) -> None:
    app = site.app
    lan = await register(app, talk(site), "501", TP, PersonRole.FOCAL)
    await sign_in(page, site, lan)
    await expect(page.get_by_role("heading", name=TP, exact=True)).to_be_visible()
    async with app.sessions() as session:
        other = (await session.execute(select(Unit).where(Unit.name == OTHER))).scalars().one()
    for path in (f"/web/don-vi/{other.id}", "/web/tai/xlsx", "/web/nap"):
        response = await page.goto(site.url(path))
        assert response is not None and response.status == 403
        await expect(page.get_by_text(words.FORBIDDEN)).to_be_visible()
        assert OTHER not in await page.content()


async def test_a_used_or_expired_link_is_refused(
    site: Site, page: Page, clock: ManualClock
) -> None:
    coordinator = await register(site.app, talk(site), "800", None, PersonRole.COORDINATOR)
    link = await link_for(coordinator)
    await page.goto(site.url(link))
    await page.get_by_role("button", name=words.SIGN_IN_BUTTON).click()
    await expect(page.get_by_role("heading", name="Kế hoạch 32/KH-UBND")).to_be_visible()
    await page.get_by_role("button", name=words.SIGN_OUT).click()
    await expect(page.get_by_text(words.SIGNED_OUT)).to_be_visible()

    await page.goto(site.url(link))  # used
    await page.get_by_role("button", name=words.SIGN_IN_BUTTON).click()
    await expect(page.get_by_text(words.SIGN_IN_REFUSED)).to_be_visible()
    late = await link_for(coordinator)
    clock.advance(minutes=11)  # expired
    await page.goto(site.url(late))
    await page.get_by_role("button", name=words.SIGN_IN_BUTTON).click()
    await expect(page.get_by_text(words.SIGN_IN_REFUSED)).to_be_visible()
    response = await page.goto(site.url("/web"))
    assert response is not None and response.status == 401
