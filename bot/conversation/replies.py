"""Free text: replies to reminders, "2.1 xong", and answers to what the bot asked.

What the text itself names (a reply, a task code) wins over what the bot last asked, and a
question is forgotten after half an hour or any command. An answer that names nothing (no
reply, no code, no question pending; the usual case on Zalo, which has no replies) is about
the last open reminder sent to the person on any channel; when several went out that day
about different tasks, the bot asks which one and holds the answer until it is picked.
"""

import re
from datetime import date, timedelta

from bot.channels.base import Answer, Button, Outbound
from bot.conversation import extensions
from bot.conversation.actions import (
    apply,
    await_answer,
    clear,
    example,
    may_update,
    press,
    ref,
)
from bot.conversation.turn import Turn, say
from bot.conversation.understand import Understood, parse_day, understand
from bot.conversation.views import short
from bot.texts import chat as t
from bot.texts import dates
from storage.assignments import assignment_with_task, find_by_code, replied_assignment
from storage.db import stored_id
from storage.models import Assignment, Task
from storage.outbox import open_reminders, outbox_for_message
from storage.pending import Pending
from storage.vocab import AssignmentStatus as S
from storage.vocab import OutboxKind, PersonRole

PENDING_FOR = timedelta(minutes=30)
MAX_WHICH = 9  # reminders listed when the bot asks which one (one digit to type)
_CODE_FIRST = re.compile(r"^(\d+(?:\.\d+)*)\s+(.+)$", re.S)


async def answer_text(turn: Turn, assignment: Assignment, task: Task, text: str) -> Answer:
    """Free text about one task: read it, ask for what is missing, then record it."""
    if not may_update(turn, assignment):
        return say(t.NOT_ALLOWED)
    said = understand(text, year=turn.local.year)
    if said is None:
        return not_understood(turn)
    if said.status == S.EXTENSION_REQUESTED and said.proposed is None:
        await_answer(turn, "extension", assignment)
        asked = t.ASK_EXTENSION.format(
            code=ref(assignment, task), example=example(turn, assignment)
        )
        return say(asked)
    if said.status == S.EXTENSION_REQUESTED and said.proposed is not None:
        return await _extension_with_date(turn, assignment, task, said.proposed, said.note)
    if said.status == S.BLOCKED and not said.note:
        await_answer(turn, "blocker", assignment)
        return say(t.ASK_BLOCKER.format(code=ref(assignment, task)))
    return await apply(turn, assignment, task, said)


async def _extension_with_date(
    turn: Turn, a: Assignment, task: Task, day: date, note: str | None
) -> Answer:
    last = await extensions.latest_day(turn, task)
    if not extensions.acceptable(day, deadline=a.deadline, last=last):
        deadline, until = dates.day(a.deadline), dates.day(last)
        await_answer(turn, "extension", a)
        return say(
            t.BAD_EXTENSION_DATE.format(deadline=deadline, last=until, example=example(turn, a))
        )
    return await apply(turn, a, task, Understood(S.EXTENSION_REQUESTED, a.progress, note, day))


async def free_text(turn: Turn, text: str) -> Answer:
    """Text that is not a command: a numbered choice, a reply, "2.1 xong", or an awaited answer.

    What the text itself names (a reply, a task code) wins over what the bot last asked.
    """
    person_id = turn.person_id
    pending = turn.pending
    choices = pending.choices
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return await _numbered(turn, choices[int(text) - 1])
    # A fresh question always names what it awaits.
    question = pending.awaiting if pending.question_fresh(turn.now, PENDING_FOR) else None
    awaited = pending.assignment if question else None
    granted = await _date_for_a_request(turn, text)
    if granted is not None:
        return granted
    if turn.inbound.reply_to_message_id:
        found = await replied_assignment(
            turn.session,
            person_id=person_id,
            message_id=turn.inbound.reply_to_message_id,
            channel=turn.inbound.channel,
        )
        if found is not None and found[0].id == awaited and question:
            return await _awaited(turn, question, *found, text)
        if found is not None:
            clear(turn)
            return await answer_text(turn, *found, text)
    if (match := _CODE_FIRST.match(text)) is not None:
        clear(turn)
        return await update_by_code(turn, match.group(1), match.group(2))
    found = await assignment_with_task(turn.session, assignment_id=awaited) if awaited else None
    if found is not None and question:
        return await _awaited(turn, question, *found, text)
    if not turn.inbound.reply_to_message_id and understand(text, year=turn.local.year):
        return await _about_the_last_reminder(turn, text)
    return not_understood(turn)


async def last_reminded(turn: Turn) -> list[int]:
    """The open tasks (assignment ids) of the last reminders sent to the person: those sent
    on the same local day as the latest one, the latest first; empty when none is open."""
    rows = await open_reminders(turn.session, person_id=turn.person_id)
    if not rows:
        return []
    tz = turn.deps.timezone
    day = rows[0].sent_at.astimezone(tz).date() if rows[0].sent_at else None
    same_day = [
        r.assignment_id
        for r in rows
        if r.assignment_id is not None
        and (r is rows[0] or (r.sent_at is not None and r.sent_at.astimezone(tz).date() == day))
    ]
    return list(dict.fromkeys(same_day))


