"""/kenh: the channels a person is on, where their reminders go, and adding another one.

A second channel is attached with a one-time link code made on a channel where the person is
already known (`/kenh them`) and sent as the first message on the other one: only someone
holding both accounts can join them, and nobody's registration is replaced.
"""

from bot.channels.base import Answer
from bot.conversation.invites import create_link_code
from bot.conversation.turn import Turn, say
from bot.texts import chat as t
from bot.texts import dates
from storage.db import stored_id
from storage.models import ChannelIdentity, Person
from storage.people import channels_of, delivery_targets
from storage.textnorm import fold_words

_ADD = frozenset({"them", "add", "lien ket"})


async def channels_command(turn: Turn, rest: str) -> Answer:
    """/kenh: show; /kenh zalo | telegram: choose; /kenh them: a code to add a channel."""
    person = turn.registered()
    wanted = fold_words(rest)
    if wanted in _ADD:
        code = await create_link_code(turn.session, person=person, now=turn.now)
        expires = dates.moment(code.expires_at.astimezone(turn.deps.timezone))
        return say(t.CHANNEL_CODE.format(expires=expires, code=code.code))
    identities = (await channels_of(turn.session, person_ids=[turn.person_id])).get(
        turn.person_id, []
    )
    names = list(dict.fromkeys(i.channel for i in identities))
    if not wanted:
        return await _show(turn, person, names)
    channel = next((name for name in t.CHANNEL_NAMES if fold_words(name) == wanted), None)
    if channel is None:
        return say(t.CHANNEL_UNKNOWN.format(name=rest.strip()))
    if channel not in names:
        return say(t.CHANNEL_NOT_LINKED.format(channel=_label(channel)))
    person.channel_choice = channel
    turn.session.add(person)
    return say(t.CHANNEL_CHOSEN.format(channel=_label(channel)))


async def _show(turn: Turn, person: Person, names: list[str]) -> Answer:
    # Shown as delivery would choose if every channel of theirs were running.
    targets = await delivery_targets(turn.session, person_ids=[stored_id(person)], running=names)
    target: ChannelIdentity | None = targets.get(stored_id(person))
    current = target.channel if target else turn.inbound.channel
    if current == person.channel_choice:
        why = t.CHANNEL_WHY_CHOSEN
    elif current == person.last_channel:
        why = t.CHANNEL_WHY_LAST
    else:
        why = t.CHANNEL_WHY_FIRST
    lines = [
        t.CHANNELS_SHOWN.format(
            channels=", ".join(_label(n) for n in names), current=_label(current), why=why
        )
    ]
    if len(names) > 1:
        choices = " · ".join(f"/kenh {name}" for name in names)
        lines.append(t.CHANNELS_SWITCH.format(choices=choices))
    else:
        lines.append(t.CHANNELS_ADD)
    return say("\n".join(lines))


def _label(channel: str) -> str:
    return t.CHANNEL_NAMES.get(channel, channel)
