"""What the bot says in chat: replies, delivered reminders and notices, the command menu.

Short, polite, readable on a phone (see CONVERSATIONS.md).
"""

from datetime import date

from bot.texts.common import STATUS
from bot.texts.dates import day
from storage.vocab import AssignmentStatus, PersonRole

NOT_REGISTERED = (
    "Anh/chị chưa được đăng ký sử dụng bot này. Vui lòng liên hệ Phòng Nội vụ để nhận mã mời."
)
INVITE_INVALID = (
    "Mã mời này đã hết hạn hoặc đã được sử dụng. Vui lòng liên hệ Phòng Nội vụ để nhận mã mới."
)
ALREADY_REGISTERED = "Anh/chị đã đăng ký rồi ({who}). Gõ /help để xem hướng dẫn."
WELCOME_BACK = "Chào anh/chị {name}. Gõ /help để xem hướng dẫn."
GROUP_NOT_SET_UP = (
    "Bot chỉ làm việc trong tin nhắn riêng. Vui lòng nhắn riêng cho bot để báo cáo tiến độ."
)
STICKER = "Bot chưa đọc được nhãn dán. Vui lòng nhắn bằng chữ hoặc gõ /help."
TOO_LONG = "Tin nhắn quá dài ({length} ký tự, tối đa {limit}). Vui lòng gửi ngắn gọn hơn."
FILE_AT = "{text}\nTệp: {path}"  # where a channel cannot carry the file itself
FILE_TOO_BIG = "Tệp quá lớn ({size} MB, tối đa {limit} MB). Vui lòng gửi tệp nhỏ hơn."
DOWNLOAD_FAILED = "Bot chưa tải được tệp anh/chị gửi. Vui lòng gửi lại sau ít phút."
SLOW_DOWN = "Anh/chị gửi nhanh quá. Vui lòng chờ khoảng một phút rồi gửi tiếp."
UNKNOWN_COMMAND = "Bot không có lệnh {command}. Gõ /help để xem các lệnh."
NOT_ALLOWED = "Anh/chị không có quyền thực hiện thao tác này."
STALE_BUTTON = "Nút này không còn hiệu lực. Gõ /tasks để xem nhiệm vụ hiện tại."
NOT_UNDERSTOOD = (
    "Bot chưa hiểu nội dung. Anh/chị hãy trả lời (reply) vào tin nhắc việc, hoặc gõ "
    '"/update MÃ nội dung", ví dụ "/update 2.1 đang làm 60%".'
)
NEED_TARGET = (
    "Anh/chị gửi tệp này cho nhiệm vụ nào? Hãy gửi tệp bằng cách trả lời (reply) vào tin "
    "nhắc việc của nhiệm vụ đó."
)
# Where a person cannot reply to a message (Zalo, the console): pick the task or name it.
NOT_UNDERSTOOD_NO_REPLY = (
    'Bot chưa hiểu nội dung. Anh/chị hãy ghi mã nhiệm vụ ở đầu, ví dụ "2.1 đang làm 60%", '
    "hoặc gõ /tasks để chọn nhiệm vụ rồi nhắn nội dung."
)
NEED_TARGET_NO_REPLY = (
    "Anh/chị gửi tệp này cho nhiệm vụ nào? Hãy gõ /tasks, chọn nhiệm vụ đó rồi gửi lại tệp."
)
ASK_BLOCKER = "Anh/chị vui lòng nhắn ngắn gọn nội dung vướng mắc của nhiệm vụ {code}."
ASK_EXTENSION = "Anh/chị đề xuất gia hạn nhiệm vụ {code} đến ngày nào? (ví dụ {example})"
ASK_PROGRESS = "Anh/chị nhắn thêm tỉ lệ hoàn thành nếu có (ví dụ 60%)."
BAD_EXTENSION_DATE = (
    "Ngày đề xuất cần sau hạn hiện tại ({deadline}) và không muộn hơn {last}. Ví dụ: {example}"
)
BAD_GRANT_DATE = (
    "Chưa gia hạn nhiệm vụ {code} đến {day}: ngày gia hạn cần sau hạn hiện tại ({deadline}) "
    "và không muộn hơn {last}. Trả lời tin đề nghị bằng một ngày khác, hoặc bấm Đồng ý / "
    "Không đồng ý."
)
NO_DATE = "Bot chưa đọc được ngày. Vui lòng nhắn theo dạng ngày/tháng/năm, ví dụ {example}."
EXTENSION_SENT = "Đã gửi đề nghị gia hạn nhiệm vụ {code} đến {day} tới Phòng Nội vụ."
EXTENSION_REQUEST = (
    "📅 Đề nghị gia hạn nhiệm vụ {code}: {title}\n"
    "Người đề nghị: {name} ({unit})\n"
    "Hạn hiện tại: {old} · Đề nghị gia hạn đến: {new}\n"
    "Lý do: {reason}"
)
EXTENSION_REPLY_HINT = "(Đồng ý đến ngày khác: trả lời tin này bằng ngày, ví dụ {new})"
EXTENSION_APPROVED = "Đã đồng ý gia hạn nhiệm vụ {code} của {unit} đến {day}."
EXTENSION_REFUSED = "Đã không đồng ý gia hạn nhiệm vụ {code} của {unit}."
EXTENSION_DECIDED_FOR_UNIT = "Phòng Nội vụ {verdict} gia hạn nhiệm vụ {code} {detail}."
EXTENSION_ALREADY = "Đề nghị này đã được xử lý."
SNOOZED = "Bot sẽ nhắc lại nhiệm vụ {code} vào {at}."
EVIDENCE_NOT_SAVED = (
    "Chưa lưu được tệp minh chứng vì máy chủ không ghi được tệp (ổ đĩa đầy hoặc chỉ cho đọc). "
    "Anh/chị vui lòng gửi lại sau hoặc báo Phòng Nội vụ."
)
EVIDENCE_SAVED = "Đã lưu minh chứng cho nhiệm vụ {code}: {name} ({size})."
CHOOSE_STATUS = "Chọn trạng thái đúng cho nhiệm vụ {code}:"
CODE_NOT_FOUND = "Không tìm thấy nhiệm vụ {code} của đơn vị anh/chị. Gõ /tasks để xem danh sách."
CODE_IN_PLANS = (
    "Mã {code} có trong nhiều kế hoạch ({plans}). Ghi rõ kế hoạch, ví dụ: "
    "/update {plan} {code} {words}"
)
UPDATE_USAGE = 'Cách dùng: /update MÃ nội dung, ví dụ "/update 2.1 đang làm 60%".'
INVITE_USAGE = (
    "Cách dùng: /invite TÊN ĐƠN VỊ [--pho] (mã cho cán bộ đầu mối; --pho: người thay khi "
    "vắng), /invite điều phối, /invite lãnh đạo"
)
UNIT_UNKNOWN = "Không tìm thấy đơn vị {name!r}."
INVITE_CREATED = "Mã mời {role} {unit} (dùng một lần, hết hạn {expires}):\n{code}\n{link}"
NO_OPEN_TASKS = "Đơn vị không còn nhiệm vụ nào đang mở."
NUMBERED_HINT = "Trả lời: {choices}"
NEXT_TASKS_PAGE = "Gõ /tasks {page} để xem trang sau."
PICK_BY_NUMBER = "Gõ số thứ tự (1–{last}) để cập nhật nhiệm vụ."
FREE_TEXT_HINT = '(hoặc nhắn nội dung, ví dụ "đang làm 60%")'
# An answer that names no task, with several reminders sent the same day: which one?
WHICH_TASK = 'Anh/chị báo "{text}" cho nhiệm vụ nào?'
WHICH_LINE = "{n}. {code} — {title} (hạn {due})"
WHICH_BUTTON = "{n}. Nhiệm vụ {code}"
WHICH_EXPIRED = "Lựa chọn này không còn hiệu lực. Anh/chị vui lòng nhắn lại nội dung cập nhật."

