"""The status vocabulary and other closed sets the whole service shares."""

from enum import StrEnum


class AssignmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    EXTENSION_REQUESTED = "extension_requested"


class AssignmentRole(StrEnum):
    LEAD = "lead"
    SUPPORT = "support"


class TaskKind(StrEnum):
    ONCE = "once"
    ONGOING = "ongoing"
    RECURRING = "recurring"


class PersonRole(StrEnum):
    FOCAL = "focal"
    COORDINATOR = "coordinator"
    LEADER = "leader"


# Coordinators and leaders see every unit (and get the digest); a focal person sees their own.
SEES_EVERY_UNIT = frozenset({PersonRole.COORDINATOR, PersonRole.LEADER})


class UnitKind(StrEnum):
    DEPARTMENT = "department"  # phòng, ban, văn phòng, thanh tra
    SERVICE_UNIT = "service_unit"  # đơn vị sự nghiệp, trung tâm
    COMMUNE = "commune"  # xã
    TOWN = "town"  # thị trấn
    OTHER = "other"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class ReminderKind(StrEnum):
    BEFORE_7D = "before_7d"
    BEFORE_3D = "before_3d"
    BEFORE_1WD = "before_1wd"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    MONTHLY_CHECKIN = "monthly_checkin"
    SNOOZED = "snoozed"
    SUPPORT_NOTICE = "support_notice"  # a supporting unit told once of the task it supports


class OutboxKind(StrEnum):
    """What an outbox row carries when it is not a reminder (a reminder's kind is a
    ReminderKind); the two sets share no value."""

    DIGEST = "digest"  # a part of the weekly digest: text, chart, workbook or report
    UNREACHABLE = "unreachable"  # coordinators told that a person no longer receives messages
    EXTENSION_REQUEST = "extension_request"  # coordinators asked to approve a new deadline
    EXTENSION_DECISION = "extension_decision"  # the unit told what was decided
    EDIT = "edit"  # a message already delivered, rewritten in place (a request once decided)


class DigestKind(StrEnum):
    WEEKLY = "weekly"
    REPORT = "report"  # the written report at a quarter's, half-year's or year's end
