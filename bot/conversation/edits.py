"""Messages change when the answer comes: the reminder a person answered shows the new state
and keeps only the buttons that still make sense; an extension request, once decided, shows
the decision on every coordinator's copy and loses its buttons.

The person's own message is edited in the answer to their inbound; other people's copies are
edited through the outbox (kind EDIT), so they are paced like every other message.
"""

from datetime import date, datetime

from bot.channels.base import Outbound
from bot.conversation.turn import Turn
from bot.delivery.render import answered_buttons, lead_of, reminder_text
from bot.texts import chat as t
from bot.texts import dates
from storage.db import existing, stored_id
from storage.models import Assignment, Task, Unit
from storage.outbox import enqueue, message_row, reminder_to_rewrite, rows_with_key_prefix
from storage.vocab import OutboxKind, OutboxStatus


async def reminder_answered(turn: Turn, assignment: Assignment, task: Task) -> Outbound | None:
    """The reminder this answer is about (the one pressed or replied to, else the latest one
    sent to the person about the task), rewritten with who answered what and when."""
    return await _rewritten(turn, assignment, task, snoozed_until=None)


async def reminder_snoozed(
    turn: Turn, assignment: Assignment, task: Task, until: datetime
) -> Outbound | None:
    """The reminder "Nhắc lại sau" was pressed on: it says when it comes back, and loses
    that button (the status is unchanged, so the others stay)."""
    return await _rewritten(turn, assignment, task, snoozed_until=until)


async def _rewritten(
    turn: Turn, assignment: Assignment, task: Task, *, snoozed_until: datetime | None
) -> Outbound | None:
    if not turn.caps.edits:  # Zalo: a rewritten copy would arrive as a new message
        return None
    person = turn.registered()
    # Only a message on the channel this answer came from can be edited from here.
    row = await reminder_to_rewrite(
        turn.session,
        person_id=turn.person_id,
        assignment_id=stored_id(assignment),
        channel=turn.inbound.channel,
        referenced=(turn.inbound.message_id, turn.inbound.reply_to_message_id),
    )
    if row is None:
        return None
    unit = await existing(turn.session, Unit, assignment.unit_id)
    tz = turn.deps.timezone
    sent_on = (row.sent_at or turn.now).astimezone(tz).date()  # the head stays as it was sent
    snoozed = snoozed_until is not None
    answered = None if snoozed else (person.full_name, turn.now)
    lead = await lead_of(turn.session, assignment, task)
    text = reminder_text(
        row.kind, assignment, task, unit, sent_on, turn.deps.days_late, tz, answered, lead=lead
    )
    if snoozed_until is not None:
        at = dates.clock_day(snoozed_until.astimezone(tz))
        text += "\n" + t.REMINDER_SNOOZED_LINE.format(at=at, name=person.full_name)
    buttons = (
        answered_buttons(assignment, person, turn.deps.signer, snoozed=snoozed)
        if turn.caps.buttons
        else ()
    )
    return Outbound(text, buttons=buttons, edit_message_id=row.message_id)


async def request_decided(
    turn: Turn, update_id: int, *, approve: bool, day: date | None
) -> list[Outbound]:
    """Every coordinator's copy of request `update_id` shows the decision, without buttons.

    Returns the edit of the decider's own copy; the others go through the outbox, and a copy
    not yet sent goes out already decided.
    """
    decider = turn.registered()
    line = t.EXTENSION_DECIDED_LINE[approve].format(
        day=dates.day(day), name=decider.full_name, at=dates.clock_day(turn.local)
    )
    own: list[Outbound] = []
    edits = []
    for row in await rows_with_key_prefix(turn.session, prefix=f"extension:{update_id}:"):
        payload = row.payload or {}
        text = f"{payload.get('body', payload.get('text', ''))}\n{line}"
        if row.message_id is None:
            if row.status == OutboxStatus.PENDING:
                row.payload = {"text": text}
                turn.session.add(row)
        elif row.person_id == decider.id:
            if turn.caps.edits:
                own.append(Outbound(text, edit_message_id=row.message_id))
        else:
            edits.append(
                message_row(
                    key=f"edit:extension:{update_id}:{row.person_id}",
                    person_id=row.person_id,
                    kind=OutboxKind.EDIT,
                    text=text,
                    now=turn.now,
                    assignment_id=row.assignment_id,
                    channel=row.channel,  # the copy lives where it was delivered
                    edit_message_id=row.message_id,
                )
            )
    await enqueue(turn.session, edits)
    return own
