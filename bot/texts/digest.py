"""The digest's words: the chat message, its captions, the chart and the Excel sheets."""

from bot.texts import common as c
from storage.vocab import AssignmentStatus as S

# The chat message (see CONVERSATIONS.md, "Weekly digest").
HEAD = "📋 TỔNG HỢP TUẦN {first}–{last} — Kế hoạch {plan}"
DONE = "Hoàn thành {done}/{total} nhiệm vụ ({pct}%{change})"
DONE_CHANGE = ", {delta} so với tuần trước"
DONE_LATE = ", trong đó {late} hoàn thành quá hạn."
BREAKDOWN = "Đang thực hiện {in_progress} · Vướng mắc {blocked} · Xin gia hạn {extension} · Chưa thực hiện {not_started}"
# The same without the extension count, for a week with no extension asked.
BREAKDOWN_NO_EXTENSION = (
    "Đang thực hiện {in_progress} · Vướng mắc {blocked} · Chưa thực hiện {not_started}"
)
OVERDUE_TOTAL = "Quá hạn {overdue}"
SILENT = "Đơn vị chưa phản hồi 14 ngày: {names}."
ATTACHED = "(Biểu đồ và tệp Excel chi tiết gửi kèm.)"
BY_AREA = "Theo lĩnh vực"
AREA_LINE = "{n}. {name}: {done}/{total} nhiệm vụ ({pct}%){overdue}"
LINE_OVERDUE = " · quá hạn {count}"
BY_UNIT = "Theo đơn vị chủ trì (lượt giao, xếp theo tỉ lệ hoàn thành)"
BY_UNIT_TOP = "Cao nhất:"
BY_UNIT_BOTTOM = "Thấp nhất:"
UNIT_LINE = "{rank}. {name} — {done}/{total} lượt ({pct}%){overdue}"
SUPPORT_HEAD = "Đơn vị phối hợp (không tính xếp hạng)"
SUPPORT_LINE = (
    "{total} lượt phối hợp của {units} đơn vị: đã hoàn thành {done}, chưa hoàn thành {open}."
)
OVERDUE_HEAD = "Quá hạn ({count} lượt giao)"
OVERDUE_LINE = "{n}. {code} {title} — {unit} — quá {days} ngày làm việc"
BLOCKERS_HEAD = "Vướng mắc ({count})"
BLOCKER_LINE = "• {code} {title} — {unit}{note}"
BLOCKER_NOTE = ': "{note}"'
ATTENTION_HEAD = "Đơn vị cần chú ý"
UNREACHABLE = "Không liên lạc được: {names}."
NO_FOCAL = "Chưa có đầu mối: {names}."
DUE_HEAD = "Đến hạn tuần tới ({first}–{last})"
DUE_LINE = "• {code} {title} — {unit} — hạn {day}"
NOTHING_DUE = "Không có nhiệm vụ đến hạn tuần tới."
MORE_ROWS = "… và {count} mục khác (xem tệp Excel)."
MORE_NAMES = "và {count} đơn vị khác"

# Captions of the files sent after the message.
CHART_CAPTION = "Biểu đồ tiến độ — Kế hoạch {plan}, tuần {first}–{last}"
WORKBOOK_CAPTION = "Số liệu chi tiết (Excel) — Kế hoạch {plan}, đến {day}"
REPORT_CAPTION = "Dự thảo báo cáo {period} — Kế hoạch {plan} (Word)"

# The chart.
CHART_TITLE = "Tiến độ Kế hoạch {plan} — đến {day}"
CHART_AREAS = "Theo lĩnh vực"
CHART_UNITS = "Theo đơn vị"
CHART_UNITS_CUT = "Theo đơn vị: {top} cao nhất và {bottom} thấp nhất trong {count} đơn vị"
CHART_ON_TIME = c.DONE_ON_TIME
CHART_LATE = c.DONE_LATE
CHART_OPEN = "Chưa hoàn thành"
CHART_AXIS = "Tỉ lệ hoàn thành (%)"
CHART_EMPTY = "Chưa có nhiệm vụ"

# The Excel file.
SHEET_SUMMARY = "Tổng hợp"
SHEET_AREAS = "Theo lĩnh vực"
SHEET_UNITS = "Theo đơn vị"
SHEET_OVERDUE = "Quá hạn"
SHEET_BLOCKERS = "Vướng mắc"
SHEET_DUE = "Đến hạn tuần tới"
SHEET_WATCH = "Đơn vị cần chú ý"
SHEET_SUPPORT = "Đơn vị phối hợp"
SUMMARY_HEADER = ("Chỉ tiêu", "Giá trị", "Tỉ lệ (%)", "Thay đổi so với lần trước")
SUMMARY_ROWS = (
    ("plan", "Kế hoạch"),
    ("at", "Số liệu đến"),
    ("total", "Số nhiệm vụ"),
    ("done", c.STATUS[S.DONE]),
    ("done_on_time", c.DONE_ON_TIME),
    ("done_late", c.DONE_LATE),
    ("in_progress", c.STATUS[S.IN_PROGRESS]),
    ("not_started", c.STATUS[S.NOT_STARTED]),
    ("blocked", c.STATUS[S.BLOCKED]),
    ("extension_requested", c.STATUS[S.EXTENSION_REQUESTED]),
    ("overdue", "Quá hạn (chưa hoàn thành)"),
    ("lead", "Số lượt giao chủ trì"),
    ("lead_done", "Lượt chủ trì đã hoàn thành"),
    ("support", "Số lượt phối hợp"),
    ("support_done", "Lượt phối hợp đã hoàn thành"),
)
COUNT_HEADER = (
    "Tổng số",
    c.DONE_ON_TIME,
    c.DONE_LATE,
    c.STATUS[S.IN_PROGRESS],
    c.STATUS[S.NOT_STARTED],
    c.STATUS[S.BLOCKED],
    c.STATUS[S.EXTENSION_REQUESTED],
    c.OVERDUE,
    "Tỉ lệ hoàn thành (%)",
    "Thay đổi số hoàn thành",
)
AREAS_HEADER = ("STT", "Lĩnh vực", *COUNT_HEADER)
UNITS_HEADER = ("Xếp hạng", "Đơn vị chủ trì", *COUNT_HEADER)
SUPPORT_HEADER = ("STT", "Đơn vị phối hợp", *COUNT_HEADER)
OVERDUE_HEADER = (
    "STT",
    "Mã nhiệm vụ",
    "Nhiệm vụ",
    "Lĩnh vực",
    "Đơn vị",
    "Hạn",
    "Số ngày quá hạn",
    "Số ngày làm việc quá hạn",
    "Trạng thái",
)
BLOCKERS_HEADER = ("STT", "Mã nhiệm vụ", "Nhiệm vụ", "Đơn vị", "Hạn", "Vướng mắc từ", "Nội dung")
DUE_HEADER = ("STT", "Mã nhiệm vụ", "Nhiệm vụ", "Đơn vị", "Hạn", "Trạng thái")
WATCH_HEADER = ("Đơn vị", "Lý do", "Chi tiết")
WATCH_SILENT = "Chưa phản hồi 14 ngày"
WATCH_UNREACHABLE = "Không liên lạc được"
WATCH_NO_FOCAL = "Chưa có đầu mối"
WATCH_LAST = "Cập nhật gần nhất {day}"
WATCH_NEVER = "Chưa có cập nhật"
WATCH_SINCE = "{people} (từ {day})"
