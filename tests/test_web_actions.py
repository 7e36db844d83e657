"""Coordinators act on the page: an extension decided reaches the focal person as in the chat,
invites come as QR codes that register people, people are marked away and back, a plan
upload is previewed and written only when confirmed; every action is in the audit log."""

import re
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.conversation.core import Conversation
from bot.service import App
from bot.texts import chat
from bot.web import upload as web_upload
from storage.models import AuditLog, OutboxMessage, Person, Plan, Task, Unit
from storage.vocab import OutboxKind, PersonRole
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import assignment_of, register, text_of
from tests.factories import csv_file
from tests.web_kit import Browser, Site, running_site, visible

TP = "Phòng Tư pháp"
HEADERS = ["STT", "Nhiệm vụ/giải pháp", "Đơn vị chủ trì", "Thời hạn hoàn thành"]


async def coordinator(app: App, site: Site) -> Browser:
    phone = await register(app, site.conversation, "800", None, PersonRole.COORDINATOR)
    return await site.signed_in(phone)


async def coordinator_id(app: App) -> int:
    async with app.sessions() as session:
        query = select(Person.id).where(Person.role == PersonRole.COORDINATOR)
        return (await session.execute(query)).scalar_one()  # type: ignore[return-value]


async def audit(app: App, action: str) -> list[AuditLog]:
    async with app.sessions() as session:
        query = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        return list((await session.execute(query)).scalars())


async def unit_id(app: App, name: str) -> int:
    async with app.sessions() as session:
        unit = (await session.execute(select(Unit).where(Unit.name == name))).scalars().one()
    assert unit.id is not None
    return unit.id


async def decision_rows(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.EXTENSION_DECISION)
        return list((await session.execute(query)).scalars())


async def test_an_extension_approved_on_the_page_reaches_the_focal_person(
    app: App, convo: Conversation, lan: Phone
) -> None:
    sent = text_of(await lan.send("/update 2.2 xin gia han den 15/4/2023"))
    assert "Đã gửi đề nghị gia hạn nhiệm vụ 2.2 đến 15/04/2023" in sent
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        _, page = await browser.get(f"/web/don-vi/{await unit_id(app, TP)}")
        assert "Nguyễn Thị Lan đề nghị gia hạn từ 31/03/2023 đến 15/04/2023" in visible(page)
        action = re.search(r'action="(/web/gia-han/\d+)"', page)
        assert action
        status, page = await browser.post(
            action.group(1), {"decision": "approve", "day": "", "back": "/web"}
        )
        assert status == 200
        assert "Đã đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp đến 15/04/2023." in visible(page)
        again = visible((await browser.post(action.group(1), {"decision": "refuse"}))[1])
        assert chat.EXTENSION_ALREADY in again
        _, page = await browser.get(f"/web/don-vi/{await unit_id(app, TP)}")
        assert "· Nguyễn Thị Lan · trang web — Chưa thực hiện: Đồng ý gia hạn đến 15/04/2023" in (
            visible(page)
        )
    rows = await decision_rows(app)
    assert [r.person_id for r in rows] == [1]  # Lan, once
    assert rows[0].payload["text"] == chat.EXTENSION_DECIDED_FOR_UNIT.format(
        verdict=chat.VERDICT[True],
        code="2.2",
        detail=chat.VERDICT_DETAIL[True].format(day="15/04/2023"),
    )
    assert (await assignment_of(app, "2.2", TP)).deadline == date(2023, 4, 15)
    [row, _second] = await audit(app, "web.extension")
    assert row.actor == f"web:{await coordinator_id(app)}" and row.detail["ip"] == "127.0.0.1"
    assert row.detail["user_agent"].startswith("Python/") and row.detail["approve"] is True


async def test_an_extension_refused_with_another_day_keeps_the_deadline(
    app: App, convo: Conversation, lan: Phone
) -> None:
    await lan.send("/update 2.2 xin gia han den 15/4/2023")
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        _, page = await browser.get(f"/web/don-vi/{await unit_id(app, TP)}")
        action = re.search(r'action="(/web/gia-han/\d+)"', page)
        assert action
        _, page = await browser.post(action.group(1), {"decision": "refuse"})
        assert "Đã không đồng ý gia hạn nhiệm vụ 2.2 của Phòng Tư pháp." in visible(page)
    assert (await assignment_of(app, "2.2", TP)).deadline == date(2023, 3, 31)
    assert len(await decision_rows(app)) == 1


