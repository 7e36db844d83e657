"""The pages: the overview says what the digest says, a unit and a task read as people need
them, titles are shown as written (never run), and a focal person sees their unit only."""

import re
from datetime import date, datetime

from sqlalchemy import select

from bot.conversation.core import Conversation
from bot.service import App
from scheduler.digest_periods import report_periods
from storage.db import transaction
from storage.models import Assignment, Plan, Task, Unit
from storage.vocab import PersonRole
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import register, text_of
from tests.fakes import ManualClock
from tests.web_kit import Browser, Site, plan_figures, running_site, stored_evidence, visible

TP = "Phòng Tư pháp"
OTHER = "Phòng Tài chính - Kế hoạch"


async def signed_in_coordinator(app: App, site: Site) -> Browser:
    phone = await register(app, site.conversation, "800", None, PersonRole.COORDINATOR)
    return await site.signed_in(phone)


def cells(page: str, table_id: str) -> list[list[str]]:
    """The body rows of one table, as the text of their cells."""
    table = re.search(rf'<table id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    return [[visible(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def parse_day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 (a date, no time)


def figure(page: str, dd_id: str) -> str:
    found = re.search(rf'<dd id="{dd_id}">([^<]*)</dd>', page)
    assert found, dd_id
    return found.group(1)


async def some_answers(app: App, lan: Phone, clock: ManualClock) -> None:
    """A plan under way: one task done on time, one blocked, then weeks later some overdue."""
    assert "Hoàn thành" in text_of(await lan.send("/update 2.1 xong"))
    await lan.send("/update 2.2 vướng: chưa có kinh phí <đợt 2> & 'gấp'")
    clock.advance(days=45)  # mid-April 2023: March's deadlines have passed


async def test_the_overview_shows_the_digests_own_figures(
    app: App, convo: Conversation, lan: Phone, clock: ManualClock
) -> None:
    await some_answers(app, lan, clock)
    f = await plan_figures(app, clock.now())
    assert f.totals.overdue > 0 and f.totals.blocked == 1 and f.totals.done_on_time >= 1
    async with running_site(app) as site:
        browser = await signed_in_coordinator(app, site)
        status, page = await browser.get("/web")
    assert status == 200
    t = f.totals
    shown = {key: int(figure(page, key)) for key in ("so-tong", "so-dung-han", "so-xong-tre")}
    assert shown == {"so-tong": t.total, "so-dung-han": t.done_on_time, "so-xong-tre": t.done_late}
    assert int(figure(page, "so-dang-lam")) == t.in_progress
    assert int(figure(page, "so-vuong")) == t.blocked
    assert int(figure(page, "so-chua-lam")) == t.not_started
    assert int(figure(page, "so-qua-han")) == t.overdue
    assert figure(page, "ty-le") == f"{t.pct_done}%"
    units = {row[1]: row[2:] for row in cells(page, "theo-don-vi")}
    assert len(units) == len(f.units)
    for line in f.units:
        c = line.counts
        expected = [c.total, c.done_on_time, c.done_late, c.in_progress, c.blocked]
        expected += [c.not_started, c.overdue]
        assert units[line.name][:7] == [str(n) for n in expected]
        assert units[line.name][7] == f"{c.pct_done}%"
    areas = cells(page, "theo-linh-vuc")
    assert [row[1] for row in areas] == [str(a.counts.total) for a in f.areas]
    assert len(cells(page, "qua-han")) == len(f.overdue)
    assert [row[0] for row in cells(page, "vuong-mac")] == [b.task_code for b in f.blockers]


async def test_a_report_period_shows_the_figures_at_its_end(
    app: App, convo: Conversation, lan: Phone, clock: ManualClock
) -> None:
    await some_answers(app, lan, clock)
    [period] = [p for p in report_periods(2023) if p.key == "2023-Q1"]
    async with app.sessions() as session:
        plan = (await session.execute(select(Plan))).scalars().one()
        f = await app.digests.figures(session, plan, app.digests.period_end(period), period)
    async with running_site(app) as site:
        browser = await signed_in_coordinator(app, site)
        _, page = await browser.get(f"/web?plan={plan.id}&period=2023-Q1")
    assert f.done_in is not None
    assert f"Số liệu tính đến {f.at:%d/%m/%Y %H:%M}" in visible(page)
    assert f"Hoàn thành trong kỳ {f.done_in}" in visible(page)
    assert int(figure(page, "so-qua-han")) == f.totals.overdue
    assert int(figure(page, "so-tong")) == f.totals.total


async def test_the_overview_filters_and_sorts(
    app: App, convo: Conversation, lan: Phone, clock: ManualClock
) -> None:
    await some_answers(app, lan, clock)
    async with running_site(app) as site:
        browser = await signed_in_coordinator(app, site)
        _, page = await browser.get("/web?status=overdue")
        overdue = cells(page, "theo-bo-loc")
        today = clock.now().date()
        assert overdue and all(parse_day(row[3]) < today for row in overdue)
        assert all(row[4] != "Hoàn thành" for row in overdue)
        assert cells(page, "vuong-mac") == [["Không có."]]  # only overdue work is listed
        _, page = await browser.get(f"/web?unit={TP}&status=blocked")
        assert [row[0] for row in cells(page, "theo-bo-loc")] == ["2.2"]
        assert {row[1] for row in cells(page, "theo-don-vi")} == {TP}
        _, page = await browser.get("/web?sort=overdue&dir=desc")
        late = [int(row[8]) for row in cells(page, "theo-don-vi")]
        assert late == sorted(late, reverse=True)
        _, page = await browser.get("/web?sort=name&dir=asc")
        names = [row[1] for row in cells(page, "theo-don-vi")]
        assert names == sorted(names)


async def test_the_chart_and_the_files_download(
    app: App, convo: Conversation, lan: Phone, clock: ManualClock
) -> None:
    await some_answers(app, lan, clock)
    async with running_site(app) as site:
        browser = await signed_in_coordinator(app, site)
        _, page = await browser.get("/web")
        src = re.search(r'<img class="chart" src="([^"]+)"', page)
        assert src and src.group(1).startswith("/web/bieu-do/")
        status, body, headers = await browser.raw(src.group(1).replace("&amp;", "&"))
        assert status == 200 and body.startswith(b"\x89PNG")
        drawn = list(app.settings.data_dir.rglob("bieu-do-*.png"))
        assert len(drawn) == 1
        again = await browser.raw(src.group(1).replace("&amp;", "&"))
        assert again[1] == body and list(app.settings.data_dir.rglob("bieu-do-*.png")) == drawn
        unknown = await browser.raw("/web/bieu-do/0123456789abcdef.png")  # after a restart
        assert unknown[0] == 200 and unknown[1] == body  # the same figures: the same file
        status, body, headers = await browser.raw("/web/tai/xlsx")
        assert status == 200 and body.startswith(b"PK")
        assert "tong-hop-32-KH-UBND-2023-04-15.xlsx" in headers["Content-Disposition"]
        status, body, headers = await browser.raw("/web/tai/docx?period=2023-Q1")
        assert status == 200 and body.startswith(b"PK")
        assert "bao-cao-32-KH-UBND-2023-Q1.docx" in headers["Content-Disposition"]


async def test_a_unit_page_shows_people_history_and_evidence(
    app: App, convo: Conversation, lan: Phone, clock: ManualClock
) -> None:
    await some_answers(app, lan, clock)
    async with app.sessions() as session:
        unit = (await session.execute(select(Unit).where(Unit.name == TP))).scalars().one()
    async with running_site(app) as site:
        browser = await signed_in_coordinator(app, site)
        status, page = await browser.get(f"/web/don-vi/{unit.id}")
    text = visible(page)
    assert status == 200
    assert "Nguyễn Thị Lan cán bộ đầu mối Telegram Nhận được" in text
    assert "01/03/2023 09:00 · Nguyễn Thị Lan · Telegram — Hoàn thành" in text
    assert "Vướng mắc: chưa có kinh phí &lt;đợt 2&gt; &amp; &#39;gấp&#39;" in page


async def test_titles_are_shown_as_written_never_run(
    app: App, convo: Conversation, lan: Phone, clock: ManualClock
) -> None:
    hostile = """<script>alert("x")</script> & 'q' <img src=x onerror=alert(1)>"""
    async with transaction(app.sessions) as session:
        for task in (await session.execute(select(Task).where(Task.code == "2.2"))).scalars():
            task.title = hostile
    await some_answers(app, lan, clock)
    async with app.sessions() as session:
        unit = (await session.execute(select(Unit).where(Unit.name == TP))).scalars().one()
        task = (await session.execute(select(Task).where(Task.code == "2.2"))).scalars().one()
    async with running_site(app) as site:
        browser = await signed_in_coordinator(app, site)
        pages = [
            (await browser.get(path))[1]
            for path in ("/web", f"/web/don-vi/{unit.id}", f"/web/nhiem-vu/{task.id}")
        ]
    for page in pages:
        assert "<script" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39;" in page


async def test_a_focal_person_sees_their_unit_only(
    app: App, convo: Conversation, lan: Phone
) -> None:
    own = await stored_evidence(app, TP, "2.2")
    theirs = await stored_evidence(app, OTHER, "1.1")
    async with app.sessions() as session:
        units = {u.name: u.id for u in (await session.execute(select(Unit))).scalars()}
        task = (await session.execute(select(Task).where(Task.code == "2.2"))).scalars().one()
        other_assignment = (
            (await session.execute(select(Assignment).where(Assignment.unit_id == units[OTHER])))
            .scalars()
            .first()
        )
    assert other_assignment is not None
    async with running_site(app) as site:
        browser = await site.signed_in(Phone(site.conversation, lan.user_id))
        status, page = await browser.get("/web")
        assert status == 200 and f"<h1>{TP}</h1>" in page
        assert "bien-ban Phòng Tư pháp.pdf" in page
        status, body, _ = await browser.raw(f"/web/minh-chung/{own.id}")
        assert status == 200 and body == b"%PDF-1.4 " + TP.encode()
        for path in (
            f"/web/don-vi/{units[OTHER]}",
            f"/web/minh-chung/{theirs.id}",
            f"/web/nhiem-vu/{task.id}",
            "/web/bieu-do/0123456789abcdef.png",
            "/web/tai/xlsx",
            "/web/moi",
            "/web/nap",
        ):
            status, body, _ = await browser.raw(path)
            assert status == 403, path
            assert OTHER.encode() not in body and b"%PDF" not in body
        assert (await browser.post(f"/web/gia-han/{other_assignment.id}", {}))[0] == 403


async def test_a_task_page_lists_its_occurrences_and_units(
    app: App, convo: Conversation, lan: Phone
) -> None:
    async with app.sessions() as session:
        task = (await session.execute(select(Task).where(Task.code == "1.7"))).scalars().first()
        count = len(
            (
                await session.execute(
                    select(Assignment).where(
                        Assignment.task_id == task.id,  # type: ignore[union-attr]
                        Assignment.cancelled_at.is_(None),  # type: ignore[union-attr]
                    )
                )
            )
            .scalars()
            .all()
        )
    assert task is not None
    async with running_site(app) as site:
        browser = await signed_in_coordinator(app, site)
        status, page = await browser.get(f"/web/nhiem-vu/{task.id}")
    rows = cells(page, "luot-giao")
    assert status == 200 and len(rows) == count > 1
    assert len({row[0] for row in rows}) > 1  # a recurring task: several periods
