"""Answers about a task: buttons, replies, free text, evidence, extension requests."""

import re
from datetime import datetime, timedelta

from bot.channels.base import Answer, Button, Outbound
from bot.conversation import extensions
from bot.conversation.evidence import save_evidence
from bot.conversation.turn import Turn, say
from bot.conversation.understand import Understood, parse_day, understand
from bot.texts import conversation as t
from storage.models import Assignment, Task
from storage.records import (
    assignment_for_message,
    assignment_with_task,
    find_by_code,
    last_update_by,
    outbox_for_message,
    record_status,
)
from storage.vocab import AssignmentStatus as S
from storage.vocab import PersonRole

PENDING_FOR = timedelta(minutes=30)
_CODE_FIRST = re.compile(r"^(\d+(?:\.\d+)*)\s+(.+)$", re.S)


def status_rows(turn: Turn, assignment_id: int) -> tuple[tuple[Button, ...], ...]:
    """The five reminder buttons, signed for the person they are shown to."""
    sign = turn.deps.signer.payload
    pid = turn.person.id  # type: ignore[union-attr]

    def button(action: str) -> Button:
        return Button(t.BUTTON_LABELS[action], sign(action, assignment_id, pid))

    return (
        (button("done"), button("progress"), button("blocked")),
        (button("extend"), button("snooze")),
    )


TASKS_PAGE = 20


def task_list(
    turn: Turn, unit: str, rows: list[tuple[Assignment, Task]], *, with_buttons: bool, page: int = 1
) -> Answer:
    """Open tasks, a page at a time; a focal person gets an Update button per task."""
    pages = (len(rows) + TASKS_PAGE - 1) // TASKS_PAGE
    page = min(max(page, 1), pages)
    lines = [f"Nhiệm vụ đang mở của {unit}: {len(rows)}"]
    if pages > 1:
        lines[0] += f" (trang {page}/{pages})"
    buttons: list[tuple[Button, ...]] = []
    shown = rows[(page - 1) * TASKS_PAGE : page * TASKS_PAGE]
    for i, (a, task) in enumerate(shown, start=1):
        due = a.deadline.strftime("%d/%m/%Y") if a.deadline else "—"
        lines.append(f"{i}. {task.code} {task.title} — hạn {due} — {t.STATUS_NAME[a.status]}")
        if with_buttons:
            data = turn.deps.signer.payload("open", a.id, turn.person.id)  # type: ignore[arg-type, union-attr]
            label = f"{t.BUTTON_LABELS['open']} {task.code} · hạn {due[:5]}"
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
    person = turn.person
    assert person is not None
    pressed = turn.deps.signer.verify(data, person.id)  # type: ignore[arg-type]
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
        _await(turn, "progress", assignment)
        answer.messages.append(Outbound(t.ASK_PROGRESS))
        return answer
    if action == "blocked":
        _await(turn, "blocker", assignment)
        return say(t.ASK_BLOCKER.format(code=task.code))
    if action == "extend":
        _await(turn, "extension", assignment)
        return say(t.ASK_EXTENSION.format(code=task.code, example=_example(turn, assignment)))
    if action == "snooze":
        return await _snooze(turn, assignment, task)
    if action == "fix":
        _await(turn, "correction", assignment)
        return say(t.CHOOSE_STATUS.format(code=task.code), *status_rows(turn, assignment.id)[:1])
    _await(turn, "answer", assignment)  # the person picked this task: what they type is about it
    return Answer(
        messages=[Outbound(_describe(assignment, task), buttons=status_rows(turn, assignment.id))]
    )


def _describe(a: Assignment, task: Task) -> str:
    due = a.deadline.strftime("%d/%m/%Y") if a.deadline else "—"
    return f"Nhiệm vụ {task.code} (hạn {due}): {task.title}\nTrạng thái: {t.STATUS_NAME[a.status]}"


async def _snooze(turn: Turn, assignment: Assignment, task: Task) -> Answer:
    until = turn.deps.snooze_until(turn.now, turn.deps.timezone)
    assignment.snoozed_until = until
    turn.session.add(assignment)
    return say(
        t.SNOOZED.format(
            code=task.code, at=until.astimezone(turn.deps.timezone).strftime("%H:%M %d/%m/%Y")
        )
    )