async def test_a_leader_reads_but_cannot_decide(app: App, convo: Conversation, lan: Phone) -> None:
    await lan.send("/update 2.2 xin gia han den 15/4/2023")
    async with running_site(app) as site:
        leader = await register(app, site.conversation, "900", None, PersonRole.LEADER)
        browser = await site.signed_in(leader)
        status, page = await browser.get(f"/web/don-vi/{await unit_id(app, TP)}")
        assert status == 200 and "Nguyễn Thị Lan đề nghị gia hạn" in visible(page)
        assert "/web/gia-han/" not in page  # no buttons for a leader
        coordinator_view = await coordinator(app, site)
        _, page = await coordinator_view.get(f"/web/don-vi/{await unit_id(app, TP)}")
        action = re.search(r'action="(/web/gia-han/\d+)"', page)
        assert action
        assert (await browser.post(action.group(1), {"decision": "approve"}))[0] == 403
        assert (await browser.get("/web/moi"))[0] == 403
        assert (await browser.get("/web/nap"))[0] == 403
    assert await decision_rows(app) == []


async def test_an_invite_shows_a_qr_code_and_registers_whoever_uses_it(
    app: App, convo: Conversation
) -> None:
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        status, page = await browser.get("/web/moi")
        assert status == 200
        tp = await unit_id(app, TP)
        status, page = await browser.post("/web/moi", {"unit": str(tp), "deputy": "1"})
        assert status == 200
        assert page.count("<svg") == 1 and "<path" in page
        code = re.search(r"Mã: ([A-Za-z0-9_-]{22})", visible(page))
        assert code
        newcomer = Phone(site.conversation, "777", name="Trần Văn Bình")
        welcome = text_of(await newcomer.send(f"/start {code.group(1)}"))
        assert "cán bộ đầu mối (thay khi vắng) của Phòng Tư pháp" in welcome
    [row] = await audit(app, "web.invite")
    assert row.detail["units"] == "1" and row.detail["ip"] == "127.0.0.1"


async def test_a_printable_sheet_for_every_commune(app: App, convo: Conversation) -> None:
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        _, page = await browser.get("/web/moi")
        group = re.search(r'<option value="(\d+)">UBND các xã, thị trấn</option>', page)
        assert group
        _, page = await browser.post("/web/moi", {"group": group.group(1)})
    assert "Mã mời đăng ký — UBND các xã, thị trấn" in visible(page)
    async with app.sessions() as session:
        communes = (
            await session.execute(
                select(func.count()).select_from(Unit).where(Unit.kind.in_(["commune", "town"]))  # type: ignore[attr-defined]
            )
        ).scalar_one()
    assert page.count('<article class="invite">') == page.count("<svg") == communes == 21
    made = [
        r for r in await audit(app, "invite.create") if r.actor == str(await coordinator_id(app))
    ]
    assert len(made) == 21


async def test_a_person_is_marked_away_and_back(app: App, convo: Conversation, lan: Phone) -> None:
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        _, page = await browser.get(f"/web/don-vi/{await unit_id(app, TP)}")
        assert "Đánh dấu vắng" in page
        _, page = await browser.post("/web/nguoi/1/vang", {"away": "1"})
        assert "Đã đánh dấu Nguyễn Thị Lan đang vắng" in visible(page)
        _, page = await browser.get(f"/web/don-vi/{await unit_id(app, TP)}")
        assert "Đang vắng" in page and "Đã trở lại" in page
        await browser.post("/web/nguoi/1/vang", {"away": "0"})
    async with app.sessions() as session:
        assert (await session.get(Person, 1)).away is False  # type: ignore[union-attr]
    assert [r.detail["away"] for r in await audit(app, "person.away")] == [True, False]


def upload(path: Path, number: str = "", year: str = "") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("number", number)
    form.add_field("year", year)
    form.add_field("file", path.read_bytes(), filename=path.name, content_type="text/csv")
    return form


