"""Buttons on a task: verified, then carried out; recording what a person said about a task."""

from datetime import date

from bot.channels.base import Answer, Button, Outbound
from bot.conversation import edits, extensions
from bot.conversation.turn import Turn, say
from bot.conversation.understand import Understood
from bot.conversation.views import short
from bot.texts import chat as t
from bot.texts import dates
from bot.texts.common import STATUS, task_ref
from storage.assignments import Recorded, assignment_with_task, last_update_by, record_status
from storage.db import stored_id
from storage.models import AT_ONCE, Assignment, Task
from storage.pending import Pending
from storage.vocab import AssignmentStatus as S
from storage.vocab import PersonRole


def status_rows(turn: Turn, assignment_id: int) -> tuple[tuple[Button, ...], ...]:
    """The five reminder buttons, signed for the person they are shown to."""
    sign = turn.deps.signer.payload
    pid = turn.person_id

    def button(action: str) -> Button:
        return Button(t.BUTTON_LABELS[action], sign(action, assignment_id, pid))

    return (
        (button("done"), button("progress"), button("blocked")),
        (button("extend"), button("snooze")),
    )


TASKS_PAGE = 20


def ref(a: Assignment, task: Task) -> str:
    """The task as the person reads it: its code, and the period of a recurring one."""
    return task_ref(task.code, a.occurrence_key)


def task_list(
    turn: Turn, unit: str, rows: list[tuple[Assignment, Task]], *, with_buttons: bool, page: int = 1
) -> Answer:
    """Open tasks, a page at a time; a focal person gets an Update button per task."""
    pages = (len(rows) + TASKS_PAGE - 1) // TASKS_PAGE
    page = min(max(page, 1), pages)
    lines = [t.TASKS_HEAD.format(unit=unit, count=len(rows))]
    if pages > 1:
        lines[0] += t.TASKS_PAGE_OF.format(page=page, pages=pages)
    buttons: list[tuple[Button, ...]] = []
    shown = rows[(page - 1) * TASKS_PAGE : page * TASKS_PAGE]
    for i, (a, task) in enumerate(shown, start=1):
        due = dates.day(a.deadline)
        status = STATUS[a.status]
        lines.append(
            t.TASK_LINE.format(
                n=i, code=ref(a, task), title=short(task.title), due=due, status=status
            )
        )
        if with_buttons:
            data = turn.deps.signer.payload("open", stored_id(a), turn.person_id)
            label = t.TASK_BUTTON.format(
                label=t.BUTTON_LABELS["open"], code=ref(a, task), due=due[:5]
            )
            buttons.append((Button(label, data),))
    if page < pages:
        lines.append(t.NEXT_TASKS_PAGE.format(page=page + 1))
    return Answer(messages=[Outbound(text="\n".join(lines), buttons=tuple(buttons))])


def may_update(turn: Turn, assignment: Assignment) -> bool:
    person = turn.person
    if person is None or assignment.cancelled_at is not None:
        return False
    if person.role == PersonRole.COORDINATOR:
        return True
    return person.role == PersonRole.FOCAL and person.unit_id == assignment.unit_id


async def press(turn: Turn, data: str) -> Answer:
    """A button: verified against the person it was shown to, then the unit and role."""
    pressed = turn.deps.signer.verify(data, turn.person_id)
    if pressed is None:
        return Answer(messages=[Outbound(t.STALE_BUTTON)], toast=t.STALE_BUTTON)
    if pressed.action in ("approve", "refuse"):
        return await extensions.decide(turn, pressed.target, approve=pressed.action == "approve")
    found = await assignment_with_task(turn.session, assignment_id=pressed.target)
    if found is None or not may_update(turn, found[0]):
        return Answer(messages=[Outbound(t.NOT_ALLOWED)], toast=t.NOT_ALLOWED)
    answer = await _act(turn, pressed.action, *found)
    answer.toast = answer.toast or t.BUTTON_LABELS[pressed.action]
    return answer


