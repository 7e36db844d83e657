"""The web page in a real browser (tests/browser_kit.py), clicked through as people use it:
the sign-in link comes from the bot on Telegram (python-telegram-bot against the fake Bot
API), decisions made on the page reach the focal person's chat, a plan appendix is checked
before it is written, and a focal person sees their own unit only.

tests/test_web_browser.py walks the same page with the conversation in-process (and covers
used and expired sign-in links); this module adds the chat side as it runs (python-telegram-bot,
delivery to the fake Bot API), every figure of the overview's tables, the chart, the plan
written by an upload as the page shows it, and another unit's evidence file refused."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page, expect
from sqlalchemy import select

from bot.service import App, build_deps, mount_web_page
from bot.texts import chat
from bot.texts import web as words
from bot.texts.common import STATUS
from bot.web.server import WebServer
from storage.models import Plan, Task, Unit
from storage.vocab import AssignmentStatus, PersonRole
from tests.browser_kit import IN_BROWSER, Site, browser_fixture, running_site, screenshot
from tests.conversation_kit import assignment_of
from tests.factories import csv_file, invite_code, load_example
from tests.fakes import User
from tests.fakes.clock import ManualClock
from tests.telegram_kit import Bot, running_bot
from tests.web_kit import count_rows, plan_figures, stored_evidence

pytestmark = IN_BROWSER

TP = "Phòng Tư pháp"
OTHER = "Phòng Tài chính - Kế hoạch"
LAN = User(5001, "Lan", "Nguyễn Thị")  # focal person of Phòng Tư pháp
HUNG = User(5002, "Hùng", "Trần Văn")  # Phòng Nội vụ
TAI = User(5003, "Tài", "Phạm Minh")  # focal person of the other unit
LINK = re.compile(r"https?://\S+/web/vao/\S+")
HEADERS = ["STT", "Nhiệm vụ/giải pháp", "Đơn vị chủ trì", "Thời hạn hoàn thành"]


def web_page(app: App, web: WebServer) -> object:
    """The page under /web, as `serve` mounts it."""
    mount_web_page(app, build_deps(app, []), web)
    return None


@dataclass
class World:
    site: Site
    bot: Bot
    app: App


@browser_fixture
async def world(site_app: App, clock: ManualClock) -> AsyncIterator[World]:
    """The example plan under way: Lan and Hùng registered on Telegram; Lan finished 2.1 and
    asked to move 2.2; Hùng got the request; six weeks later March's deadlines have passed."""
    await load_example(site_app)
    async with running_site(site_app, web_page) as site, running_bot(site.app, clock) as bot:
        for user, unit, role in ((LAN, TP, PersonRole.FOCAL), (HUNG, None, PersonRole.COORDINATOR)):
            bot.api.user_sends(user, None, f"/start {await invite_code(bot.app, unit, role)}")
            await bot.api.next_messages(user.id)
        bot.api.user_sends(LAN, None, "/update 2.1 xong")
        bot.api.user_sends(LAN, None, "/update 2.2 xin gia hạn đến 20/4/2023 chờ ý kiến Sở")
        await bot.api.next_messages(LAN.id, 2)
        assert await bot.delivery.run_once() == 1
        (request,) = await bot.api.next_messages(HUNG.id)
        assert request.text.startswith("📅 Đề nghị gia hạn nhiệm vụ 2.2")
        clock.advance(days=43)  # Thursday 13 April 2023, a working day
        yield World(site, bot, bot.app)


async def link_from_chat(world: World, user: User) -> str:
    """`user` sends /web to the bot; the link in its answer."""
    world.bot.api.user_sends(user, None, "/web")
    (answer,) = await world.bot.api.next_messages(user.id)
    found = LINK.search(answer.text or "")
    assert found, answer.text
    assert found.group(0).startswith(world.site.base_url)
    return found.group(0)


async def sign_in(page: Page, link: str) -> None:
    """Open the link from the chat and press the button."""
    await page.goto(link)
    await expect(page.get_by_role("heading", name=words.SIGN_IN_TITLE)).to_be_visible()
    await page.get_by_role("button", name=words.SIGN_IN_BUTTON).click()


async def rows(page: Page, table: str) -> list[list[str]]:
    """The text of every body cell of a table, as shown."""
    cells: list[list[str]] = await page.locator(f"#{table} tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))"
    )
    return cells