# /kenh: where reminders go, for a person on more than one channel.
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "console": "màn hình lệnh"}
CHANNELS_SHOWN = "Kênh của anh/chị: {channels}.\nTin nhắc việc gửi về: {current} ({why})."
CHANNELS_SWITCH = "Đổi kênh nhận nhắc việc: {choices}"
CHANNELS_ADD = (
    "Thêm kênh khác (Zalo hoặc Telegram): gõ /kenh them để nhận mã liên kết, rồi gửi mã đó "
    "cho bot trên kênh kia."
)
CHANNEL_WHY_CHOSEN = "anh/chị đã chọn"
CHANNEL_WHY_LAST = "kênh anh/chị nhắn gần nhất"
CHANNEL_WHY_FIRST = "mặc định"
CHANNEL_CHOSEN = "Từ nay tin nhắc việc sẽ gửi về {channel}."
CHANNEL_NOT_LINKED = (
    "Anh/chị chưa dùng bot trên {channel}. Gõ /kenh them để nhận mã liên kết, rồi gửi mã đó "
    "cho bot trên {channel}."
)
CHANNEL_UNKNOWN = "Không có kênh '{name}'. Gõ /kenh để xem các kênh của anh/chị."
CHANNEL_CODE = (
    "Mã liên kết (dùng một lần, hết hạn {expires}):\n{code}\n"
    "Mở bot Nhắc việc trên ứng dụng kia (Zalo hoặc Telegram) và gửi mã này làm tin nhắn đầu "
    "tiên. Không chia sẻ mã này cho người khác."
)
CHANNEL_LINKED = (
    "Đã thêm kênh {channel} cho anh/chị {name}. Anh/chị có thể trả lời nhắc việc trên kênh nào "
    "cũng được; tin nhắc việc gửi về kênh anh/chị nhắn gần nhất. Gõ /kenh để chọn kênh."
)

