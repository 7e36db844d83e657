"""Signing in to the web page with the link /web sends: single use, ten minutes, a session
cookie a script cannot read, idle expiry, sign-out everywhere, CSRF on every form."""

from sqlalchemy import select

from bot.conversation.core import Conversation
from bot.service import App
from storage.models import AuditLog, Person, WebLoginToken, WebSession
from storage.vocab import PersonRole
from tests.conversation_kit import ZALO_CAPS, register, text_of
from tests.conversation_kit import Person as Phone
from tests.factories import invite_code
from tests.fakes import ManualClock
from tests.web_kit import LINK, running_site, visible


async def coordinator(app: App, conversation: Conversation, user_id: str = "800") -> Phone:
    return await register(app, conversation, user_id, None, PersonRole.COORDINATOR)


async def test_a_link_signs_in_once_and_the_page_greets_the_person(
    app: App, convo: Conversation
) -> None:
    async with running_site(app) as site:
        phone = await coordinator(app, site.conversation)
        link = await site.link_for(phone)
        first = site.browser()
        status, page = await first.sign_in(link)
        assert status == 200
        assert "Đang đăng nhập: Nguyễn Thị Lan (Phòng Nội vụ" in visible(page)
        assert "Kế hoạch 32/KH-UBND" in visible(page)
        again = site.browser()
        status, page = await again.sign_in(link)
        assert status == 403
        assert "đã dùng hoặc đã hết hạn" in visible(page)
        assert (await again.get("/web"))[0] == 401


async def test_opening_the_link_does_not_spend_it(app: App, convo: Conversation) -> None:
    # A chat app fetching the link for a preview must leave it usable.
    async with running_site(app) as site:
        link = await site.link_for(await coordinator(app, site.conversation))
        preview = site.browser()
        assert (await preview.get(link))[0] == 200
        assert (await preview.get(link))[0] == 200
        assert (await site.browser().sign_in(link))[0] == 200


async def test_a_link_older_than_ten_minutes_is_refused(
    app: App, convo: Conversation, clock: ManualClock
) -> None:
    async with running_site(app) as site:
        phone = await coordinator(app, site.conversation)
        late = await site.link_for(phone)
        clock.advance(minutes=10, seconds=1)
        status, page = await site.browser().sign_in(late)
        assert status == 403
        assert "Gõ /web trong tin nhắn với bot để nhận đường dẫn mới" in visible(page)
        fresh = await site.link_for(phone)
        clock.advance(minutes=9)
        assert (await site.browser().sign_in(fresh))[0] == 200


async def test_a_forged_token_is_refused(app: App, convo: Conversation) -> None:
    async with running_site(app) as site:
        await coordinator(app, site.conversation)
        status, _ = await site.browser().sign_in("/web/vao/" + "A" * 43)
        assert status == 403


async def test_only_hashes_are_stored(app: App, convo: Conversation) -> None:
    async with running_site(app) as site:
        phone = await coordinator(app, site.conversation)
        link = await site.link_for(phone)
        browser = await site.signed_in(phone)
        token = link.rsplit("/", 1)[1]
        cookie = next(c.value for c in browser.http.cookie_jar)
    async with app.sessions() as session:
        tokens = (await session.execute(select(WebLoginToken))).scalars().all()
        sessions = (await session.execute(select(WebSession))).scalars().all()
    stored = {t.token_hash for t in tokens} | {s.session_hash for s in sessions}
    assert token not in stored and cookie not in stored
    assert all(len(h) == 64 for h in stored)


async def test_the_session_cookie_is_http_only_lax_and_secure_under_https(
    app: App, convo: Conversation
) -> None:
    for https in (False, True):
        async with running_site(app, https=https) as site:
            phone = await coordinator(app, site.conversation, f"80{https:d}")
            browser = site.browser()
            link = await site.link_for(phone)
            await browser.get(link)
            token = link.rsplit("/", 1)[1]
            async with browser.http.post(
                "/web/vao", data={"token": token}, allow_redirects=False
            ) as response:
                assert response.status == 303
                cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Path=/web" in cookie
        assert ("Secure" in cookie) is https