def _example(turn: Turn, assignment: Assignment) -> str:
    base = assignment.deadline or turn.local.date()
    return (base.replace(day=15) if base.day < 15 else base).strftime("%d/%m/%Y")


def _await(turn: Turn, what: str, assignment: Assignment) -> None:
    person = turn.person
    assert person is not None
    pending = {k: v for k, v in (person.pending or {}).items() if k == "correcting"}
    if what == "correction":
        pending = {"correcting": assignment.id}
    pending.update({"await": what, "assignment": assignment.id, "at": turn.now.isoformat()})
    person.pending = pending
    turn.session.add(person)


def _clear(turn: Turn) -> None:
    person = turn.person
    assert person is not None
    person.pending = None
    turn.session.add(person)


async def apply(turn: Turn, assignment: Assignment, task: Task, said: Understood) -> Answer:
    """Record what the person said; answer with what was understood and a Sửa button."""
    person = turn.person
    assert person is not None
    pending = person.pending or {}
    corrects = None
    if pending.get("correcting") == assignment.id:
        previous = await last_update_by(
            turn.session, person_id=person.id, assignment_id=assignment.id
        )  # type: ignore[arg-type]
        corrects = previous.id if previous else None
    old_deadline = assignment.deadline
    update = await record_status(
        turn.session,
        assignment=assignment,
        person_id=person.id,
        status=said.status,
        now=turn.now,
        progress=said.progress,
        note=said.note,
        proposed=said.proposed,
        channel=turn.inbound.channel,
        message_id=turn.inbound.message_id,
        corrects_id=corrects,
    )
    _clear(turn)
    if said.status == S.EXTENSION_REQUESTED:
        await extensions.request(turn, update, task, old_deadline)
        return say(t.EXTENSION_SENT.format(code=task.code, day=said.proposed.strftime("%d/%m/%Y")))  # type: ignore[union-attr]
    person.pending = {"evidence_for": assignment.id}
    when = (
        t.timing(turn.local.date(), assignment.deadline)
        if said.status == S.DONE
        else turn.local.strftime("%d/%m/%Y")
    )
    fix = Button(t.BUTTON_LABELS["fix"], turn.deps.signer.payload("fix", assignment.id, person.id))  # type: ignore[arg-type]
    return say(t.recorded(task.code, said.status, said.progress, when, said.note), (fix,))


async def answer_text(turn: Turn, assignment: Assignment, task: Task, text: str) -> Answer:
    """Free text about one task: read it, ask for what is missing, then record it."""
    if not may_update(turn, assignment):
        return say(t.NOT_ALLOWED)
    said = understand(text, year=turn.local.year)
    if said is None:
        return say(t.NOT_UNDERSTOOD)
    if said.status == S.EXTENSION_REQUESTED and said.proposed is None:
        _await(turn, "extension", assignment)
        return say(t.ASK_EXTENSION.format(code=task.code, example=_example(turn, assignment)))
    if said.status == S.EXTENSION_REQUESTED:
        return await _extension_with_date(turn, assignment, task, said.proposed, said.note)  # type: ignore[arg-type]
    if said.status == S.BLOCKED and not said.note:
        _await(turn, "blocker", assignment)
        return say(t.ASK_BLOCKER.format(code=task.code))
    return await apply(turn, assignment, task, said)


async def _extension_with_date(
    turn: Turn, a: Assignment, task: Task, day, note: str | None
) -> Answer:  # noqa: ANN001
    if a.deadline is not None and day <= a.deadline:
        deadline = a.deadline.strftime("%d/%m/%Y")
        _await(turn, "extension", a)
        return say(t.BAD_EXTENSION_DATE.format(deadline=deadline, example=_example(turn, a)))
    return await apply(turn, a, task, Understood(S.EXTENSION_REQUESTED, a.progress, note, day))


