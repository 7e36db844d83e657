"""Render an outbox row into the message a person sees, signed for that person."""

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Button, Outbound
from bot.conversation.buttons import ButtonSigner
from bot.conversation.turn import existing, stored_id
from bot.texts import chat as t
from bot.texts import dates
from bot.texts.common import ASSIGNMENT_ROLE, STATUS
from storage.assignments import lead_unit_names
from storage.models import Assignment, OutboxMessage, Person, Task, Unit
from storage.vocab import AssignmentRole, AssignmentStatus, ReminderKind

STATUS_ACTIONS = (("done", "progress", "blocked"), ("extend", "snooze"))


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
        return Outbound(text=payload["text"], buttons=buttons, file_path=file_path, html=html)
    # A row without text is a reminder: its assignment, task and unit exist.
    assignment = await existing(session, Assignment, row.assignment_id)
    task = await existing(session, Task, assignment.task_id)
    unit = await existing(session, Unit, assignment.unit_id)
    today = now.astimezone(tz).date()
    lead = None
    if assignment.role == AssignmentRole.SUPPORT:  # say whom the unit supports
        names = await lead_unit_names(
            session, task_id=stored_id(task), occurrence_key=assignment.occurrence_key
        )
        lead = ", ".join(names) or task.lead_text
    text = reminder_text(row.kind, assignment, task, unit, today, days_late, tz, lead)
    if row.kind == ReminderKind.ESCALATION:
        return Outbound(text=text)
    buttons = _buttons(STATUS_ACTIONS, stored_id(assignment), person, signer)
    return Outbound(text=text, buttons=buttons)


def reminder_text(
    kind: str,
    a: Assignment,
    task: Task,
    unit: Unit,
    today: date,
    days_late: Callable[[date, date], int],
    tz: ZoneInfo,
    lead: str | None = None,
) -> str:
    deadline = a.deadline
    due = dates.day(deadline)
    if kind == ReminderKind.SUPPORT_NOTICE:
        head = t.REMINDER_SUPPORT_NOTICE.format(code=task.code, lead=lead, due=due)
    elif kind == ReminderKind.ESCALATION:
        assert deadline is not None  # only an overdue assignment is escalated
        head = t.REMINDER_ESCALATION.format(
            code=task.code, unit=unit.name, days=days_late(deadline, today), due=due
        )
    elif kind == ReminderKind.MONTHLY_CHECKIN:
        head = t.REMINDER_CHECKIN.format(code=task.code, month=dates.month(today))
    elif deadline is not None and deadline < today:
        head = t.REMINDER_OVERDUE.format(code=task.code, days=days_late(deadline, today), due=due)
    elif deadline == today:
        head = t.REMINDER_DUE_TODAY.format(code=task.code, due=due)
    else:
        left = (deadline - today).days if deadline else 0
        head = t.REMINDER_BEFORE.format(code=task.code, days=left, due=due)
    role = ASSIGNMENT_ROLE[a.role]
    if lead is not None:
        role = t.REMINDER_SUPPORTS.format(role=role, lead=lead)
    lines = [
        head,
        task.title,
        t.REMINDER_UNIT.format(unit=unit.name, role=role)
        + (t.REMINDER_OUTPUT.format(output=task.expected_output) if task.expected_output else ""),
    ]
    lines.append(t.REMINDER_CURRENT.format(status=_current(a, tz)))
    return "\n".join(lines)


def _current(a: Assignment, tz: ZoneInfo) -> str:
    label = STATUS[AssignmentStatus(a.status)]
    details = []
    if a.progress is not None and a.status != "done":
        details.append(f"{a.progress}%")
    if a.status_updated_at is not None:
        details.append(t.REMINDER_UPDATED.format(day=_short(a.status_updated_at, tz)))
    return f"{label} ({', '.join(details)})" if details else label


def _short(at: datetime, tz: ZoneInfo) -> str:
    return dates.day_month(at.astimezone(tz))
