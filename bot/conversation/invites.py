"""Single-use invites: at least 96 random bits, only their hash stored, expiring."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.texts import chat
from storage.db import find
from storage.invites import invite_to_redeem
from storage.models import AuditLog, ChannelIdentity, Invite, Person
from storage.people import channels_of, focal_holders
from storage.schedules import reschedule_for_person
from storage.vocab import PersonRole

DEFAULT_DAYS = 7
LINK_MINUTES = 60  # a link code is used at once, from the other app on the same phone
# token_urlsafe(16): 128 bits in 22 characters of A-Z a-z 0-9 _ - (a valid /start payload).
CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22}$")


@dataclass(frozen=True)
class NewInvite:
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Redeemed:
    person: Person
    linked: bool  # a channel added to someone already registered, not a new registration


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def create_invite(
    session: AsyncSession,
    *,
    unit_id: int | None,
    role: PersonRole,
    is_deputy: bool,
    now: datetime,
    created_by: int | None = None,
    days: int = DEFAULT_DAYS,
) -> NewInvite:
    code = secrets.token_urlsafe(16)
    expires = now + timedelta(days=days)
    session.add(
        Invite(
            code_hash=code_hash(code),
            unit_id=unit_id,
            role=role,
            is_deputy=is_deputy,
            created_by=created_by,
            expires_at=expires,
        )
    )
    detail = {"unit_id": unit_id, "role": role, "deputy": is_deputy}
    session.add(
        AuditLog(at=now, actor=str(created_by or "cli"), action="invite.create", detail=detail)
    )
    await session.flush()
    return NewInvite(code, expires)


async def redeem(
    session: AsyncSession,
    *,
    code: str,
    channel: str,
    user_id: str,
    chat_id: str,
    name: str,
    now: datetime,
) -> Redeemed | None:
    """Register the sender with a valid invite, or add their channel to the person a link
    code was made for; None if the code is unknown, used or expired."""
    if not CODE_SHAPE.match(code):
        return None
    invite = await invite_to_redeem(session, code_hash=code_hash(code))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    if invite.person_id is not None:
        person = await find(session, Person, invite.person_id)
        if person is None or not person.active:
            return None
        if await _is_on(session, person_id=invite.person_id, channel=channel):
            return None  # a second account on the same channel is a takeover, not a link
    else:
        await _retire_previous(session, invite)
        person = Person(
            full_name=name or chat.UNNAMED,
            role=invite.role,
            unit_id=invite.unit_id,
            is_deputy=invite.is_deputy,
        )
    person.last_channel = channel
    session.add(person)
    await session.flush()
    assert person.id is not None  # the flush gave it one
    session.add(
        ChannelIdentity(person_id=person.id, channel=channel, user_id=user_id, chat_id=chat_id)
    )
    invite.used_at, invite.used_by = now, person.id
    await reschedule_for_person(session, person=person)  # reminders nobody could receive
    action = "channel.link" if invite.person_id is not None else "invite.redeem"
    session.add(
        AuditLog(
            at=now,
            actor=f"{channel}:{user_id}",
            action=action,
            detail={"person_id": person.id, "invite_id": invite.id, "channel": channel},
        )
    )
    await session.flush()
    return Redeemed(person, linked=invite.person_id is not None)


async def create_link_code(
    session: AsyncSession, *, person: Person, now: datetime, minutes: int = LINK_MINUTES
) -> NewInvite:
    """A one-time code that adds the channel it is sent from to `person` (see /kenh them).

    It is made on a channel where the person is already known, so whoever sends it on the
    other channel is that person: no name is matched, no coordinator is asked, and nobody
    else's registration is touched."""
    assert person.id is not None  # a registered person
    code = secrets.token_urlsafe(16)
    expires = now + timedelta(minutes=minutes)
    session.add(
        Invite(
            code_hash=code_hash(code),
            unit_id=person.unit_id,
            role=person.role,
            is_deputy=person.is_deputy,
            created_by=person.id,
            person_id=person.id,
            expires_at=expires,
        )
    )
    session.add(
        AuditLog(
            at=now, actor=f"person:{person.id}", action="channel.code", detail={"minutes": minutes}
        )
    )
    await session.flush()
    return NewInvite(code, expires)


async def _is_on(session: AsyncSession, *, person_id: int, channel: str) -> bool:
    identities = (await channels_of(session, person_ids=[person_id])).get(person_id, [])
    return any(identity.channel == channel for identity in identities)


async def _retire_previous(session: AsyncSession, invite: Invite) -> None:
    # A unit has one focal person and one deputy: a new one replaces the previous holder.
    if invite.role != PersonRole.FOCAL or invite.unit_id is None:
        return
    for person in await focal_holders(session, unit_id=invite.unit_id, is_deputy=invite.is_deputy):
        person.active = False