async def test_an_idle_session_ends(app: App, convo: Conversation, clock: ManualClock) -> None:
    async with running_site(app) as site:
        browser = await site.signed_in(await coordinator(app, site.conversation))
        clock.advance(hours=1, minutes=50)
        assert (await browser.get("/web"))[0] == 200  # using it keeps it alive
        clock.advance(hours=1, minutes=50)
        assert (await browser.get("/web"))[0] == 200
        clock.advance(hours=2, seconds=1)
        status, page = await browser.get("/web")
        assert status == 401
        assert "Gõ /web trong tin nhắn với bot" in visible(page)


async def test_sign_out_ends_every_session_of_the_person(app: App, convo: Conversation) -> None:
    async with running_site(app) as site:
        phone = await coordinator(app, site.conversation)
        desk, laptop = await site.signed_in(phone), await site.signed_in(phone)
        status, page = await desk.post("/web/ra", {})
        assert status == 200
        assert "đăng xuất trên mọi trình duyệt" in visible(page)
        assert (await desk.get("/web"))[0] == 401
        assert (await laptop.get("/web"))[0] == 401
    async with app.sessions() as session:
        actions = (await session.execute(select(AuditLog.action))).scalars().all()
    assert actions.count("web.sign_in") == 2 and "web.sign_out" in actions


async def test_a_form_without_the_right_csrf_token_changes_nothing(
    app: App, convo: Conversation, lan: Phone
) -> None:
    async with running_site(app) as site:
        browser = await site.signed_in(await coordinator(app, site.conversation))
        async with app.sessions() as session:
            person = (
                (await session.execute(select(Person).where(Person.full_name == "Nguyễn Thị Lan")))
                .scalars()
                .first()
            )
        assert person is not None
        target = f"/web/nguoi/{person.id}/vang"
        assert (await browser.post(target, {"away": "1"}, csrf=False))[0] == 403
        assert (await browser.post(target, {"away": "1", "csrf": "x" * 64}))[0] == 403
        other = await site.signed_in(
            await register(app, site.conversation, "801", None, PersonRole.COORDINATOR)
        )
        assert (await browser.post(target, {"away": "1", "csrf": other.csrf or ""}))[0] == 403
        async with app.sessions() as session:
            assert (await session.get(Person, person.id)).away is False  # type: ignore[union-attr]
        status, page = await browser.post(target, {"away": "1"})
        assert status == 200
        assert "đang vắng" in visible(page)


async def test_pages_carry_the_security_headers(app: App, convo: Conversation) -> None:
    async with running_site(app) as site:
        browser = await site.signed_in(await coordinator(app, site.conversation))
        for path in ("/web", "/web/moi", "/web/khong-co"):
            status, _body, headers = await browser.raw(path)
            assert status == (404 if path == "/web/khong-co" else 200)
            csp = headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "script-src" not in csp
            assert "default-src 'none'" in csp
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"
        status, _body, headers = await site.browser().raw("/web")
        assert status == 401 and "frame-ancestors 'none'" in headers["Content-Security-Policy"]


async def test_web_works_from_zalo_and_names_the_focal_persons_unit(
    app: App, convo: Conversation
) -> None:
    async with running_site(app) as site:
        phone = Phone(site.conversation, "700", caps=ZALO_CAPS, channel="zalo")
        code = await invite_code(app, "Phòng Tư pháp", PersonRole.FOCAL)
        assert "đã được đăng ký" in text_of(await phone.send(code))
        browser = site.browser()
        status, page = await browser.sign_in(await site.link_for(phone))
        assert status == 200
        assert "<h1>Phòng Tư pháp</h1>" in page  # a focal person lands on their unit


async def test_web_says_when_the_page_is_off(app: App, convo: Conversation) -> None:
    phone = await coordinator(app, convo)
    answer = text_of(await phone.send("/web"))
    assert "chưa được bật" in answer and not LINK.search(answer)


async def test_help_mentions_web(app: App, convo: Conversation) -> None:
    phone = await coordinator(app, convo)
    assert "/web" in text_of(await phone.send("/help"))
