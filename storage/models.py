"""The tables. Instants are UTC (`UTCDateTime`); closed sets are strings from `storage.vocab`."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow
from storage.vocab import AssignmentStatus, OutboxStatus

# An assignment whose schedule changed is looked at by the next sweep: its `next_remind_at`
# goes back to this moment, before any clock's now. Stored as SQLAlchemy writes instants on
# SQLite, so that rows given it by the database default compare equal to ones given it here.
AT_ONCE = datetime(2000, 1, 1, tzinfo=UTC)
AT_ONCE_STORED = "2000-01-01 00:00:00.000000"


def _at(*, nullable: bool = False, index: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime(), nullable=True, index=index)
    return Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False, index=index)


def _code(length: int = 32) -> Any:
    return Field(sa_type=String(length))


class Plan(SQLModel, table=True):
    __tablename__ = "plans"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_type=String(64), unique=True)
    issued_on: date | None = None
    title: str
    issuing_body: str | None = None
    year: int
    created_at: datetime = _at()
    updated_at: datetime = _at()


class Area(SQLModel, table=True):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("plan_id", "name_key"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plans.id", ondelete="CASCADE")
    code: str | None = Field(default=None, sa_type=String(16))
    name: str
    name_key: str
    position: int = 0


class Unit(SQLModel, table=True):
    __tablename__ = "units"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str = _code(24)
    active: bool = True
    created_at: datetime = _at()


class UnitGroup(SQLModel, table=True):
    __tablename__ = "unit_groups"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class UnitGroupMember(SQLModel, table=True):
    __tablename__ = "unit_group_members"
    group_id: int = Field(foreign_key="unit_groups.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="units.id", primary_key=True, ondelete="CASCADE")


class UnitName(SQLModel, table=True):
    """Every name and alias of a unit or a group, folded, so one look-up resolves text."""

    __tablename__ = "unit_names"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (group_id IS NULL)", name="one_target"),
    )
    key: str = Field(primary_key=True)
    label: str
    unit_id: int | None = Field(default=None, foreign_key="units.id", ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="unit_groups.id", ondelete="CASCADE")


class Person(SQLModel, table=True):
    __tablename__ = "people"
    id: int | None = Field(default=None, primary_key=True)
    full_name: str
    role: str = _code(16)
    unit_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    is_deputy: bool = False
    away: bool = False
    active: bool = True
    unreachable_at: datetime | None = _at(nullable=True)
    # What the conversation is waiting for from this person, e.g. a blocker's reason.
    pending: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Where messages go (see storage.people.delivery_targets): the channel chosen with /kenh,
    # else the one the person last wrote from, else the first running channel they are on.
    channel_choice: str | None = Field(default=None, sa_type=String(16))
    last_channel: str | None = Field(default=None, sa_type=String(16))
    created_at: datetime = _at()


class ChannelIdentity(SQLModel, table=True):
    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    channel: str = _code(16)
    user_id: str = _code(64)
    chat_id: str = _code(64)
    created_at: datetime = _at()


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plans.id", ondelete="CASCADE")
    code: str = _code(32)
    title: str
    area_id: int | None = Field(default=None, foreign_key="areas.id")
    lead_text: str
    support_text: str | None = None
    deadline_spec: str
    kind: str = _code(16)
    expected_output: str | None = None
    note: str | None = None
    source_row: int | None = None
    cancelled_at: datetime | None = _at(nullable=True)
    created_at: datetime = _at()
    updated_at: datetime = _at()


class Assignment(SQLModel, table=True):
    """One unit's share of a task for one deadline occurrence."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id", "occurrence_key"),
        Index("ix_assignments_unit_deadline", "unit_id", "deadline"),
        Index("ix_assignments_status_deadline", "status", "deadline"),
        Index("ix_assignments_next_remind_at", "next_remind_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="tasks.id", ondelete="CASCADE")
    unit_id: int = Field(foreign_key="units.id")
    role: str = _code(16)
    occurrence_key: str = _code(32)
    period_start: date | None = None
    deadline: date | None = None
    original_deadline: date | None = None
    status: str = Field(default=AssignmentStatus.NOT_STARTED, sa_type=String(24))
    progress: int | None = None
    completed_at: datetime | None = _at(nullable=True)
    status_updated_at: datetime | None = _at(nullable=True)
    snoozed_until: datetime | None = _at(nullable=True)
    cancelled_at: datetime | None = _at(nullable=True)
    created_at: datetime = _at()
    # When the sweep must next look at it (see scheduler.sweep): a reminder's slot, AT_ONCE
    # after anything that changes its schedule, None once nothing more will come.
    next_remind_at: datetime | None = Field(
        default=AT_ONCE,
        sa_type=UTCDateTime(),
        nullable=True,
        sa_column_kwargs={"server_default": AT_ONCE_STORED},
    )


class StatusUpdate(SQLModel, table=True):
    """Append-only history; a correction is a new row pointing at the one it corrects."""

    __tablename__ = "status_updates"
    __table_args__ = (Index("ix_status_updates_assignment_at", "assignment_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id", ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="people.id")
    status: str = _code(24)
    progress: int | None = None
    note: str | None = None
    proposed_deadline: date | None = None
    channel: str | None = Field(default=None, sa_type=String(16))
    message_id: str | None = Field(default=None, sa_type=String(64))
    corrects_id: int | None = Field(default=None, foreign_key="status_updates.id")
    created_at: datetime = _at()


class Evidence(SQLModel, table=True):
    __tablename__ = "evidence"
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id", index=True, ondelete="CASCADE")
    status_update_id: int | None = Field(default=None, foreign_key="status_updates.id")
    person_id: int | None = Field(default=None, foreign_key="people.id")
    file_name: str
    mime_type: str | None = None
    size: int
    sha256: str = _code(64)
    storage_path: str
    created_at: datetime = _at()


class OutboxMessage(SQLModel, table=True):
    """Everything the service must deliver; `dedupe_key` makes writing it idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_assignment_id", "assignment_id"),  # what the sweep has written
    )
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(sa_type=String(200), unique=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    kind: str = _code(32)
    assignment_id: int | None = Field(default=None, foreign_key="assignments.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, sa_type=String(16))
    attempts: int = 0
    not_before: datetime = _at()
    claimed_by: str | None = Field(default=None, sa_type=String(64))
    claimed_at: datetime | None = _at(nullable=True)
    sent_at: datetime | None = _at(nullable=True)
    message_id: str | None = Field(default=None, sa_type=String(64))
    # Where it was delivered; set beforehand, the only channel it may go through (an edit).
    channel: str | None = Field(default=None, sa_type=String(16))
    last_error: str | None = None
    created_at: datetime = _at()


class ProcessedInbound(SQLModel, table=True):
    """Channel update ids already handled, so a replayed update changes nothing."""

    __tablename__ = "processed_inbound"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = _code(16)
    update_id: str = _code(64)
    received_at: datetime = _at()


class Invite(SQLModel, table=True):
    """Single-use invite; only the code's hash is stored."""

    __tablename__ = "invites"
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(sa_type=String(64), unique=True)
    unit_id: int | None = Field(default=None, foreign_key="units.id")
    role: str = _code(16)
    is_deputy: bool = False
    created_by: int | None = Field(default=None, foreign_key="people.id")
    # A link code (/kenh them): redeeming it adds a channel to this person, creates no one.
    person_id: int | None = Field(default=None, foreign_key="people.id")
    expires_at: datetime = _at()
    used_at: datetime | None = _at(nullable=True)
    used_by: int | None = Field(default=None, foreign_key="people.id")
    created_at: datetime = _at()


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at(index=True)
    actor: str
    action: str = _code(48)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class WebLoginToken(SQLModel, table=True):
    """A one-time sign-in link for the web page (/web); only the token's hash is stored."""

    __tablename__ = "web_login_tokens"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    expires_at: datetime = _at()
    used_at: datetime | None = _at(nullable=True)
    created_at: datetime = _at()


class WebSession(SQLModel, table=True):
    """A signed-in browser; only the session id's hash is stored (the cookie holds the id)."""

    __tablename__ = "web_sessions"
    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(sa_type=String(64), unique=True)
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    last_seen_at: datetime = _at()
    ended_at: datetime | None = _at(nullable=True)
    ip: str | None = Field(default=None, sa_type=String(64))
    user_agent: str | None = Field(default=None, sa_type=String(300))
    created_at: datetime = _at()


class Digest(SQLModel, table=True):
    """One digest's figures as sent, so the next one can show what changed."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("plan_id", "kind", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plans.id", ondelete="CASCADE")
    kind: str = _code(16)  # "weekly", or "report" for a quarter, half-year or year report
    period: str = _code(16)  # "2023-W26", "2023-Q1", "2023-H1", "2023-Q3", "2023-Y"
    at: datetime = _at()
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _at()


class Lease(SQLModel, table=True):
    """Work one process at a time does (the sweep, the digest, sending): who holds it, and
    until when; a holder that stops renewing it loses it then (storage/leases.py)."""

    __tablename__ = "leases"
    name: str = Field(sa_type=String(32), primary_key=True)
    holder: str = Field(sa_type=String(64))
    expires_at: datetime = _at()


class ScheduleRules(SQLModel, table=True):
    """A fingerprint of the rules every schedule was computed from (calendar and reminder
    settings): when the service starts with other rules, every open schedule is recomputed."""

    __tablename__ = "schedule_rules"
    name: str = Field(sa_type=String(32), primary_key=True)
    fingerprint: str = Field(sa_type=String(64))
    changed_at: datetime = _at()
