"""Render an outbox row into the message a person sees, signed for that person."""

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Button, Outbound
from bot.conversation.buttons import ButtonSigner
from bot.texts import chat as t
from bot.texts import dates
from bot.texts.common import ASSIGNMENT_ROLE, STATUS, task_ref
from storage.assignments import lead_unit_names
from storage.db import existing, stored_id
from storage.models import Assignment, OutboxMessage, Person, Task, Unit
from storage.vocab import AssignmentRole, AssignmentStatus, ReminderKind

STATUS_ACTIONS = (("done", "progress", "blocked"), ("extend", "snooze"))
# What still makes sense on a reminder once it is answered, by the status the answer left.
ANSWERED_ACTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    AssignmentStatus.DONE: (("fix",),),
    AssignmentStatus.EXTENSION_REQUESTED: (("done", "fix"),),
    AssignmentStatus.IN_PROGRESS: (("done", "blocked"), ("extend", "fix")),
    AssignmentStatus.BLOCKED: (("done", "progress"), ("extend", "fix")),
}
NOTICE_ACTIONS = (("done", "progress", "blocked"),)  # told once: no deadline of its own to move
SNOOZED_ACTIONS = (("done", "progress", "blocked"), ("extend",))  # "later" was just pressed


def answered_buttons(
    a: Assignment, person: Person, signer: ButtonSigner, *, snoozed: bool = False
) -> tuple[tuple[Button, ...], ...]:
    """The buttons an answered (or snoozed) reminder keeps, signed for the person it was sent to."""
    rows = SNOOZED_ACTIONS if snoozed else ANSWERED_ACTIONS.get(a.status, STATUS_ACTIONS)
    return _buttons(rows, stored_id(a), person, signer)


def _buttons(
    rows: list[list[str]] | tuple[tuple[str, ...], ...],
    target: int,
    person: Person,
    signer: ButtonSigner,
) -> tuple[tuple[Button, ...], ...]:
    person_id = stored_id(person)
    return tuple(
        tuple(Button(t.BUTTON_LABELS[a], signer.payload(a, target, person_id)) for a in row)
        for row in rows
    )


async def render(
    session: AsyncSession,
    row: OutboxMessage,
    person: Person,
    signer: ButtonSigner,
    now: datetime,
    tz: ZoneInfo,
    days_late: Callable[[date, date], int],
) -> Outbound:
    """The message for one outbox row, from the database as it is now."""
    payload = row.payload or {}
    if "text" in payload:
        buttons = _buttons(payload.get("buttons", []), payload.get("target", 0), person, signer)
        # A digest row may carry a file (chart, Excel, report) and Telegram HTML.
        file_path, html = payload.get("file_path"), bool(payload.get("html"))
        edit = payload.get("edit_message_id")  # an edit row rewrites a delivered message
        return Outbound(
            text=payload["text"],
            buttons=buttons,
            file_path=file_path,
            html=html,
            edit_message_id=edit,
        )
    # A row without text is a reminder: its assignment, task and unit exist.
    assignment = await existing(session, Assignment, row.assignment_id)
    task = await existing(session, Task, assignment.task_id)
    unit = await existing(session, Unit, assignment.unit_id)
    today = now.astimezone(tz).date()
    lead = await lead_of(session, assignment, task)
    text = reminder_text(row.kind, assignment, task, unit, today, days_late, tz, lead=lead)
    if row.kind == ReminderKind.ESCALATION:
        return Outbound(text=text)
    actions = NOTICE_ACTIONS if row.kind == ReminderKind.SUPPORT_NOTICE else STATUS_ACTIONS
    buttons = _buttons(actions, stored_id(assignment), person, signer)
    return Outbound(text=text, buttons=buttons)


async def lead_of(session: AsyncSession, assignment: Assignment, task: Task) -> str | None:
    """For a supporting unit's assignment, the lead unit(s) it supports; None for a lead."""
    if assignment.role != AssignmentRole.SUPPORT:
        return None
    names = await lead_unit_names(
        session, task_id=stored_id(task), occurrence_key=assignment.occurrence_key
    )
    return ", ".join(names) or task.lead_text


def reminder_text(
    kind: str,
    a: Assignment,
    task: Task,
    unit: Unit,
    today: date,
    days_late: Callable[[date, date], int],
    tz: ZoneInfo,
    answered: tuple[str, datetime] | None = None,
    lead: str | None = None,
) -> str:
    """The reminder's text; `answered` (who, when) turns its last line into the answer's."""
    deadline = a.deadline
    due = dates.day(deadline)
    code = task_ref(task.code, a.occurrence_key)  # two occurrences of task 1.7 look apart
    if kind == ReminderKind.SUPPORT_NOTICE:
        head = t.REMINDER_SUPPORT_NOTICE.format(code=code, lead=lead, due=due)
    elif kind == ReminderKind.ESCALATION:
        assert deadline is not None  # only an overdue assignment is escalated
        head = t.REMINDER_ESCALATION.format(
            code=code, unit=unit.name, days=days_late(deadline, today), due=due
        )
    elif kind == ReminderKind.MONTHLY_CHECKIN:
        head = t.REMINDER_CHECKIN.format(code=code, month=dates.month(today))
    elif deadline is not None and deadline < today:
        head = t.REMINDER_OVERDUE.format(code=code, days=days_late(deadline, today), due=due)
    elif deadline == today:
        head = t.REMINDER_DUE_TODAY.format(code=code, due=due)
    else:
        left = (deadline - today).days if deadline else 0
        head = t.REMINDER_BEFORE.format(code=code, days=left, due=due)
    role = ASSIGNMENT_ROLE[a.role]
    if lead is not None:
        role = t.REMINDER_SUPPORTS.format(role=role, lead=lead)
    lines = [
        head,
        task.title,
        t.REMINDER_UNIT.format(unit=unit.name, role=role)
        + (t.REMINDER_OUTPUT.format(output=task.expected_output) if task.expected_output else ""),
    ]
    if answered is None:
        lines.append(t.REMINDER_CURRENT.format(status=_current(a, tz)))
    else:
        who, at = answered
        status = STATUS[AssignmentStatus(a.status)] + _percent(a)
        when = dates.clock_day(at.astimezone(tz))
        lines.append(t.REMINDER_ANSWERED.format(status=status, name=who, at=when))
    return "\n".join(lines)


def _percent(a: Assignment) -> str:
    shown = a.progress is not None and a.status not in (AssignmentStatus.DONE,)
    return f" {a.progress}%" if shown else ""


def _current(a: Assignment, tz: ZoneInfo) -> str:
    label = STATUS[AssignmentStatus(a.status)]
    details = []
    if a.progress is not None and a.status != AssignmentStatus.DONE:
        details.append(f"{a.progress}%")
    if a.status_updated_at is not None:
        details.append(t.REMINDER_UPDATED.format(day=_short(a.status_updated_at, tz)))
    return f"{label} ({', '.join(details)})" if details else label


def _short(at: datetime, tz: ZoneInfo) -> str:
    return dates.day_month(at.astimezone(tz))
