"""What the command line says to the person at the terminal (`nhacviec ...`)."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.texts.common import person_role
from bot.texts.dates import day, month, weekday_day, weekday_moment
from bot.texts.import_errors import by_unit, listed_tasks
from storage.vocab import ReminderKind

if TYPE_CHECKING:
    from bot.importing.plan_writer import PlanReport
    from bot.importing.unit_register import UnitsReport


# `nhacviec --help` and `nhacviec <command> --help`: the parser's description, the title over
# the commands, and each command's and option's help, keyed "command" and "command option".
DESCRIPTION = "Nhắc việc: nhắc hạn và theo dõi tiến độ nhiệm vụ kế hoạch."
COMMANDS_TITLE = "lệnh"
CHAT_DEFAULT_NAME = "Người dùng dòng lệnh"  # `nhacviec chat --name` when not given
DEMO_NAME = "Người dùng thử"  # the person at the terminal in `make run`
HELP: dict[str, str] = {
    # nhacviec run
    "run": "chạy dịch vụ (không có token: kênh dòng lệnh)",
    "run --examples": "thư mục ví dụ",
    # nhacviec chat
    "chat": "trò chuyện với bot trong cửa sổ dòng lệnh",
    "chat --unit": "đơn vị của người dùng (bắt buộc với đầu mối)",
    "chat --name": "họ tên hiển thị",
    # nhacviec invite
    "invite": "tạo mã mời đăng ký với bot",
    "invite unit": "tên đơn vị (bắt buộc với đầu mối)",
    "invite --deputy": "đầu mối phó của đơn vị",
    "invite --days": "số ngày hiệu lực (mặc định 7)",
    "invite --bot-username": "tên bot Telegram, để in đường dẫn mời",
    # nhacviec import
    "import": "nhập phụ lục nhiệm vụ (.xlsx, .csv, .yaml)",
    "import --plan-number": "số kế hoạch, ví dụ 32/KH-UBND",
    "import --plan-date": "ngày ban hành, ví dụ 2023-02-24",
    "import --plan-title": "trích yếu kế hoạch",
    "import --issuing-body": "cơ quan ban hành, ví dụ UBND huyện Hương Khê",
    "import --year": "năm thực hiện (mặc định: năm ban hành)",
    # nhacviec units
    "units": "danh sách đơn vị",
    "units import": "nhập danh sách đơn vị (.xlsx, .csv, .yaml)",
    "units list": "xem danh sách đơn vị",
    # nhacviec tasks
    "tasks": "xem nhiệm vụ đã giao",
    "tasks --plan": "số kế hoạch",
    "tasks --unit": "tên đơn vị (hoặc tên gọi khác)",
    "tasks --status": "not_started, in_progress, done, blocked, ...",
    # nhacviec overdue
    "overdue": "xem nhiệm vụ quá hạn",
    "overdue --at": "tại thời điểm, ví dụ 2023-07-01T08:00",
    "overdue --plan": "số kế hoạch",
    # nhacviec remind
    "remind": "ghi lời nhắc đến hạn vào hàng đợi gửi (--dry-run: xem)",
    "remind --dry-run": "chỉ xem trước, không ghi gì",
    "remind --at": "lúc xem trước, ví dụ 2023-06-23T08:00",
    "remind --plan": "số kế hoạch, ví dụ 32/KH-UBND",
    # nhacviec simulate
    "simulate": "mô phỏng số lời nhắc từng ngày làm việc",
    "simulate --from": "từ ngày",
    "simulate --to": "đến ngày",
    "simulate --plan": "số kế hoạch",
    # nhacviec people
    "people": "người đã đăng ký; đánh dấu vắng mặt",
    "people list": "danh sách người đã đăng ký",
    "people list --unit": "chỉ một đơn vị",
    "people away": "đánh dấu vắng: lời nhắc chuyển cho đầu mối phó",
    "people away person_id": "mã số người (xem: nhacviec people list)",
    "people away --back": "đã trở lại làm việc",
    # nhacviec digest
    "digest": "lập bản tổng hợp tuần: nội dung, biểu đồ, Excel, báo cáo",
    "digest --at": "số liệu tại thời điểm, ví dụ 2023-06-30T15:00",
    "digest --plan": "số kế hoạch, ví dụ 32/KH-UBND (mặc định: mọi kế hoạch)",
    "digest --out": "thư mục ghi tệp (mặc định: data/digests/...)",
    "digest --format": "text,png,xlsx,docx (docx: báo cáo của kỳ gần nhất đã chốt số liệu)",
    "units import --replace": "bỏ cả tên gọi khác, nhóm mà nhiệm vụ đang giao còn dựa vào",
}


def plan_imported(report: "PlanReport") -> str:
    """The counts, then every task and unit whose work the import cancelled."""
    gone = f" ({listed_tasks(report.cancelled_codes)})" if report.cancelled_codes else ""
    lines = [
        f"Đã nhập Kế hoạch {report.plan_number}: {report.tasks_created} nhiệm vụ mới, "
        f"{report.tasks_updated} cập nhật, {report.tasks_cancelled} hủy bỏ{gone}; "
        f"{report.assignments_active} lượt giao việc cho {report.units} đơn vị."
    ]
    by_unit: dict[str, list[str]] = {}
    for unit, code in report.cancelled_work:
        by_unit.setdefault(unit, []).append(code)
    if by_unit:
        lines.append(
            f"Đã hủy {report.assignments_cancelled} lượt giao việc "
            f"({len(report.cancelled_work)} nhiệm vụ của {len(by_unit)} đơn vị):"
        )
        lines += [f"- {unit}: {listed_tasks(codes)}" for unit, codes in by_unit.items()]
    return "\n".join(lines)


CONFIG_ERROR = "Cấu hình chưa đúng / configuration error: {error}"
DB_READ_ONLY = (
    "Không ghi được vào cơ sở dữ liệu {path}: tệp hoặc ổ đĩa chỉ cho phép đọc. "
    "Kiểm tra quyền ghi rồi chạy lại."
)
DISK_FULL = (
    "Không ghi được vào cơ sở dữ liệu {path}: ổ đĩa đã đầy. Hãy giải phóng chỗ trống rồi chạy lại."
)
DB_FAILED = "Lỗi cơ sở dữ liệu {path}: {error}"
DISK_ERROR = "Lỗi đọc/ghi tệp {path}: {error}"
BOT_API_UNREACHABLE = (
    "Không kết nối được Bot API của kênh nhắn tin ({error}). Kiểm tra mạng, "
    "TELEGRAM_API_BASE_URL / ZALO_API_BASE_URL rồi chạy lại."
)
NO_PLANS = "Chưa có kế hoạch nào để tổng hợp."
WROTE = "Đã ghi: {path}"
BAD_FORMAT = "định dạng {unknown} không có; dùng: {choices}"

IMPORT_FAILED = "Không nhập được tệp {path}: {count} lỗi, chưa ghi gì vào cơ sở dữ liệu."
PLAN_NOT_FOUND = "Không có kế hoạch số {number!r}."
UNIT_NOT_FOUND = "Không tìm thấy đơn vị {name!r}. Xem danh sách: nhacviec units list"
BAD_STATUS = "Trạng thái {value!r} không hợp lệ; dùng một trong: {choices}."
NO_ASSIGNMENTS = "Không có nhiệm vụ nào phù hợp."
NO_OVERDUE = "Không có nhiệm vụ quá hạn tại thời điểm {at}."
NO_UNITS = "Chưa có đơn vị nào."


def units_imported(report: "UnitsReport") -> str:
    """The counts, then every alias and membership the file took away, and the work affected."""
    lines = [
        f"Đã nhập danh sách đơn vị: {report.created} đơn vị mới, {report.updated} cập nhật, "
        f"{report.groups} nhóm."
    ]
    found = report.changes
    if found.removed_aliases:
        listed = "; ".join(f"{unit}: “{alias}”" for unit, alias in found.removed_aliases)
        lines.append(
            f"Đã bỏ {len(found.removed_aliases)} tên gọi khác không còn trong tệp: {listed}."
        )
    if found.removed_members:
        listed = "; ".join(f"{unit} khỏi nhóm “{group}”" for unit, group in found.removed_members)
        lines.append(f"Đã đưa {len(found.removed_members)} lượt ra khỏi nhóm: {listed}.")
    for unit, tasks in by_unit(found.orphaned).items():
        lines.append(
            f"{unit}: {len(tasks)} nhiệm vụ đang giao ({listed_tasks(tasks)}) sẽ bị hủy "
            "khi nhập lại kế hoạch (--replace)."
        )
    return "\n".join(lines)


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
        f"Trên Zalo: tìm bot và gửi mã {code} làm tin nhắn đầu tiên",
    ]
    if bot_username:
        lines.append(f"Đường dẫn: https://t.me/{bot_username.lstrip('@')}?start={code}")
    return "\n".join(lines)


# `nhacviec assignments`, `nhacviec overdue`, `nhacviec units list`.
ASSIGNMENT_HEADERS = [
    "Mã",
    "Nhiệm vụ",
    "Lĩnh vực",
    "Đơn vị",
    "Vai trò",
    "Hạn",
    "Trạng thái",
    "Quá hạn",
]
ASSIGNMENTS_TOTAL = "Tổng: {count} lượt giao việc, {overdue} quá hạn (tính đến {day})."
OVERDUE_HEADERS = ["STT", "Mã", "Nhiệm vụ", "Đơn vị", "Hạn", "Quá hạn", "Trạng thái"]
OVERDUE_TITLE = "Nhiệm vụ quá hạn tại {at}: {count} ({units} đơn vị)"
UNIT_HEADERS = ["Tên đơn vị", "Loại", "Nhóm", "Tên gọi khác"]
UNITS_TOTAL = "Tổng: {count} đơn vị."
IMPORT_ERROR_LINE = "  • {error}"

# `nhacviec people`.
PEOPLE_HEADERS = ["Mã", "Họ tên", "Vai trò", "Đơn vị", "Kênh", "Vắng", "Không gửi được"]
YES = "có"
NOBODY = "Chưa có ai đăng ký."
PEOPLE_UNIT_NOT_FOUND = "Không tìm thấy đơn vị {name!r}."
NO_SUCH_PERSON = "Không có người mang mã số {id}. Xem danh sách: nhacviec people list"
MARKED_AWAY = "Đã đánh dấu {name} vắng mặt: lời nhắc của đơn vị chuyển cho đầu mối phó."
MARKED_BACK = "Đã đánh dấu {name} trở lại làm việc: lời nhắc gửi lại cho {name}."


# `nhacviec remind` and `nhacviec simulate`: previews and load simulations.
K = ReminderKind
REMINDER_KIND: dict[str, str] = {
    K.BEFORE_7D: "Trước hạn 7 ngày",
    K.BEFORE_3D: "Trước hạn 3 ngày",
    K.BEFORE_1WD: "Trước hạn 1 ngày làm việc",
    K.DUE_TODAY: "Đến hạn",
    K.OVERDUE: "Quá hạn",
    K.ESCALATION: "Báo Phòng Nội vụ",
    K.MONTHLY_CHECKIN: "Hỏi tiến độ đầu tháng",
    K.SNOOZED: "Nhắc lại theo hẹn",
    K.SUPPORT_NOTICE: "Báo đơn vị phối hợp",
}
GAP = {
    "no_focal": "chưa có đầu mối",
    "no_deputy": "đầu mối vắng, chưa có cấp phó",
    "no_coordinator": "chưa có cán bộ Phòng Nội vụ",
}
NO_CHANNEL = "chưa kết nối"
REMINDER_HEADERS = ["Mã", "Đơn vị", "Loại nhắc", "Người nhận", "Kênh", "Hạn nhắc", "Lý do"]

BAD_CONFIG = "Cấu hình nhắc việc chưa đúng / reminder configuration error: {error}"
AT_NEEDS_DRY_RUN = "--at chỉ dùng cùng --dry-run (xem trước, không ghi gì)."
BAD_RANGE = "Khoảng ngày không hợp lệ: --from {start} sau --to {end}."
RANGE_TOO_LONG = "Khoảng mô phỏng tối đa {days} ngày."
BAD_DATE = "Ngày {value!r} không hợp lệ; dùng dạng 2023-07-01 hoặc 01/07/2023."
BAD_MOMENT = "Thời điểm {value!r} không hợp lệ; dùng dạng 2023-07-03T08:00 hoặc 2023-07-03."
OUTSIDE_WINDOW = (
    "{at}: ngoài giờ gửi ({start}–{end} các ngày làm việc) — không gửi gì lúc này; "
    "lời nhắc chờ đến khung giờ kế tiếp."
)
NOTHING_DUE = "{at}: không có lời nhắc nào cần gửi."
SIM_NOTHING = "Không có lời nhắc nào trong khoảng {start} – {end}."


def preview_title(at: datetime, count: int, units: int) -> str:
    return f"Xem trước lúc {weekday_moment(at)}: {count} lời nhắc cho {units} đơn vị (chưa ghi gì)."


def reason(kind: str, *, deadline: date, slot_day: date, late: int, today: date) -> str:
    """Why a reminder goes out; `late` is working days past the deadline."""
    if kind in (K.BEFORE_7D, K.BEFORE_3D, K.BEFORE_1WD):
        text = f"còn {(deadline - slot_day).days} ngày đến hạn {day(deadline)}"
    elif kind == K.DUE_TODAY:
        text = f"hạn {day(deadline)}" + (
            "" if slot_day == deadline else " (ngày nghỉ, nhắc ngày làm việc trước đó)"
        )
    elif kind in (K.OVERDUE, K.ESCALATION):
        text = f"quá hạn {late} ngày làm việc (hạn {day(deadline)})"
    elif kind == K.MONTHLY_CHECKIN:
        text = f"nhiệm vụ thường xuyên, hỏi tiến độ tháng {month(slot_day)}"
    else:
        text = "đã hẹn nhắc lại"
    return text if slot_day >= today else text + " (nhắc bù)"


def person(name: str | None, stands_in_for: str | None, gap: str | None) -> str:
    if name is None:
        return GAP.get(gap or "", "—")
    return name if stands_in_for is None else f"{name} (thay {stands_in_for} vắng)"


def simulation_title(start: date, end: date, plans: str) -> str:
    return f"Mô phỏng lời nhắc {day(start)} – {day(end)}, {plans} (không gửi, không ghi)."


def simulation_day(on: date, total: int, kinds: Mapping[str, int]) -> str:
    parts = [f"{REMINDER_KIND.get(k, k)}: {n}" for k, n in kinds.items()]
    return f"{weekday_day(on)}: {total} lời nhắc — " + ", ".join(parts)


def simulation_units(units: Mapping[str, int], shown: int = 6) -> str:
    """The busiest units first; the rest as a count, so a line stays readable."""
    items = list(units.items())
    text = "    " + " · ".join(f"{name}: {n}" for name, n in items[:shown])
    return text if len(items) <= shown else text + f" · và {len(items) - shown} đơn vị khác"


def simulation_total(total: int, days: int, busiest: date, most: int) -> str:
    return (
        f"Tổng: {total} lời nhắc trong {days} ngày làm việc; nhiều nhất {most} vào {day(busiest)}."
    )


def all_plans() -> str:
    return "mọi kế hoạch"


def plan(number: str) -> str:
    return f"Kế hoạch {number}"


def swept(written: int, at: datetime, unreached: int) -> str:
    text = f"Đã ghi {written} lời nhắc vào hàng đợi gửi lúc {weekday_moment(at)}."
    return text if not unreached else text + f" {unreached} lời nhắc chưa có người nhận."
