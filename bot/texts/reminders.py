"""Words for reminder previews and load simulations (`nhacviec remind`, `nhacviec simulate`)."""

from collections.abc import Mapping
from datetime import date, datetime

from bot.texts.dates import day, month, weekday_day, weekday_moment
from storage.vocab import ReminderKind

K = ReminderKind
KIND = {
    K.BEFORE_7D: "Trước hạn 7 ngày",
    K.BEFORE_3D: "Trước hạn 3 ngày",
    K.BEFORE_1WD: "Trước hạn 1 ngày làm việc",
    K.DUE_TODAY: "Đến hạn",
    K.OVERDUE: "Quá hạn",
    K.ESCALATION: "Báo Phòng Nội vụ",
    K.MONTHLY_CHECKIN: "Hỏi tiến độ đầu tháng",
    K.SNOOZED: "Nhắc lại theo hẹn",
}
GAP = {
    "no_focal": "chưa có đầu mối",
    "no_deputy": "đầu mối vắng, chưa có cấp phó",
    "no_coordinator": "chưa có cán bộ Phòng Nội vụ",
}
NO_CHANNEL = "chưa kết nối"
HEADERS = ["Mã", "Đơn vị", "Loại nhắc", "Người nhận", "Kênh", "Hạn nhắc", "Lý do"]

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
    parts = [f"{KIND.get(k, k)}: {n}" for k, n in kinds.items()]  # type: ignore[call-overload]
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