async def test_a_coordinator_signs_in_from_the_chat_and_approves_an_extension(
    world: World, page: Page, clock: ManualClock
) -> None:
    app = world.app
    link = await link_from_chat(world, HUNG)
    await sign_in(page, link)
    await expect(page).to_have_url(world.site.url("/web"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kế hoạch 32/KH-UBND")
    await expect(page.get_by_text("Đang đăng nhập: Hùng Trần Văn")).to_be_visible()
    # The chart loads when scrolled to; matplotlib draws it (once per set of figures) in
    # seconds on a loaded test machine, so its wait is longer than the page's own.
    chart = page.locator("img.chart")
    await chart.scroll_into_view_if_needed()
    await expect(chart).to_have_js_property("complete", True, timeout=30_000)
    assert await chart.evaluate("image => image.naturalWidth") > 0
    await screenshot(page, "overview")

    # The figures are the digest's, computed on the same data at the same moment.
    f = await plan_figures(app, clock.now())
    t = f.totals
    assert t.overdue > 0 and t.done_on_time == 1 and t.extension_requested == 1
    expected = {
        "so-tong": t.total,
        "so-dung-han": t.done_on_time,
        "so-xong-tre": t.done_late,
        "so-dang-lam": t.in_progress,
        "so-vuong": t.blocked,
        "so-gia-han": t.extension_requested,
        "so-chua-lam": t.not_started,
        "so-qua-han": t.overdue,
    }
    shown = {key: int(await page.locator(f"#{key}").inner_text()) for key in expected}
    assert shown == expected
    await expect(page.locator("#ty-le")).to_have_text(f"{t.pct_done}%")
    by_unit = {row[1]: row[2:] for row in await rows(page, "theo-don-vi")}
    assert by_unit == {
        line.name: [
            str(n)
            for n in (
                line.counts.total,
                line.counts.done_on_time,
                line.counts.done_late,
                line.counts.in_progress,
                line.counts.blocked,
                line.counts.not_started,
                line.counts.overdue,
            )
        ]
        + [f"{line.counts.pct_done}%"]
        for line in f.units
    }
    by_area = [row[:2] for row in await rows(page, "theo-linh-vuc")]
    assert by_area == [[a.name, str(a.counts.total)] for a in f.areas]
    overdue = await rows(page, "qua-han")
    assert len(overdue) == len(f.overdue)
    assert ["2.2", TP] in [[row[0], row[2]] for row in overdue]

    # Only overdue work, through the filter form.
    await page.get_by_label(words.FILTER_STATUS).select_option("overdue")
    await page.get_by_role("button", name=words.FILTER_APPLY).click()
    await expect(page).to_have_url(re.compile(r"status=overdue"))
    filtered = await rows(page, "theo-bo-loc")
    assert sorted((row[0], row[2]) for row in filtered) == sorted((r[0], r[2]) for r in overdue)
    assert all(row[4] != STATUS[AssignmentStatus.DONE] for row in filtered)

    # Into the unit, and the request is approved with one click.
    await page.locator("#theo-don-vi").get_by_role("link", name=TP, exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TP)
    card = page.locator(".request", has_text="2.2")
    await expect(card).to_contain_text(
        "Lan Nguyễn Thị đề nghị gia hạn từ 31/03/2023 đến 20/04/2023"
    )
    await card.get_by_role("button", name=words.APPROVE, exact=True).click()
    await expect(
        page.get_by_text("Đã đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp đến 20/04/2023.")
    ).to_be_visible()
    await page.get_by_role("link", name=words.BACK).click()
    await expect(page.get_by_text(words.NO_REQUESTS)).to_be_visible()
    decided = page.locator(".assignment").filter(
        has=page.locator("summary strong", has_text=re.compile(r"^2\.2$"))
    )
    await expect(decided.locator(".history li").last).to_contain_text(
        "· Hùng Trần Văn · trang web — Chưa thực hiện: Đồng ý gia hạn đến 20/04/2023"
    )

    # Lan's chat is told, by the same delivery as a decision made in the chat.
    assert await world.bot.delivery.run_once() == 1
    (told,) = await world.bot.api.next_messages(LAN.id)
    assert told.text == chat.EXTENSION_DECIDED_FOR_UNIT.format(
        verdict=chat.VERDICT[True],
        code="2.2",
        detail=chat.VERDICT_DETAIL[True].format(day="20/04/2023"),
    )
    assert (await assignment_of(app, "2.2", TP)).deadline.isoformat() == "2023-04-20"


async def test_an_appendix_with_a_bad_row_is_refused_then_the_fixed_one_written(
    world: World, page: Page, tmp_path: Path
) -> None:
    app = world.app
    await sign_in(page, await link_from_chat(world, HUNG))
    await page.get_by_role("link", name=words.NAV_IMPORT).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(words.IMPORT_TITLE)
    appendix = tmp_path / "phu-luc-15.csv"
    csv_file(
        appendix,
        [HEADERS, ["1", "Rà soát văn bản", TP, "30/6/2023"], ["2", "Tập huấn", TP, "sắp tới"]],
    )
    plans, tasks = await count_rows(app, Plan), await count_rows(app, Task)

    async def check(number: str) -> None:
        await page.get_by_label(words.IMPORT_NUMBER).fill(number)
        await page.get_by_label(words.IMPORT_YEAR).fill("2023")
        await page.get_by_label(words.IMPORT_FILE).set_input_files(appendix)
        await page.get_by_role("button", name=words.IMPORT_CHECK).click()

    await check("15/KH-UBND")
    await expect(page.get_by_role("alert")).to_have_text(words.IMPORT_ERRORS.format(count=1))
    [[row, column, problem]] = await rows(page, "loi")
    assert row == "3" and "Thời hạn" in column and problem
    assert (await count_rows(app, Plan), await count_rows(app, Task)) == (plans, tasks)

    csv_file(
        appendix,
        [HEADERS, ["1", "Rà soát văn bản", TP, "30/6/2023"], ["2", "Tập huấn", TP, "Quý III/2023"]],
    )
    await page.get_by_role("link", name=words.BACK).click()
    await check("15/KH-UBND")
    preview = page.locator("#xem-truoc")
    await expect(preview).to_contain_text(words.IMPORT_NEW.format(count=2))
    assert (await count_rows(app, Plan), await count_rows(app, Task)) == (plans, tasks)  # not yet
    await page.get_by_role("button", name=words.IMPORT_CONFIRM).click()
    await expect(page.get_by_text("Đã nạp kế hoạch 15/KH-UBND: 2 nhiệm vụ mới")).to_be_visible()

    # The new plan is on the overview, and in the database.
    await page.get_by_role("link", name=words.BACK).click()
    await page.get_by_label(words.PLAN_LABEL).select_option(label="15/KH-UBND")
    await page.get_by_role("button", name=words.FILTER_APPLY).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kế hoạch 15/KH-UBND")
    await expect(page.locator("#so-tong")).to_have_text("2")
    assert (await count_rows(app, Plan), await count_rows(app, Task)) == (plans + 1, tasks + 2)
    async with app.sessions() as session:
        query = select(Task.title).join(Plan).where(Plan.number == "15/KH-UBND")
        titles = set((await session.execute(query)).scalars())
    assert titles == {"Rà soát văn bản", "Tập huấn"}


async def test_a_focal_person_reaches_their_own_unit_only(world: World, page: Page) -> None:
    app = world.app
    api = world.bot.api
    api.user_sends(TAI, None, f"/start {await invite_code(app, OTHER, PersonRole.FOCAL)}")
    await api.next_messages(TAI.id)
    theirs = await stored_evidence(app, OTHER, "1.1")
    async with app.sessions() as session:
        other = (await session.execute(select(Unit).where(Unit.name == OTHER))).scalars().one()

    await sign_in(page, await link_from_chat(world, LAN))
    await expect(page.get_by_role("heading", level=1)).to_have_text(TP)  # her unit, not the plan
    await expect(page.get_by_role("link", name=words.NAV_OVERVIEW)).to_have_count(0)
    for path in (f"/web/don-vi/{other.id}", f"/web/minh-chung/{theirs.id}"):
        response = await page.goto(world.site.url(path))
        assert response is not None and response.status == 403, path
        await expect(page.get_by_role("heading", level=1)).to_have_text(words.FORBIDDEN_TITLE)
        html = await page.content()
        for name in (OTHER, "Phạm Minh Tài", "Tài Phạm Minh", "bien-ban", "%PDF"):
            assert name not in html, (path, name)