async def free_text(turn: Turn, text: str) -> Answer:
    """Text that is not a command: a numbered choice, a reply, "2.1 xong", or an awaited answer.

    What the text itself names (a reply, a task code) wins over what the bot last asked.
    """
    person = turn.person
    assert person is not None
    pending = person.pending or {}
    choices = pending.get("choices") or []
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return await press(turn, choices[int(text) - 1])
    awaited = pending.get("assignment") if _fresh(pending, turn) else None
    granted = await _date_for_a_request(turn, text)
    if granted is not None:
        return granted
    if turn.inbound.reply_to_message_id:
        target = await assignment_for_message(
            turn.session,
            person_id=person.id,  # type: ignore[arg-type]
            message_id=turn.inbound.reply_to_message_id,
        )
        found = await assignment_with_task(turn.session, assignment_id=target) if target else None
        if found is not None and target == awaited:
            return await _awaited(turn, pending["await"], *found, text)
        if found is not None:
            _clear(turn)
            return await answer_text(turn, *found, text)
    if (match := _CODE_FIRST.match(text)) is not None:
        _clear(turn)
        return await update_by_code(turn, match.group(1), match.group(2))
    found = await assignment_with_task(turn.session, assignment_id=awaited) if awaited else None
    if found is not None:
        return await _awaited(turn, pending["await"], *found, text)
    return say(t.NOT_UNDERSTOOD)


async def _date_for_a_request(turn: Turn, text: str) -> Answer | None:
    """A coordinator replies to an extension request with another date: approved to that date."""
    person = turn.person
    if (
        person is None
        or person.role != PersonRole.COORDINATOR
        or not turn.inbound.reply_to_message_id
    ):
        return None
    row = await outbox_for_message(
        turn.session,
        person_id=person.id,
        message_id=turn.inbound.reply_to_message_id,  # type: ignore[arg-type]
    )
    if row is None or row.kind != "extension_request":
        return None
    day = parse_day(text, year=turn.local.year)
    if day is None:
        return say(t.NO_DATE.format(example=turn.local.strftime("%d/%m/%Y")))
    return await extensions.decide(turn, row.payload["target"], approve=True, day=day)


def _fresh(pending: dict, turn: Turn) -> bool:  # type: ignore[type-arg]
    """A question the bot asked is answered within half an hour, or it is forgotten."""
    asked = pending.get("at")
    if not pending.get("await") or asked is None:
        return False
    return turn.now - datetime.fromisoformat(asked) <= PENDING_FOR


async def _awaited(turn: Turn, what: str, a: Assignment, task: Task, text: str) -> Answer:
    if what == "blocker":
        return await apply(turn, a, task, Understood(S.BLOCKED, a.progress, text.strip()))
    if what == "extension":
        day = parse_day(text, year=turn.local.year)
        if day is None:
            return say(t.NO_DATE.format(example=_example(turn, a)))
        note = re.sub(r"^\s*[\d/.\-]+\s*[,;:\-–]?\s*", "", text).strip() or None
        return await _extension_with_date(turn, a, task, day, note)
    said = understand(text, year=turn.local.year)
    if said is not None:  # a progress figure or a corrected status: keep the pending link
        return await answer_text(turn, a, task, text)
    _clear(turn)
    return await free_text(turn, text)


async def evidence(turn: Turn) -> Answer:
    """A photo or document: stored against the task it replies to (or was just answered)."""
    person = turn.person
    assert person is not None and turn.evidence is not None
    target = None
    if turn.inbound.reply_to_message_id:
        target = await assignment_for_message(
            turn.session,
            person_id=person.id,
            message_id=turn.inbound.reply_to_message_id,  # type: ignore[arg-type]
        )
    target = (
        target
        or (person.pending or {}).get("evidence_for")
        or (person.pending or {}).get("assignment")
    )
    found = await assignment_with_task(turn.session, assignment_id=target) if target else None
    if found is None:
        return say(t.NEED_TARGET)
    if not may_update(turn, found[0]):
        return say(t.NOT_ALLOWED)
    saved = await save_evidence(turn, found[0], turn.evidence)
    answer = say(
        t.EVIDENCE_SAVED.format(
            code=found[1].code, name=saved.file_name, size=t.size_text(saved.size)
        )
    )
    if turn.inbound.text and understand(turn.inbound.text, year=turn.local.year) is not None:
        answer.messages += (await answer_text(turn, *found, turn.inbound.text)).messages
    return answer


async def update_by_code(turn: Turn, code: str, words: str) -> Answer:
    person = turn.person
    assert person is not None
    if person.role != PersonRole.FOCAL or person.unit_id is None:
        return say(t.NOT_ALLOWED)
    found = await find_by_code(turn.session, unit_id=person.unit_id, code=code)
    if found is None:
        return say(t.CODE_NOT_FOUND.format(code=code))
    return await answer_text(turn, found[0], found[1], words)
