"""Every word a person reads, in Vietnamese, in one place."""

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from storage.vocab import AssignmentRole, AssignmentStatus, TaskKind

if TYPE_CHECKING:
    from bot.importing.plan_writer import PlanReport

STATUS = {
    AssignmentStatus.NOT_STARTED: "Chưa thực hiện",
    AssignmentStatus.IN_PROGRESS: "Đang thực hiện",
    AssignmentStatus.DONE: "Hoàn thành",
    AssignmentStatus.BLOCKED: "Vướng mắc",
    AssignmentStatus.EXTENSION_REQUESTED: "Xin gia hạn",
}
ROLE = {AssignmentRole.LEAD: "chủ trì", AssignmentRole.SUPPORT: "phối hợp"}
KIND = {TaskKind.ONCE: "một lần", TaskKind.ONGOING: "thường xuyên", TaskKind.RECURRING: "định kỳ"}
UNIT_KIND = {
    "department": "Phòng/ban",
    "service_unit": "Đơn vị sự nghiệp",
    "commune": "Xã",
    "town": "Thị trấn",
    "other": "Khác",
}

# Column labels used in import errors.
COL_CODE = "STT"
COL_AREA = "Lĩnh vực"
COL_LEAD = "Đơn vị chủ trì"
COL_SUPPORT = "Đơn vị phối hợp"
COL_DEADLINE = "Thời hạn hoàn thành"
COL_UNIT_KIND = "Loại đơn vị"

DEADLINE_ERRORS = {
    "empty": "chưa ghi thời hạn",
    "unreadable": "không hiểu thời hạn {spec!r} (ví dụ đúng: 30/6/2023, Quý II/2023, "
    "tháng 6/2023, 6 tháng đầu năm 2023, năm 2023, thường xuyên, hàng quý)",
    "invalid_date": "ngày không có thật trong thời hạn {spec!r}",
}
MISSING_CODE = "thiếu số thứ tự (STT) — cần có để nhận lại nhiệm vụ khi nhập lại tệp"
NEED_PLAN_NUMBER = "Chưa có số kế hoạch: thêm --plan-number (ví dụ --plan-number 32/KH-UBND)."
NEED_PLAN_YEAR = (
    "Chưa biết năm của kế hoạch: thêm --plan-date (ví dụ --plan-date 2023-02-24) hoặc --year."
)
NO_UNITS_YET = "Chưa có danh sách đơn vị. Hãy nhập trước: nhacviec units import TỆP_ĐƠN_VỊ"
IMPORT_FAILED = "Không nhập được tệp {path}: {count} lỗi, chưa ghi gì vào cơ sở dữ liệu."
PLAN_NOT_FOUND = "Không có kế hoạch số {number!r}."
UNIT_NOT_FOUND = "Không tìm thấy đơn vị {name!r}. Xem danh sách: nhacviec units list"
BAD_STATUS = "Trạng thái {value!r} không hợp lệ; dùng một trong: {choices}."
BAD_DATETIME = "Thời điểm {value!r} không hợp lệ; dùng dạng 2023-07-01 hoặc 2023-07-01T08:00."
FILE_NOT_FOUND = "Không tìm thấy tệp {path}."
NO_ASSIGNMENTS = "Không có nhiệm vụ nào phù hợp."
NO_OVERDUE = "Không có nhiệm vụ quá hạn tại thời điểm {at}."
NO_UNITS = "Chưa có đơn vị nào."


def bad_unit_kind(raw: str | None) -> str:
    return f"loại đơn vị {raw!r} không rõ; dùng: Phòng/ban, Đơn vị sự nghiệp, Xã, Thị trấn"


def name_used_twice(name: str) -> str:
    return f"tên {name!r} đã dùng cho một đơn vị hoặc nhóm khác"


def unknown_units(names: tuple[str, ...]) -> str:
    listed = "; ".join(repr(n) for n in names)
    return f"không có trong danh sách đơn vị: {listed} (thêm tên gọi khác vào danh sách đơn vị)"


def duplicate_code(code: str, first_row: int) -> str:
    return f"mã nhiệm vụ {code!r} trùng với dòng {first_row}"


def lead_missing_units() -> str:
    return "không nêu đơn vị chủ trì nào"


def units_imported(created: int, updated: int, groups: int) -> str:
    return f"Đã nhập danh sách đơn vị: {created} đơn vị mới, {updated} cập nhật, {groups} nhóm."


def plan_imported(report: "PlanReport") -> str:
    return (
        f"Đã nhập Kế hoạch {report.plan_number}: {report.tasks_created} nhiệm vụ mới, "
        f"{report.tasks_updated} cập nhật, {report.tasks_cancelled} hủy bỏ; "
        f"{report.assignments_active} lượt giao việc cho {report.units} đơn vị."
    )


def ddmmyyyy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def overdue_days(days: int) -> str:
    return f"quá {days} ngày"


CHANNELS_NOT_BUILT = (
    "Kênh Telegram/Zalo chưa có trong phiên bản này; hãy bỏ TELEGRAM_BOT_TOKEN và "
    "ZALO_BOT_TOKEN khỏi .env để chạy kênh dòng lệnh. "
    "(Telegram/Zalo channels are not built yet; unset the tokens to use the console.)"
)
EXAMPLE_LOADED = "Cơ sở dữ liệu còn trống: đã nạp kế hoạch ví dụ. {summary}"
CONSOLE_HELP = (
    "Các lệnh:\n"
    "  /status — tổng hợp trạng thái các nhiệm vụ\n"
    "  /tasks [tên đơn vị] — danh sách nhiệm vụ (của một đơn vị)\n"
    "  /overdue — nhiệm vụ quá hạn, quá hạn lâu nhất trước\n"
    "  /help — hướng dẫn · /thoat — thoát"
)
CONSOLE_WELCOME = "Nhắc việc — kênh dòng lệnh.\n" + CONSOLE_HELP


def console_status(counts: Mapping[str, int], overdue: int, total: int) -> str:
    parts = [f"{label}: {counts.get(status, 0)}" for status, label in STATUS.items()]
    return f"Tổng {total} lượt giao việc · " + " · ".join(parts) + f" · Quá hạn: {overdue}"
