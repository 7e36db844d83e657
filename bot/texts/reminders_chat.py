"""Reminder messages as people receive them in chat."""

BEFORE = "⏰ Nhắc hạn nhiệm vụ {code} — còn {days} ngày (hạn {due})"
DUE_TODAY = "⏰ Hôm nay là hạn nhiệm vụ {code} (hạn {due})"
OVERDUE = "⚠️ Nhiệm vụ {code} đã quá hạn {days} ngày làm việc (hạn {due})"
ESCALATION = (
    "🔺 Nhiệm vụ {code} của {unit} quá hạn {days} ngày làm việc (hạn {due}), chưa hoàn thành."
)
CHECKIN = "📋 Cập nhật tiến độ tháng {month}: nhiệm vụ thường xuyên {code}"
CURRENT = "Trạng thái hiện tại: {status}"
UNREACHABLE = (
    "Không gửi được tin nhắn cho {name} ({unit}): người nhận đã chặn bot hoặc chưa bấm Bắt đầu."
)