NO_PLANS = "Chưa có kế hoạch nào để tổng hợp."
PLAN_UNKNOWN = "Không có kế hoạch số {number!r}."
UNNAMED = "Chưa rõ tên"  # a person who registers without a display name
PLAN = "Kế hoạch {number}"

# /tasks and a task picked from it.
TASKS_HEAD = "Nhiệm vụ đang mở của {unit}: {count}"
TASKS_PAGE_OF = " (trang {page}/{pages})"
TASK_LINE = "{n}. {code} {title} — hạn {due} — {status}"
TASK_BUTTON = "{label} {code} · hạn {due}"
TASK_CARD = "Nhiệm vụ {code} (hạn {due}): {title}\nTrạng thái: {status}"

# /status and /overdue.
STATUS_ICON = {
    AssignmentStatus.DONE: "✅",
    AssignmentStatus.IN_PROGRESS: "🔄",
    AssignmentStatus.BLOCKED: "⚠️",
    AssignmentStatus.NOT_STARTED: "⏳",
    AssignmentStatus.EXTENSION_REQUESTED: "📅",
}
COUNT = "{icon} {status}: {count}"
UNIT_STATUS_HEAD = "{unit} — {plans} (cập nhật {at})"
UNIT_OVERDUE_HEAD = "Quá hạn ({count}):"
UNIT_OVERDUE_LINE = "• {code} {title} — quá hạn {days} ngày làm việc"
SOON_HEAD = "Sắp đến hạn (7 ngày tới):"
SOON_LINE = "• {code} {title} — hạn {due} (còn {days} ngày)"
OPEN_HEAD = "Nhiệm vụ khác đang mở ({count}):"
OPEN_LINE = "• {code} {title} — hạn {due} — {status}"
OPEN_MORE = "… và {count} nhiệm vụ khác: gõ /tasks để xem hết."
ROLLUP_HEAD = "Tổng hợp — {plans} (cập nhật {at})"
ROLLUP_DONE = "Hoàn thành {done}/{total} nhiệm vụ ({pct}%) · Quá hạn {overdue} nhiệm vụ"
ROLLUP_LEAD_COUNTS = "Lượt giao chủ trì — {counts}"
ROLLUP_BY_AREA = "Theo lĩnh vực (nhiệm vụ):"
ROLLUP_AREA_LINE = "• {name}: {done}/{total} nhiệm vụ hoàn thành, {late} quá hạn"
ROLLUP_BY_UNIT = "Theo đơn vị chủ trì (lượt giao, quá hạn nhiều trước):"
ROLLUP_LINE = "• {name}: {done}/{total} lượt hoàn thành, {late} quá hạn"
ROLLUP_SUPPORT = (
    "Phối hợp (không tính ở trên): {total} lượt của {units} đơn vị, {done} đã hoàn thành."
)
NO_OVERDUE = "Không có nhiệm vụ quá hạn."
OVERDUE_HEAD = "Nhiệm vụ quá hạn: {count} ({units} đơn vị)"
OVERDUE_LINE = "{n}. {code} {title}{unit} — quá {days} ngày làm việc"
OVERDUE_UNIT = " — {unit}"
OVERDUE_MORE = "Trang {page}/{pages}. Gõ /overdue {next} để xem tiếp."

