"""What coordinators do on the page: decide extensions, mark people away, make invites.

Each action is the chat's or the CLI's own code (the extension decision is
bot/conversation/extensions.decide, run as a turn from the "web" channel) and each writes
an audit row naming the person and the browser it came from.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import segno
from aiohttp import web
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Capabilities, Inbound
from bot.conversation.extensions import decide
from bot.conversation.invites import DEFAULT_DAYS, create_invite
from bot.conversation.turn import Turn
from bot.texts import web as words
from bot.web.auth import COORDINATOR, Viewer
from bot.web.context import Context, Route
from storage.db import existing, find, transaction
from storage.models import Person, Unit
from storage.units import all_groups, all_units, group_members
from storage.vocab import PersonRole
from storage.web import record_audit

WEB_CHANNEL = "web"
# The page shows the decision itself; nothing is edited or sent back through it.
WEB_CAPS = Capabilities(buttons=False, max_text=100_000, files=False)


def routes(ctx: Context) -> list[Route]:
    return [
        ("POST", "/web/gia-han/{id:\\d+}", lambda r, v: extension(ctx, r, v), COORDINATOR),
        ("POST", "/web/nguoi/{id:\\d+}/vang", lambda r, v: away(ctx, r, v), COORDINATOR),
        ("GET", "/web/moi", lambda r, v: invite_form(ctx, r, v), COORDINATOR),
        ("POST", "/web/moi", lambda r, v: invites(ctx, r, v), COORDINATOR),
    ]


def back_to(form: Any, default: str = "/web") -> str:
    """Where to go after an action: a page of this site only."""
    back = form.get("back")
    if isinstance(back, str) and back.startswith("/web") and "//" not in back:
        return back
    return default


async def extension(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Approve or refuse one extension request, exactly as the chat's buttons do."""
    form = await request.post()
    update_id = int(request.match_info["id"])
    approve = form.get("decision") == "approve"
    day = _iso_day(form.get("day"))
    now = ctx.deps.clock.now()
    async with transaction(ctx.deps.sessions) as session:
        person = await existing(session, Person, viewer.person_id)
        inbound = Inbound(
            channel=WEB_CHANNEL,
            update_id=f"web:{update_id}:{now.timestamp()}",
            user_id=str(viewer.person_id),
            chat_id=str(viewer.person_id),
            display_name=viewer.name,
        )
        turn = Turn(ctx.deps, session, inbound, WEB_CAPS, person, None, now)
        answer = await decide(turn, update_id, approve=approve, day=day if approve else None)
        detail = {"request": update_id, "approve": approve, "day": str(day or ""), **viewer.where}
        await record_audit(
            session, at=now, actor=viewer.actor, action="web.extension", detail=detail
        )
    text = answer.toast or "\n".join(m.text for m in answer.messages)
    return ctx.said(viewer, words.REQUESTS, text, back_to(form))


def _iso_day(value: Any) -> date | None:
    """The date a browser's date field sends (yyyy-mm-dd); anything else is none."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


async def away(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """Mark a focal person away (their deputy stands in) or back, as `nhacviec people away`."""
    form = await request.post()
    now = ctx.deps.clock.now()
    async with transaction(ctx.deps.sessions) as session:
        person = await find(session, Person, int(request.match_info["id"]))
        if person is None or not person.active:
            return ctx.guard.not_found()
        person.away = form.get("away") == "1"
        session.add(person)
        detail = {"person_id": person.id, "away": person.away, **viewer.where}
        await record_audit(session, at=now, actor=viewer.actor, action="person.away", detail=detail)
        template = words.MARKED_AWAY if person.away else words.MARKED_BACK
        text = template.format(name=person.full_name)
        back = f"/web/don-vi/{person.unit_id}" if person.unit_id else "/web"
    return ctx.said(viewer, words.PEOPLE, text, back)


async def invite_form(ctx: Context, _request: web.Request, viewer: Viewer) -> web.StreamResponse:
    async with ctx.deps.sessions() as session:
        units = sorted(await all_units(session), key=lambda u: u.name)
        groups = sorted(await all_groups(session), key=lambda g: g.name)
    return ctx.render("invites.html", viewer, units=units, groups=groups, days=DEFAULT_DAYS)


@dataclass(frozen=True)
class Card:
    """One printed invite: the unit, the code, its link and the link's QR code."""

    unit: str
    code: str
    link: str | None
    qr: Markup
    expires: datetime


async def invites(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """An invite for one unit, or a sheet of them for every unit of a group."""
    form = await request.post()
    deputy = form.get("deputy") == "1"
    now = ctx.deps.clock.now()
    async with transaction(ctx.deps.sessions) as session:
        units, title = await _chosen_units(session, form)
        if not units:
            return ctx.said(viewer, words.INVITES_TITLE, words.INVITE_PICK, "/web/moi")
        cards = []
        for unit in units:
            invite = await create_invite(
                session,
                unit_id=unit.id,
                role=PersonRole.FOCAL,
                is_deputy=deputy,
                now=now,
                created_by=viewer.person_id,
            )
            cards.append(_card(ctx, unit.name, invite.code, invite.expires_at))
        detail = {"units": str(len(units)), "title": title, "deputy": str(deputy), **viewer.where}
        await record_audit(session, at=now, actor=viewer.actor, action="web.invite", detail=detail)
    return ctx.render("invite_sheet.html", viewer, title=title, cards=cards, tz=ctx.deps.timezone)


async def _chosen_units(session: AsyncSession, form: Any) -> tuple[list[Unit], str]:
    unit_id, group_id = str(form.get("unit", "")), str(form.get("group", ""))
    if unit_id.isdigit():
        unit = await find(session, Unit, int(unit_id))
        return ([unit], unit.name) if unit is not None and unit.active else ([], "")
    if group_id.isdigit():
        groups = {g.id: g.name for g in await all_groups(session)}
        if int(group_id) not in groups:
            return [], ""
        members = {u for g, u in await group_members(session) if g == int(group_id)}
        units = [u for u in await all_units(session) if u.id in members and u.active]
        return sorted(units, key=lambda u: u.name), groups[int(group_id)]
    return [], ""


def _card(ctx: Context, unit: str, code: str, expires: datetime) -> Card:
    link = ctx.deps.invite_link(code)
    qr = segno.make(link or code, error="m").svg_inline(border=2, omitsize=True)
    return Card(unit, code, link, Markup(qr), expires.astimezone(ctx.deps.timezone))
