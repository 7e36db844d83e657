"""The written progress report's words (plan section III.2), as administrative documents read."""

from bot.texts.common import DONE_LATE, DONE_ON_TIME, OVERDUE

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER = "Số:        /BC-{code}"
PLACE_DATE = "{place}, ngày {day} tháng {month} năm {year}"
KIND = "BÁO CÁO"
SUBJECT = "Kết quả thực hiện Kế hoạch số {number}{issued}{body}{about}, {period}"
ISSUED = " ngày {day}"
OF_BODY = " của {body}"
ABOUT = " về {title}"

INTRO = (
    "Thực hiện Kế hoạch số {number}{issued}{body}{about}, {issuer} báo cáo kết quả thực hiện "
    "{period} (số liệu từ ngày {start} đến ngày {end}) như sau:"
)
PART_RESULTS = "I. KẾT QUẢ THỰC HIỆN"
OVERALL = "1. Kết quả chung"
OVERALL_TEXT = (
    "Kế hoạch có {tasks} nhiệm vụ, giao chủ trì {total} lượt cho {units} đơn vị{support}. "
    "Đến ngày {end}, đã hoàn thành {done}/{tasks} nhiệm vụ ({pct}%), trong đó {on_time} nhiệm "
    "vụ đúng hạn, {late} nhiệm vụ quá hạn; các đơn vị chủ trì hoàn thành {lead_done}/{total} "
    "lượt, trong kỳ báo cáo hoàn thành {done_in} lượt."
)
OVERALL_SUPPORT = " (và {support} lượt phối hợp của {units} đơn vị)"
OPEN_TEXT = (
    "Đang thực hiện {in_progress} nhiệm vụ; chưa thực hiện {not_started} nhiệm vụ; có vướng mắc "
    "{blocked} nhiệm vụ; đề nghị gia hạn {extension} nhiệm vụ. Quá hạn chưa hoàn thành: "
    "{overdue} nhiệm vụ."
)
BY_AREA = "2. Kết quả theo từng lĩnh vực"
AREA_TABLE_HEADER = (
    "STT",
    "Lĩnh vực",
    "Số nhiệm vụ",
    DONE_ON_TIME,
    DONE_LATE,
    "Chưa hoàn thành",
    OVERDUE,
    "Tỉ lệ hoàn thành (%)",
)
AREA_TOTAL = "Tổng cộng"
AREA_HEAD = "2.{n}. {name}"
AREA_TEXT = (
    "Hoàn thành {done}/{total} nhiệm vụ ({pct}%); quá hạn chưa hoàn thành {overdue} nhiệm vụ."
)
AREA_UNFINISHED = "Nhiệm vụ quá hạn chưa hoàn thành:"
UNFINISHED_LINE = "- Nhiệm vụ {code}: {title} (hạn {deadline}) — đơn vị chủ trì: {units}."
MORE_UNITS = "và {count} đơn vị khác"
PART_ISSUES = "II. TỒN TẠI, HẠN CHẾ, KHÓ KHĂN, VƯỚNG MẮC"
BLOCKER_LINE = "- {unit}, nhiệm vụ {code}: {note}"
BLOCKER_NO_NOTE = "chưa nêu nội dung vướng mắc"
MORE_BLOCKERS = "- Và {count} vướng mắc khác (chi tiết tại tệp Excel tổng hợp kèm theo)."
SILENT_LINE = "- Các đơn vị chưa báo cáo tiến độ trong 14 ngày: {units}."
NO_FOCAL_LINE = "- Các đơn vị chưa đăng ký cán bộ đầu mối: {units}."
NO_ISSUES = "Không có khó khăn, vướng mắc được báo cáo trong kỳ."
PART_PROPOSALS = "III. ĐỀ XUẤT, KIẾN NGHỊ"
PROPOSAL = (
    "Đề nghị các phòng, ban, đơn vị, UBND các xã, thị trấn có nhiệm vụ quá hạn khẩn trương "
    "hoàn thành, báo cáo kết quả về {parent} (qua {issuer}) để tổng hợp, báo cáo theo quy định."
)
CLOSING = "Trên đây là báo cáo kết quả thực hiện Kế hoạch số {number} {period} của {issuer}./."
RECIPIENTS = "Nơi nhận:"
RECIPIENT_LINES = (
    "- {parent} (để báo cáo);",
    "- Chủ tịch, các Phó Chủ tịch {parent};",
    "- Lưu: VT, {code}.",
)
ISSUER = "Phòng Nội vụ"  # who issues the report unless settings say otherwise
SIGNER_TITLE = "TRƯỞNG PHÒNG"
