"""Extension requests: coordinators are told, and approve or refuse with a button."""

from datetime import date

from bot.channels.base import Answer
from bot.conversation import edits
from bot.conversation.turn import Turn, say
from bot.texts import chat as t
from bot.texts import dates
from bot.texts.common import task_ref
from scheduler.deadlines import plausible_days
from storage.assignments import Recorded, previous_status, record_status, updated_since
from storage.db import existing, find, stored_id
from storage.models import Assignment, Plan, StatusUpdate, Task, Unit
from storage.outbox import enqueue, message_row
from storage.people import focal_people, people_with_role
from storage.vocab import AssignmentStatus as S
from storage.vocab import OutboxKind, PersonRole


async def latest_day(turn: Turn, task: Task) -> date:
    """The last day an extension of `task` may reach: a few years past its plan's year."""
    plan = await existing(turn.session, Plan, task.plan_id)
    return plausible_days(plan.year)[1]


def acceptable(day: date, *, deadline: date | None, last: date) -> bool:
    """An extension moves the deadline later, and not years away (1/1/1990, 1/1/2990)."""
    return (deadline is None or day > deadline) and day <= last


async def request(turn: Turn, update: Recorded, task: Task, old: date | None) -> None:
    """Queue a message with Đồng ý / Không đồng ý to every coordinator."""
    assignment = await existing(turn.session, Assignment, update.assignment_id)
    unit = await existing(turn.session, Unit, assignment.unit_id)
    body = t.EXTENSION_REQUEST.format(
        code=task_ref(task.code, assignment.occurrence_key),
        title=task.title,
        name=turn.registered().full_name,
        unit=unit.name,
        old=dates.day(old),
        new=dates.day(update.proposed_deadline),
        reason=update.note or t.NO_REASON,
    )
    text = f"{body}\n{t.EXTENSION_REPLY_HINT.format(new=dates.day(update.proposed_deadline))}"
    coordinators = await people_with_role(turn.session, role=PersonRole.COORDINATOR)
    rows = [
        message_row(
            key=f"extension:{update.id}:{c.id}",
            person_id=stored_id(c),
            kind=OutboxKind.EXTENSION_REQUEST,
            text=text,
            now=turn.now,
            assignment_id=update.assignment_id,
            buttons=[["approve", "refuse"]],
            target=update.id,
            body=body,  # what the copy keeps once decided (see edits.request_decided)
        )
        for c in coordinators
    ]
    await enqueue(turn.session, rows)


async def decide(turn: Turn, update_id: int, *, approve: bool, day: date | None = None) -> Answer:
    """A coordinator's verdict on one request (approving the proposed date, or `day`);
    a second press changes nothing."""
    person = turn.person
    if person is None or person.role != PersonRole.COORDINATOR:
        return Answer(messages=[], toast=t.NOT_ALLOWED)
    request_row = await find(turn.session, StatusUpdate, update_id)
    assignment = (
        await find(turn.session, Assignment, request_row.assignment_id) if request_row else None
    )
    if (
        request_row is None
        or assignment is None
        or not await _still_open(turn, assignment, update_id)
    ):
        return Answer(messages=[], toast=t.EXTENSION_ALREADY)
    task = await existing(turn.session, Task, assignment.task_id)
    unit = await existing(turn.session, Unit, assignment.unit_id)
    assignment_id = stored_id(assignment)
    restored = await previous_status(turn.session, assignment_id=assignment_id, before_id=update_id)
    granted = day or request_row.proposed_deadline
    last = await latest_day(turn, task)
    if approve and granted and not acceptable(granted, deadline=assignment.deadline, last=last):
        return say(
            t.BAD_GRANT_DATE.format(
                code=task.code,
                day=dates.day(granted),
                deadline=dates.day(assignment.deadline),
                last=dates.day(last),
            )
        )
    if approve:
        assignment.deadline = granted
    note = t.EXTENSION_NOTE[approve].format(day=dates.day(granted))
    await record_status(
        turn.session,
        assignment=assignment,
        person_id=person.id,
        status=S(restored),
        now=turn.now,
        progress=assignment.progress,
        note=note,
        channel=turn.inbound.channel,
    )
    await _tell_unit(turn, update_id, assignment, task, approve, granted)
    shown = granted if approve else assignment.deadline
    own = await edits.request_decided(turn, update_id, approve=approve, day=shown)
    template = t.EXTENSION_APPROVED if approve else t.EXTENSION_REFUSED
    text = template.format(code=task.code, unit=unit.name, day=dates.day(granted))
    answer = say(text)
    answer.messages[:0] = own
    return answer


async def _still_open(turn: Turn, assignment: Assignment, update_id: int) -> bool:
    if assignment.status != S.EXTENSION_REQUESTED:
        return False
    assert assignment.id is not None
    return not await updated_since(turn.session, assignment_id=assignment.id, update_id=update_id)


async def _tell_unit(
    turn: Turn, update_id: int, a: Assignment, task: Task, approve: bool, day: date | None
) -> None:
    detail = t.VERDICT_DETAIL[approve].format(day=dates.day(day if approve else a.deadline))
    text = t.EXTENSION_DECIDED_FOR_UNIT.format(
        verdict=t.VERDICT[approve], code=task.code, detail=detail
    )
    focal = await focal_people(turn.session, unit_id=a.unit_id)
    rows = [
        message_row(
            key=f"extension-decision:{update_id}:{p.id}",
            person_id=stored_id(p),
            kind=OutboxKind.EXTENSION_DECISION,
            text=text,
            now=turn.now,
            assignment_id=a.id,
        )
        for p in focal
    ]
    await enqueue(turn.session, rows)