# Extension requests and decisions.
NO_REASON = "(không nêu)"
EXTENSION_NOTE = {True: "Đồng ý gia hạn đến {day}", False: "Không đồng ý gia hạn đến {day}"}
VERDICT = {True: "đồng ý", False: "không đồng ý"}
VERDICT_DETAIL = {True: "đến {day}", False: "(hạn vẫn là {day})"}

BUTTON_LABELS = {
    "done": STATUS[AssignmentStatus.DONE],
    "progress": STATUS[AssignmentStatus.IN_PROGRESS],
    "blocked": STATUS[AssignmentStatus.BLOCKED],
    "extend": STATUS[AssignmentStatus.EXTENSION_REQUESTED],
    "snooze": "Nhắc lại sau",
    "fix": "Sửa",
    "approve": "Đồng ý",
    "refuse": "Không đồng ý",
    "open": "Cập nhật",
}

HELP_FOCAL = (
    "Hướng dẫn:\n"
    '• Bấm nút dưới tin nhắc việc, hoặc trả lời (reply) tin đó, ví dụ "đang làm 60%", '
    '"đã xong", "vướng: chưa có kinh phí".\n'
    "• Gửi ảnh/tệp văn bản bằng cách trả lời tin nhắc việc để làm minh chứng.\n"
    '• Hoặc chọn nhiệm vụ trong /tasks rồi nhắn nội dung, hoặc ghi mã ở đầu: "2.1 xong".\n'
    "/status — tình hình nhiệm vụ của đơn vị\n"
    "/overdue — nhiệm vụ quá hạn\n"
    "/tasks — nhiệm vụ đang mở, có nút cập nhật\n"
    "/update MÃ nội dung — cập nhật nhanh, ví dụ /update 2.1 xong; /xong MÃ — báo hoàn thành\n"
    "/web — xem nhiệm vụ của đơn vị trên trang web\n"
    "/kenh — chọn nhận nhắc việc qua Zalo hay Telegram"
)
# The same where there are no buttons and no reply (Zalo): numbers, task codes, /tasks.
HELP_FOCAL_NO_REPLY = (
    "Hướng dẫn:\n"
    '• Dưới tin nhắc việc, gõ số của lựa chọn (ví dụ "1" là Hoàn thành), hoặc nhắn nội dung '
    'như "đang làm 60%", "đã xong", "vướng: chưa có kinh phí": bot hiểu là cho tin nhắc vừa '
    "gửi (có nhiều tin thì bot hỏi nhiệm vụ nào).\n"
    '• Ghi mã ở đầu để nói rõ nhiệm vụ: "2.1 xong"; hoặc chọn nhiệm vụ trong /tasks.\n'
    "• Gửi ảnh văn bản ngay sau tin nhắc việc (hoặc sau khi chọn nhiệm vụ) để làm minh chứng.\n"
    "/status — tình hình nhiệm vụ của đơn vị\n"
    "/overdue — nhiệm vụ quá hạn\n"
    "/tasks — nhiệm vụ đang mở, chọn bằng số\n"
    "/update MÃ nội dung — cập nhật nhanh, ví dụ /update 2.1 xong; /xong MÃ — báo hoàn thành\n"
    "/web — xem nhiệm vụ của đơn vị trên trang web\n"
    "/kenh — chọn nhận nhắc việc qua Zalo hay Telegram"
)
TASKS_NEED_UNIT = (
    "Gõ /tasks TÊN ĐƠN VỊ để xem nhiệm vụ đang mở của một đơn vị, ví dụ /tasks Phòng Tư pháp."
)
HELP_COORDINATOR = (
    "Hướng dẫn (Phòng Nội vụ):\n"
    "/status — tổng hợp theo lĩnh vực và đơn vị; /status TÊN ĐƠN VỊ — một đơn vị\n"
    "/overdue — nhiệm vụ quá hạn của tất cả đơn vị\n"
    "/tasks TÊN ĐƠN VỊ — nhiệm vụ đang mở của một đơn vị\n"
    "/invite TÊN ĐƠN VỊ — tạo mã mời cán bộ đầu mối; thêm --pho cho người thay khi vắng, "
    "ví dụ /invite Phòng Tư pháp --pho; /invite điều phối, /invite lãnh đạo\n"
    "/digest — bản tổng hợp tuần tính đến lúc này, kèm biểu đồ và tệp Excel\n"
    "/web — đường dẫn đăng nhập trang theo dõi kế hoạch (dùng một lần, trong 10 phút)\n"
    "Đề nghị gia hạn được gửi đến anh/chị kèm nút Đồng ý / Không đồng ý; đồng ý đến ngày "
    "khác: trả lời tin đề nghị bằng ngày đó.\n"
    "/kenh — chọn nhận tin qua Zalo hay Telegram"
)
HELP_LEADER = (
    "Hướng dẫn (lãnh đạo):\n"
    "/status — tổng hợp theo lĩnh vực và đơn vị; /status TÊN ĐƠN VỊ — một đơn vị\n"
    "/overdue — nhiệm vụ quá hạn của tất cả đơn vị\n"
    "/digest — bản tổng hợp tuần tính đến lúc này, kèm biểu đồ và tệp Excel\n"
    "/web — đường dẫn đăng nhập trang theo dõi kế hoạch (dùng một lần, trong 10 phút)\n"
    "/kenh — chọn nhận tin qua Zalo hay Telegram"
)


