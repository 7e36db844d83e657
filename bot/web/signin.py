"""/web: a one-time link that signs its holder in to the web page (no passwords).

The link carries 256 random bits; only their SHA-256 is stored, it works once, and only for
ten minutes. Whoever can write to the bot as a registered person can sign in as them, which
is the same trust the chat already gives them.
"""

import hashlib
import secrets
from datetime import timedelta

from bot.channels.base import Answer
from bot.conversation.turn import Turn, say
from bot.texts import web as words
from storage.models import AuditLog
from storage.vocab import PersonRole
from storage.web import add_login_token

LINK_MINUTES = 10
SIGN_IN_PATH = "/web/vao/"


def secret_hash(secret: str) -> str:
    """What is stored for a token or a session id."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def web_command(turn: Turn, _rest: str) -> Answer:
    """/web — a sign-in link for coordinators, leaders and focal persons of a unit."""
    person = turn.registered()
    base = turn.deps.web_base
    if base is None:
        return say(words.WEB_OFF)
    if person.role == PersonRole.FOCAL and person.unit_id is None:
        return say(words.WEB_NO_UNIT)
    token = new_secret()
    await add_login_token(
        turn.session,
        token_hash=secret_hash(token),
        person_id=turn.person_id,
        now=turn.now,
        ttl=timedelta(minutes=LINK_MINUTES),
    )
    actor = f"{turn.inbound.channel}:{turn.inbound.user_id}"
    turn.session.add(
        AuditLog(at=turn.now, actor=actor, action="web.link", detail={"person_id": person.id})
    )
    link = f"{base.rstrip('/')}{SIGN_IN_PATH}{token}"
    return say(words.WEB_LINK.format(link=link, minutes=LINK_MINUTES))