async def with_csrf(browser: Browser, form: aiohttp.FormData) -> aiohttp.FormData:
    signed = aiohttp.FormData()
    signed.add_field("csrf", browser.csrf or "")
    for options, _headers, value in form._fields:
        signed.add_field(options["name"], value, filename=options.get("filename"))
    return signed


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_an_upload_with_a_bad_row_writes_nothing_and_the_fixed_one_is_confirmed(
    app: App, convo: Conversation, tmp_path: Path
) -> None:
    bad = csv_file(
        tmp_path / "phu-luc.csv",
        [HEADERS, ["1", "Rà soát văn bản", TP, "30/6/2023"], ["2", "Tập huấn", TP, "sắp tới"]],
    )
    plans, tasks = await count(app, Plan), await count(app, Task)
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        await browser.get("/web/nap")
        status, page = await browser.post(
            "/web/nap", await with_csrf(browser, upload(bad, "15/KH-UBND", "2023"))
        )
        assert status == 400
        errors = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
        assert len(errors) == 1 and errors[0][0] == "3" and "Thời hạn" in errors[0][1]
        assert (await count(app, Plan), await count(app, Task)) == (plans, tasks)
        fixed = csv_file(
            tmp_path / "phu-luc.csv",
            [
                HEADERS,
                ["1", "Rà soát văn bản", TP, "30/6/2023"],
                ["2", "Tập huấn", TP, "Quý III/2023"],
            ],
        )
        status, page = await browser.post(
            "/web/nap", await with_csrf(browser, upload(fixed, "15/KH-UBND", "2023"))
        )
        assert status == 200
        assert "Nhiệm vụ mới: 2" in visible(page) and "Xác nhận nạp" in page
        assert (await count(app, Plan), await count(app, Task)) == (plans, tasks)  # a preview
        upload_id = re.search(r'name="upload" value="([^"]+)"', page)
        assert upload_id
        status, page = await browser.post(
            "/web/nap/xac-nhan",
            {"upload": upload_id.group(1), "number": "15/KH-UBND", "year": "2023"},
        )
        assert status == 200
        assert "Đã nạp kế hoạch 15/KH-UBND: 2 nhiệm vụ mới" in visible(page)
        again = await browser.post("/web/nap/xac-nhan", {"upload": upload_id.group(1)})
        assert "không còn" in visible(again[1])
    assert (await count(app, Plan), await count(app, Task)) == (plans + 1, tasks + 2)
    [imported] = [r for r in await audit(app, "plan.import") if r.detail["plan"] == "15/KH-UBND"]
    assert imported.actor == f"web:{await coordinator_id(app)}"
    assert (await audit(app, "web.import"))[0].detail["ip"] == "127.0.0.1"


async def test_uploads_are_limited_in_type_and_need_the_csrf_token(
    app: App, convo: Conversation, tmp_path: Path
) -> None:
    script = tmp_path / "phu-luc.html"
    script.write_text("<script>alert(1)</script>")
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        await browser.get("/web/nap")
        status, page = await browser.post("/web/nap", await with_csrf(browser, upload(script)))
        assert status == 400 and "Chỉ nhận tệp .xlsx, .csv hoặc .yaml." in visible(page)
        good = csv_file(tmp_path / "a.csv", [HEADERS, ["1", "Việc", TP, "30/6/2023"]])
        status, _ = await browser.post("/web/nap", upload(good, "9/KH", "2023"))
        assert status == 403
    assert not list((app.settings.data_dir / "tai-len").glob("*"))


async def test_an_upload_over_the_size_limit_is_refused_and_not_kept(
    app: App, convo: Conversation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_upload, "MAX_UPLOAD", 2000)
    rows = [HEADERS] + [[str(n), "Việc " * 10, TP, "30/6/2023"] for n in range(1, 40)]
    big = csv_file(tmp_path / "lon.csv", rows)
    assert big.stat().st_size > 2000
    async with running_site(app) as site:
        browser = await coordinator(app, site)
        await browser.get("/web/nap")
        status, page = await browser.post(
            "/web/nap", await with_csrf(browser, upload(big, "9/KH", "2023"))
        )
        assert status == 400 and "Tệp lớn hơn 10 MB." in visible(page)
    assert not list((app.settings.data_dir / "tai-len").glob("*"))