async def _act(turn: Turn, action: str, assignment: Assignment, task: Task) -> Answer:
    if action == "done":
        return await apply(turn, assignment, task, Understood(S.DONE, 100))
    if action == "progress":
        answer = await apply(turn, assignment, task, Understood(S.IN_PROGRESS))
        await_answer(turn, "progress", assignment)
        answer.messages.append(Outbound(t.ASK_PROGRESS))
        return answer
    if action == "blocked":
        await_answer(turn, "blocker", assignment)
        return say(t.ASK_BLOCKER.format(code=ref(assignment, task)))
    if action == "extend":
        await_answer(turn, "extension", assignment)
        asked = t.ASK_EXTENSION.format(
            code=ref(assignment, task), example=example(turn, assignment)
        )
        return say(asked)
    if action == "snooze":
        return await _snooze(turn, assignment, task)
    if action == "fix":
        await_answer(turn, "correction", assignment)
        rows = status_rows(turn, stored_id(assignment))
        return say(t.CHOOSE_STATUS.format(code=ref(assignment, task)), *rows[:1])
    await_answer(
        turn, "answer", assignment
    )  # the person picked this task: what they type is about it
    return Answer(
        messages=[
            Outbound(_describe(assignment, task), buttons=status_rows(turn, stored_id(assignment)))
        ]
    )


def _describe(a: Assignment, task: Task) -> str:
    due = dates.day(a.deadline)
    status = STATUS[a.status]
    return t.TASK_CARD.format(code=ref(a, task), due=due, title=task.title, status=status)


async def _snooze(turn: Turn, assignment: Assignment, task: Task) -> Answer:
    until = turn.deps.snooze_until(turn.now)
    assignment.snoozed_until = until
    assignment.next_remind_at = AT_ONCE  # the next sweep looks at its schedule again
    turn.session.add(assignment)
    at = dates.clock_day(until.astimezone(turn.deps.timezone))
    answer = say(t.SNOOZED.format(code=ref(assignment, task), at=at))
    edited = await edits.reminder_snoozed(turn, assignment, task, until)
    if edited is not None:  # the reminder says when it comes back, then the confirmation
        answer.messages.insert(0, edited)
    return answer


def example(turn: Turn, assignment: Assignment) -> str:
    """A date the extension request would accept, to show in the question."""
    return dates.day(turn.deps.extension_example(assignment.deadline, turn.local.date()))


def await_answer(turn: Turn, what: str, assignment: Assignment) -> None:
    turn.remember(turn.pending.asking(what, stored_id(assignment), turn.now))


def clear(turn: Turn) -> None:
    turn.remember(Pending())


async def apply(turn: Turn, assignment: Assignment, task: Task, said: Understood) -> Answer:
    """Record what the person said; answer with what was understood and a Sửa button."""
    person_id, assignment_id = turn.person_id, stored_id(assignment)
    corrects = None
    if turn.pending.correcting == assignment_id:
        previous = await last_update_by(
            turn.session, person_id=person_id, assignment_id=assignment_id
        )
        corrects = previous.id if previous else None
    old_deadline = assignment.deadline
    update = await record_status(
        turn.session,
        assignment=assignment,
        person_id=person_id,
        status=said.status,
        now=turn.now,
        progress=said.progress,
        note=said.note,
        proposed=said.proposed,
        channel=turn.inbound.channel,
        message_id=turn.inbound.message_id,
        corrects_id=corrects,
    )
    clear(turn)
    edited = await edits.reminder_answered(turn, assignment, task)
    answer = await _confirm(turn, assignment, task, said, update, old_deadline)
    if edited is not None:  # the answered reminder first, then what was understood
        answer.messages.insert(0, edited)
    return answer


async def _confirm(
    turn: Turn,
    assignment: Assignment,
    task: Task,
    said: Understood,
    update: Recorded,
    old_deadline: date | None,
) -> Answer:
    person_id, assignment_id = turn.person_id, stored_id(assignment)
    if said.status == S.EXTENSION_REQUESTED:
        assert said.proposed is not None  # answer_text asks for the date before recording
        await extensions.request(turn, update, task, old_deadline)
        sent = t.EXTENSION_SENT.format(code=ref(assignment, task), day=dates.day(said.proposed))
        return say(sent)
    turn.remember(Pending.evidence(assignment_id))
    when = (
        t.timing(turn.local.date(), assignment.deadline)
        if said.status == S.DONE
        else dates.day(turn.local)
    )
    fix = Button(t.BUTTON_LABELS["fix"], turn.deps.signer.payload("fix", assignment_id, person_id))
    return say(
        t.recorded(ref(assignment, task), said.status, said.progress, when, said.note), (fix,)
    )