async def _about_the_last_reminder(turn: Turn, text: str) -> Answer:
    reminded = await last_reminded(turn)
    if not reminded:
        return not_understood(turn)
    if len(reminded) == 1:
        found = await assignment_with_task(turn.session, assignment_id=reminded[0])
        if found is None:
            return not_understood(turn)
        clear(turn)
        return await answer_text(turn, *found, text)
    return await _ask_which(turn, reminded, text)


async def _ask_which(turn: Turn, assignment_ids: list[int], text: str) -> Answer:
    """Several reminders could be meant: a numbered list; the answer waits in Pending."""
    lines = [t.WHICH_TASK.format(text=short(text, 60))]
    buttons: list[tuple[Button, ...]] = []
    for n, assignment_id in enumerate(assignment_ids[:MAX_WHICH], start=1):
        found = await assignment_with_task(turn.session, assignment_id=assignment_id)
        if found is None:
            continue
        a, task = found
        code = ref(a, task)
        lines.append(
            t.WHICH_LINE.format(n=n, code=code, title=short(task.title), due=dates.day(a.deadline))
        )
        data = turn.deps.signer.payload("pick", assignment_id, turn.person_id)
        buttons.append((Button(t.WHICH_BUTTON.format(n=n, code=code), data),))
    turn.remember(Pending.holding(text))
    return say("\n".join(lines), *buttons)


# Typed numbers of a reminder's choices that say a status: the words that say the same.
_SAID_BY_NUMBER = ("done", "progress", "blocked", "extend")


async def _numbered(turn: Turn, data: str) -> Answer:
    """A number typed for one of the choices offered. When they came with a reminder and
    several went out together, the numbers do not say which reminder: ask which task."""
    if turn.pending.from_reminder:
        pressed = turn.deps.signer.verify(data, turn.person_id)
        reminded = await last_reminded(turn)
        if pressed is not None and pressed.action in _SAID_BY_NUMBER and len(reminded) > 1:
            return await _ask_which(turn, reminded, t.BUTTON_LABELS[pressed.action])
    return await choose(turn, data)


async def choose(turn: Turn, data: str) -> Answer:
    """A button pressed, or its number typed: the task a held answer is about, or an action."""
    pressed = turn.deps.signer.verify(data, turn.person_id)
    if pressed is None or pressed.action != "pick":
        return await press(turn, data)
    held = turn.pending.held
    found = await assignment_with_task(turn.session, assignment_id=pressed.target)
    if held is None or found is None:
        return Answer(messages=[Outbound(t.WHICH_EXPIRED)], toast=t.WHICH_EXPIRED)
    clear(turn)
    return await answer_text(turn, *found, held)


async def _date_for_a_request(turn: Turn, text: str) -> Answer | None:
    """A coordinator replies to an extension request with another date: approved to that date."""
    person = turn.person
    message_id = turn.inbound.reply_to_message_id
    if person is None or person.role != PersonRole.COORDINATOR or not message_id:
        return None
    row = await outbox_for_message(
        turn.session,
        person_id=stored_id(person),
        message_id=message_id,
        channel=turn.inbound.channel,
    )
    if row is None or row.kind != OutboxKind.EXTENSION_REQUEST:
        return None
    day = parse_day(text, year=turn.local.year)
    if day is None:
        return say(t.NO_DATE.format(example=dates.day(turn.local)))
    return await extensions.decide(turn, row.payload["target"], approve=True, day=day)


async def _awaited(turn: Turn, what: str, a: Assignment, task: Task, text: str) -> Answer:
    if what == "blocker":
        return await apply(turn, a, task, Understood(S.BLOCKED, a.progress, text.strip()))
    if what == "extension":
        day = parse_day(text, year=turn.local.year)
        if day is None:
            return say(t.NO_DATE.format(example=example(turn, a)))
        note = re.sub(r"^\s*[\d/.\-]+\s*[,;:\-–]?\s*", "", text).strip() or None
        return await _extension_with_date(turn, a, task, day, note)
    said = understand(text, year=turn.local.year)
    if said is not None:  # a progress figure or a corrected status: keep the pending link
        return await answer_text(turn, a, task, text)
    clear(turn)
    return await free_text(turn, text)


async def update_by_code(turn: Turn, code: str, words: str, plan: str | None = None) -> Answer:
    """An answer about task `code` of the person's unit; two plans with that code: ask which."""
    person = turn.registered()
    if person.role != PersonRole.FOCAL or person.unit_id is None:
        return say(t.NOT_ALLOWED)
    found = await find_by_code(turn.session, unit_id=person.unit_id, code=code, plan_number=plan)
    if not found:
        return say(t.CODE_NOT_FOUND.format(code=code))
    if len(found) > 1:
        plans = ", ".join(number for _a, _task, number in found)
        return say(t.CODE_IN_PLANS.format(code=code, plans=plans, plan=found[0][2], words=words))
    assignment, task, _number = found[0]
    return await answer_text(turn, assignment, task, words)


def not_understood(turn: Turn) -> Answer:
    """What was said matched nothing: how to say it so the bot understands, on this channel."""
    return say(t.NOT_UNDERSTOOD if turn.caps.replies else t.NOT_UNDERSTOOD_NO_REPLY)