WELCOME_DUTY: dict[str, str] = {
    PersonRole.FOCAL: "Từ nay, bot sẽ nhắc hạn các nhiệm vụ của đơn vị và ghi nhận báo cáo tiến "
    "độ của anh/chị.",
    PersonRole.COORDINATOR: "Từ nay, anh/chị nhận đề nghị gia hạn, tin báo nhiệm vụ quá hạn và "
    "bản tổng hợp tuần, và theo dõi tiến độ của mọi đơn vị.",
    PersonRole.LEADER: "Từ nay, anh/chị nhận bản tổng hợp tuần và xem được tiến độ của mọi đơn "
    "vị (/status, /overdue).",
}


def welcome(name: str, role: str, unit: str | None, plans: str, *, duty: str) -> str:
    """The first words to a newly registered person; `duty` is their role's stored value."""
    where = f"{role} của {unit}" if unit else role
    plan_part = f" cho {plans}" if plans else ""
    return (
        f"Chào anh/chị {name}. Anh/chị đã được đăng ký với vai trò {where}{plan_part}. "
        f"{WELCOME_DUTY.get(duty, WELCOME_DUTY[PersonRole.FOCAL])} Gõ /help để xem hướng dẫn."
    )


def timing(done_on: date, deadline: date | None) -> str:
    if deadline is None:
        return day(done_on)
    delta = (deadline - done_on).days
    if delta > 0:
        return f"{day(done_on)}, trước hạn {delta} ngày"
    if delta == 0:
        return f"{day(done_on)}, đúng hạn"
    return f"{day(done_on)}, quá hạn {-delta} ngày"


def recorded(code: str, status: str, progress: int | None, when: str, note: str | None) -> str:
    label = STATUS[AssignmentStatus(status)]
    pct = f" {progress}%" if progress is not None and status != AssignmentStatus.DONE else ""
    text = f"Đã ghi nhận: nhiệm vụ {code} — {label}{pct} ({when})."
    if note:
        text += f'\nGhi chú: "{note}".'
    if status == AssignmentStatus.DONE:
        text += "\nGửi kèm ảnh/tệp văn bản làm minh chứng nếu có."
    return text


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


