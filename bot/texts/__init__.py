"""Every word a person reads, in Vietnamese, in one place."""

from bot.texts.common import person_role

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


def overdue_days(days: int) -> str:
    return f"quá {days} ngày"


NO_EXAMPLES = (
    "Cơ sở dữ liệu còn trống và không thấy kế hoạch ví dụ ở {path}. Hãy chạy từ thư mục dự án, "
    "chỉ đường dẫn bằng --examples, hoặc nhập kế hoạch trước: nhacviec units import …, "
    "nhacviec import …"
)
EXAMPLE_LOADED = "Cơ sở dữ liệu còn trống: đã nạp kế hoạch ví dụ. {summary}"


def console_welcome(role: str, unit: str | None) -> str:
    who = person_role(role) + (f" của {unit}" if unit else "")
    return (
        f"Nhắc việc — kênh dòng lệnh. Anh/chị đang dùng thử với vai trò {who}.\n"
        "Gõ /help để xem các lệnh, /thoat để thoát. Các nút được đánh số: gõ số để chọn."
    )


UNIT_REQUIRED = 'Vai trò đầu mối cần tên đơn vị, ví dụ --unit "Phòng Tư pháp".'
BAD_INVITE_DAYS = "Số ngày hiệu lực của mã mời phải từ 1 đến 90."


def invite_printed(role: str, unit: str, code: str, expires: str, bot_username: str | None) -> str:
    lines = [
        f"Mã mời {role} {unit}".rstrip() + f" (dùng một lần, hết hạn {expires}):",
        code,
        f"Trên Telegram: mở bot và gửi /start {code}",
    ]
    if bot_username:
        lines.append(f"Đường dẫn: https://t.me/{bot_username.lstrip('@')}?start={code}")
    return "\n".join(lines)
