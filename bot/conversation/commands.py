"""Slash commands, and what an unregistered person may do (register with an invite)."""

from bot.channels.base import Answer
from bot.conversation import actions, replies
from bot.conversation.digest_preview import digest_command
from bot.conversation.invites import CODE_SHAPE, create_invite, redeem
from bot.conversation.reach import channels_command
from bot.conversation.turn import Turn, say
from bot.conversation.views import overdue_list, rollup, unit_status
from bot.texts import chat as t
from bot.texts import dates
from bot.texts.common import person_role
from bot.web.signin import web_command
from storage.assignments import list_assignments, open_assignments
from storage.db import find, stored_id
from storage.models import Unit
from storage.people import forget_identity
from storage.plans import plan_numbers
from storage.textnorm import fold_words
from storage.units import find_unit
from storage.vocab import SEES_EVERY_UNIT, PersonRole

# Phòng Nội vụ and leadership see every unit; a focal person sees their own.

_ROLE_WORDS = {
    "dau moi": (PersonRole.FOCAL, False),
    "focal": (PersonRole.FOCAL, False),
    "dieu phoi": (PersonRole.COORDINATOR, False),
    "coordinator": (PersonRole.COORDINATOR, False),
    "lanh dao": (PersonRole.LEADER, False),
    "leader": (PersonRole.LEADER, False),
}


async def unregistered(turn: Turn, text: str) -> Answer:
    """Only an invite or link code gets through: "/start CODE", or the code alone (Zalo,
    where the first message cannot carry a deep link's payload)."""
    parts = text.split()
    code = parts[1] if len(parts) == 2 and parts[0] == "/start" else text
    if not CODE_SHAPE.match(code):
        return say(t.NOT_REGISTERED)
    if turn.identity is not None:  # a retired person registering again
        await forget_identity(turn.session, identity=turn.identity)
    inbound = turn.inbound
    redeemed = await redeem(
        turn.session,
        code=code,
        channel=inbound.channel,
        user_id=inbound.user_id,
        chat_id=inbound.chat_id,
        name=inbound.display_name,
        now=turn.now,
    )
    if redeemed is None:
        return say(t.INVITE_INVALID)
    person = redeemed.person
    if redeemed.linked:
        channel = t.CHANNEL_NAMES.get(inbound.channel, inbound.channel)
        return say(t.CHANNEL_LINKED.format(channel=channel, name=person.full_name))
    unit = await find(turn.session, Unit, person.unit_id) if person.unit_id else None
    role = person_role(person.role, deputy=person.is_deputy)
    plans = await _plan_names(turn)
    unit_name = unit.name if unit else None
    return say(t.welcome(person.full_name, role, unit_name, plans, duty=person.role))


async def command(turn: Turn, text: str) -> Answer:
    name, _, rest = text.partition(" ")
    name = name.split("@", 1)[0].lower()  # "/status@NhacViecBot" in Telegram menus
    handler = _COMMANDS.get(name)
    _forget_question(turn)
    if handler is None:
        return say(t.UNKNOWN_COMMAND.format(command=name))
    return await handler(turn, rest.strip())


def _forget_question(turn: Turn) -> None:
    """A command moves on: what the bot asked before is no longer awaited."""
    if turn.person is not None and turn.pending.awaiting:
        turn.remember(turn.pending.without_question())


async def _start(turn: Turn, rest: str) -> Answer:
    person = turn.registered()
    if rest:
        return say(t.ALREADY_REGISTERED.format(who=person.full_name))
    return say(t.WELCOME_BACK.format(name=person.full_name))


async def _help(turn: Turn, _rest: str) -> Answer:
    role = turn.registered().role
    texts: dict[str, str] = {
        PersonRole.COORDINATOR: t.HELP_COORDINATOR,
        PersonRole.LEADER: t.HELP_LEADER,
    }
    focal = t.HELP_FOCAL if turn.caps.replies else t.HELP_FOCAL_NO_REPLY
    return say(texts.get(role, focal))


async def _status(turn: Turn, rest: str) -> Answer:
    person = turn.registered()
    sees_all = person.role in SEES_EVERY_UNIT
    if sees_all and not rest:
        views = await list_assignments(turn.session)
        return say(rollup(await _plan_names(turn), views, turn.local))
    unit = await _unit_for(turn, rest if sees_all else "")
    if isinstance(unit, Answer):
        return unit
    views = await list_assignments(turn.session, unit_id=unit.id)
    text = unit_status(unit.name, await _plan_names(turn), views, turn.local, turn.deps.days_late)
    return say(text)


