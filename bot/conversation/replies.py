"""Free text: replies to reminders, "2.1 xong", and answers to what the bot asked.

What the text itself names (a reply, a task code) wins over what the bot last asked, and a
question is forgotten after half an hour or any command.
"""

import re
from datetime import date, timedelta

from bot.channels.base import Answer
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
from bot.conversation.turn import Turn, say, stored_id
from bot.conversation.understand import Understood, parse_day, understand
from bot.texts import chat as t
from bot.texts import dates
from storage.assignments import assignment_with_task, find_by_code
from storage.models import Assignment, Task
from storage.outbox import assignment_for_message, outbox_for_message
from storage.vocab import AssignmentStatus as S
from storage.vocab import OutboxKind, PersonRole

PENDING_FOR = timedelta(minutes=30)
_CODE_FIRST = re.compile(r"^(\d+(?:\.\d+)*)\s+(.+)$", re.S)


async def answer_text(turn: Turn, assignment: Assignment, task: Task, text: str) -> Answer:
    """Free text about one task: read it, ask for what is missing, then record it."""
    if not may_update(turn, assignment):
        return say(t.NOT_ALLOWED)
    said = understand(text, year=turn.local.year)
    if said is None:
        return say(t.NOT_UNDERSTOOD)
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
        return await press(turn, choices[int(text) - 1])
    # A fresh question always names what it awaits.
    question = pending.awaiting if pending.question_fresh(turn.now, PENDING_FOR) else None
    awaited = pending.assignment if question else None
    granted = await _date_for_a_request(turn, text)
    if granted is not None:
        return granted
    if turn.inbound.reply_to_message_id:
        target = await assignment_for_message(
            turn.session,
            person_id=person_id,
            message_id=turn.inbound.reply_to_message_id,
        )
        found = await assignment_with_task(turn.session, assignment_id=target) if target else None
        if found is not None and target == awaited and question:
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
    return say(t.NOT_UNDERSTOOD)


async def _date_for_a_request(turn: Turn, text: str) -> Answer | None:
    """A coordinator replies to an extension request with another date: approved to that date."""
    person = turn.person
    message_id = turn.inbound.reply_to_message_id
    if person is None or person.role != PersonRole.COORDINATOR or not message_id:
        return None
    row = await outbox_for_message(turn.session, person_id=stored_id(person), message_id=message_id)
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
