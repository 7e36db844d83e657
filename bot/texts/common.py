"""The shared vocabulary: the names of statuses, roles and unit kinds, one wording each."""

from bot.texts.dates import occurrence
from storage.vocab import AssignmentRole, AssignmentStatus, PersonRole, UnitKind

STATUS: dict[str, str] = {  # keyed by the stored value (a StrEnum is its str)
    AssignmentStatus.NOT_STARTED: "Chưa thực hiện",
    AssignmentStatus.IN_PROGRESS: "Đang thực hiện",
    AssignmentStatus.DONE: "Hoàn thành",
    AssignmentStatus.BLOCKED: "Vướng mắc",
    AssignmentStatus.EXTENSION_REQUESTED: "Xin gia hạn",
}
# Not stored statuses but how the figures split them: by the deadline.
OVERDUE = "Quá hạn"
DONE_ON_TIME = "Hoàn thành đúng hạn"
DONE_LATE = "Hoàn thành quá hạn"

# The row for tasks the plan puts under no area (chat /status, digest, report).
NO_AREA = "Chưa phân lĩnh vực"

# What a unit does in a task (the plan's "Đơn vị chủ trì" / "Đơn vị phối hợp").
ASSIGNMENT_ROLE: dict[str, str] = {
    AssignmentRole.LEAD: "chủ trì",
    AssignmentRole.SUPPORT: "phối hợp",
}

# Who a registered person is; a deputy is a focal person standing in for the head.
PERSON_ROLE: dict[str, str] = {
    PersonRole.FOCAL: "cán bộ đầu mối",
    PersonRole.COORDINATOR: "Phòng Nội vụ (theo dõi, tổng hợp)",
    PersonRole.LEADER: "lãnh đạo UBND huyện",
}
DEPUTY = "cán bộ đầu mối (thay khi vắng)"

UNIT_KIND: dict[str, str] = {
    UnitKind.DEPARTMENT: "Phòng/ban",
    UnitKind.SERVICE_UNIT: "Đơn vị sự nghiệp",
    UnitKind.COMMUNE: "Xã",
    UnitKind.TOWN: "Thị trấn",
    UnitKind.OTHER: "Khác",
}


def person_role(role: str, *, deputy: bool = False) -> str:
    """A person's role as people say it; an unknown role shows as it is stored."""
    if deputy:
        return DEPUTY
    return PERSON_ROLE.get(role, role)


def task_ref(code: str, occurrence_key: str = "") -> str:
    """A task as lists and messages name it: its code, and for one occurrence of a recurring
    task the period it is for, "1.7 (quý I/2024)"."""
    period = occurrence(occurrence_key)
    return f"{code} ({period})" if period else code
