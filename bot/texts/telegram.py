"""Words the Telegram adapter itself shows: the command menu and its own fallback."""

# (command, description) for setMyCommands: the menu people see beside the text box.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Bắt đầu, đăng ký bằng mã mời"),
    ("help", "Hướng dẫn sử dụng"),
    ("status", "Tình hình thực hiện nhiệm vụ"),
    ("overdue", "Nhiệm vụ quá hạn"),
    ("tasks", "Nhiệm vụ đang mở, cập nhật nhanh"),
    ("update", "Cập nhật nhiệm vụ: /update MÃ nội dung"),
    ("invite", "Tạo mã mời đăng ký (Phòng Nội vụ)"),
    ("digest", "Tổng hợp tuần (Phòng Nội vụ, lãnh đạo)"),
)

# Shown when the conversation failed on a message, so the person is not left waiting.
HANDLER_FAILED = "Xin lỗi, bot gặp lỗi khi xử lý yêu cầu. Anh/chị vui lòng thử lại sau ít phút."