async def _overdue(turn: Turn, rest: str) -> Answer:
    person = turn.registered()
    sees_all = person.role in SEES_EVERY_UNIT
    today = turn.local.date()
    unit_id = None if sees_all else person.unit_id
    views = await list_assignments(turn.session, unit_id=unit_id, overdue_on=today)
    page = int(rest) if rest.isdigit() else 1
    return say(overdue_list(views, today, turn.deps.days_late, page=page, show_unit=sees_all))


async def _tasks(turn: Turn, rest: str) -> Answer:
    person = turn.registered()
    if person.role == PersonRole.LEADER:
        return say(t.NOT_ALLOWED)
    name, _, last = rest.rpartition(" ")
    name, page = (name, int(last)) if last.isdigit() else (rest, 1)
    if name.isdigit():  # "/tasks 2": the second page of one's own unit
        name, page = "", int(name)
    if person.role == PersonRole.COORDINATOR and not name:
        return say(t.TASKS_NEED_UNIT)  # Phòng Nội vụ has no unit of its own to list
    unit = await _unit_for(turn, name if person.role == PersonRole.COORDINATOR else "")
    if isinstance(unit, Answer):
        return unit
    rows = await open_assignments(turn.session, unit_id=stored_id(unit))
    if not rows:
        return say(t.NO_OPEN_TASKS)
    focal = person.role == PersonRole.FOCAL
    return actions.task_list(turn, unit.name, rows, with_buttons=focal, page=page)


async def _update(turn: Turn, rest: str) -> Answer:
    plan = None
    if "/" in rest.split(" ", 1)[0]:  # "/update 32/KH-UBND 2.1 xong": a plan number first
        plan, _, rest = rest.partition(" ")
    code, _, words = rest.partition(" ")
    if not code or not words.strip():
        return say(t.UPDATE_USAGE)
    return await replies.update_by_code(turn, code, words, plan)


async def _invite(turn: Turn, rest: str) -> Answer:
    person = turn.registered()
    if person.role != PersonRole.COORDINATOR:
        return say(t.NOT_ALLOWED)
    role, deputy, unit_name = _invite_args(rest)
    if not unit_name and role == PersonRole.FOCAL:
        return say(t.INVITE_USAGE)
    unit = None
    if unit_name:
        unit = await find_unit(turn.session, name=unit_name)
        if unit is None:
            return say(t.UNIT_UNKNOWN.format(name=unit_name))
    invite = await create_invite(
        turn.session,
        unit_id=unit.id if unit else None,
        role=role,
        is_deputy=deputy,
        now=turn.now,
        created_by=person.id,
    )
    link = turn.deps.invite_link(invite.code) or f"/start {invite.code}"
    expires = dates.moment(invite.expires_at.astimezone(turn.deps.timezone))
    role_name = person_role(role, deputy=deputy)
    return say(
        t.INVITE_CREATED.format(
            role=role_name,
            unit=unit.name if unit else "",
            expires=expires,
            code=invite.code,
            link=link,
        )
    )


# A deputy is said explicitly: a unit's name may itself end in "Phô".
_DEPUTY_FLAGS = ("--pho", "--phó", "--deputy")


def _invite_args(rest: str) -> tuple[PersonRole, bool, str]:
    parts = rest.split()
    if any(w.lower() in _DEPUTY_FLAGS for w in parts):
        name = " ".join(w for w in parts if w.lower() not in _DEPUTY_FLAGS)
        return PersonRole.FOCAL, True, name
    folded = fold_words(rest)
    for words, (role, deputy) in _ROLE_WORDS.items():
        if folded.endswith(" " + words) or folded == words:
            cut = len(rest.split()) - len(words.split())
            return role, deputy, " ".join(rest.split()[:cut])
    return PersonRole.FOCAL, False, rest


async def _unit_for(turn: Turn, name: str) -> Unit | Answer:
    if name:
        unit = await find_unit(turn.session, name=name)
        return unit if unit is not None else say(t.UNIT_UNKNOWN.format(name=name))
    unit_id = turn.registered().unit_id
    unit = await find(turn.session, Unit, unit_id) if unit_id else None
    return unit if unit is not None else say(t.NOT_ALLOWED)


async def _plan_names(turn: Turn) -> str:
    numbers = await plan_numbers(turn.session)
    return ", ".join(t.PLAN.format(number=n) for n in numbers)


async def _done(turn: Turn, rest: str) -> Answer:
    """/xong 2.1 — the quick form for channels without buttons."""
    return (
        await replies.update_by_code(turn, rest.split()[0], "xong") if rest else say(t.UPDATE_USAGE)
    )


_COMMANDS = {
    "/start": _start,
    "/help": _help,
    "/status": _status,
    "/overdue": _overdue,
    "/tasks": _tasks,
    "/update": _update,
    "/xong": _done,
    "/invite": _invite,
    "/digest": digest_command,
    "/kenh": channels_command,
    "/web": web_command,
}