# Reminders as people receive them (rendered from the outbox at send time).
REMINDER_BEFORE = "⏰ Nhắc hạn nhiệm vụ {code} — còn {days} ngày (hạn {due})"
REMINDER_DUE_TODAY = "⏰ Hôm nay là hạn nhiệm vụ {code} (hạn {due})"
REMINDER_OVERDUE = "⚠️ Nhiệm vụ {code} đã quá hạn {days} ngày làm việc (hạn {due})"
REMINDER_ESCALATION = (
    "🔺 Nhiệm vụ {code} của {unit} quá hạn {days} ngày làm việc (hạn {due}), chưa hoàn thành."
)
# Escalations due together for one coordinator, in one message (by unit).
ESCALATION_GROUP_HEAD = (
    "🔺 {count} lượt giao quá hạn chưa hoàn thành của {units} đơn vị chủ trì, đề nghị đôn đốc:"
)
ESCALATION_GROUP_UNIT = "{unit} ({count}):"
ESCALATION_GROUP_LINE = "• {code} {title} — quá hạn {days} ngày làm việc (hạn {due})"
REMINDER_SUPPORT_NOTICE = (
    "🤝 Nhiệm vụ {code} do {lead} chủ trì (hạn {due}); đơn vị tham gia phối hợp thực hiện. "
    "Đơn vị chủ trì chịu trách nhiệm về thời hạn; thông báo này chỉ gửi một lần."
)
REMINDER_SUPPORTS = "{role} với {lead} là đơn vị chủ trì"
REMINDER_CHECKIN = "📋 Cập nhật tiến độ tháng {month}: nhiệm vụ thường xuyên {code}"
REMINDER_UNIT = "Đơn vị: {unit} ({role})"
REMINDER_OUTPUT = " · Sản phẩm: {output}"
REMINDER_CURRENT = "Trạng thái hiện tại: {status}"
REMINDER_UPDATED = "cập nhật {day}"
# The last line of a reminder once it is answered (the message is edited in place).
REMINDER_SNOOZED_LINE = "⏰ Sẽ nhắc lại lúc {at} — {name} chọn nhắc lại sau"
REMINDER_ANSWERED = "✔️ Trạng thái: {status} — {name} cập nhật lúc {at}"
# An extension request once decided, on every coordinator's copy.
EXTENSION_DECIDED_LINE = {
    True: "✅ Đã đồng ý gia hạn đến {day} — {name}, {at}",
    False: "❌ Không đồng ý gia hạn (hạn vẫn là {day}) — {name}, {at}",
}
# How the console shows a message it cannot change in place.
EDITED = "✏️ (cập nhật tin trước)\n{text}"
UNREACHABLE = (
    "Không gửi được tin nhắn cho {name} ({unit}): người nhận đã chặn bot hoặc chưa bấm Bắt đầu."
)

# The Telegram menu: (command, description) for setMyCommands, beside the text box.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Bắt đầu, đăng ký bằng mã mời"),
    ("help", "Hướng dẫn sử dụng"),
    ("status", "Tình hình thực hiện nhiệm vụ"),
    ("overdue", "Nhiệm vụ quá hạn"),
    ("tasks", "Nhiệm vụ đang mở, cập nhật nhanh"),
    ("update", "Cập nhật nhiệm vụ: /update MÃ nội dung"),
    ("invite", "Tạo mã mời đăng ký (Phòng Nội vụ)"),
    ("digest", "Tổng hợp tuần (Phòng Nội vụ, lãnh đạo)"),
    ("kenh", "Chọn kênh nhận nhắc việc: Zalo hay Telegram"),
)
# Shown when the conversation failed on a message, so the person is not left waiting.
HANDLER_FAILED = "Xin lỗi, bot gặp lỗi khi xử lý yêu cầu. Anh/chị vui lòng thử lại sau ít phút."
NOT_STORED_TYPE_AGAIN = "Hệ thống đang bận nên chưa ghi nhận tin vừa gõ. Anh/chị vui lòng gõ lại."

# Zalo: what the bot cannot read there, and files it cannot send.
UNSUPPORTED = (
    "Bot chỉ đọc được tin nhắn chữ và ảnh. Vui lòng nhắn bằng chữ (ví dụ: 1.2 đã xong) "
    "hoặc gõ /help."
)
FILE_LINK = "{text}\nTải tệp: {link}\n(Đường dẫn có hạn dùng; khi hết hạn, gõ /digest để nhận lại.)"
