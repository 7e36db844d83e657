"""Why a plan or units file is refused, row by row and column by column (CLI and chat)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.assignments import LiveAssignment

# Whole-file problems.
UNSUPPORTED_FORMAT = "Định dạng tệp không được hỗ trợ: chỉ nhận .xlsx, .csv, .yaml/.yml"
OLD_EXCEL = "Tệp Excel cũ (.xls) không được hỗ trợ: hãy mở tệp và lưu lại dưới dạng .xlsx"
NOT_XLSX = "Tệp không phải là tệp Excel (.xlsx) hợp lệ"
LOCKED_XLSX = (
    "Tệp Excel có đặt mật khẩu hoặc là tệp .xls cũ: hãy bỏ mật khẩu và lưu lại dưới dạng .xlsx"
)
FILE_MISSING = "Không tìm thấy tệp {name}"
FILE_UNREADABLE = "Không đọc được tệp {name}"
FILE_EMPTY = "Tệp trống"
FILE_TOO_BIG = "Tệp quá lớn ({size} MB): tối đa {limit} MB"
TOO_MANY_ROWS = "Tệp có quá nhiều dòng: tối đa {limit} dòng dữ liệu; hãy chia thành nhiều tệp"
NO_TASKS = "Không có dòng nhiệm vụ nào"
NO_UNITS = "Không có đơn vị nào"
NO_HEADER = "Không tìm thấy dòng tiêu đề của bảng trong {rows} dòng đầu (cần các cột: {needed})"
MISSING_COLUMNS = "Thiếu cột bắt buộc: {missing}. Dòng tiêu đề (dòng {row}) có các cột: {found}"
CSV_ENCODING = "Không đọc được bảng mã của tệp CSV: hãy lưu lại dưới dạng CSV UTF-8"
CSV_BROKEN = "tệp CSV bị lỗi định dạng từ dòng này (ô quá dài hoặc dấu ngoặc kép không khớp)"
YAML_ENCODING = "Tệp YAML phải dùng bảng mã UTF-8"
YAML_SYNTAX = "Lỗi cú pháp YAML: {problem}"  # the parser's own words, in English
YAML_TOO_DEEP = "lồng nhau quá sâu"
YAML_TOP = "Tệp YAML phải là một bảng khóa có {keys}"
OR = " hoặc "
ARCHIVE_TOO_BIG = (
    "Tệp Excel khi giải nén quá lớn ({size} MB, tối đa {limit} MB): tệp có thể bị hỏng hoặc "
    "chứa nhiều dữ liệu thừa; hãy chép bảng sang một tệp mới rồi lưu lại"
)
ARCHIVE_RATIO = (
    "Tệp Excel nén bất thường (giải nén lớn gấp {ratio} lần, tối đa {limit} lần): tệp có thể "
    "bị hỏng hoặc bị làm giả; hãy chép bảng sang một tệp mới rồi lưu lại"
)
SHEET_TOO_WIDE = (
    "Trang tính “{sheet}” có ô ở {cell}, ngoài vùng được đọc (tối đa {rows} dòng, {columns} "
    "cột, kể cả ô trống có định dạng): hãy xóa các dòng, cột thừa rồi lưu lại"
)
SHEET_ROWS_FROM = "dòng {row} trở đi"  # where SHEET_TOO_WIDE's cell is, when it is rows
TOO_MANY_CELLS = (
    "Tệp Excel có quá nhiều ô (tối đa {limit}, kể cả ô trống có định dạng): "
    "hãy xóa các dòng, cột thừa rồi lưu lại"
)
YAML_TOO_BIG = (
    "Tệp YAML quá lớn: hơn {limit} giá trị (tính cả các giá trị lặp lại qua bí danh & và *)"
)

# Problems with one row or one cell.
REQUIRED_EMPTY = "ô bắt buộc nhưng đang để trống"
REQUIRED_MISSING = "thiếu giá trị bắt buộc"
FORMULA_NO_VALUE = "ô chứa công thức chưa có giá trị; hãy dùng Dán giá trị (Paste Values)"
FORMULA_ERROR = "ô chứa công thức bị lỗi ({value})"
WIDE_MERGE = "ô gộp nhiều cột ({cells})"
DUPLICATE_UNIT = "trùng tên với đơn vị ở {place}"  # place: "dòng 5", "đơn vị thứ 5"
DUPLICATE_GROUP = "trùng tên với nhóm ở {place}"
UNKNOWN_KEY = "khóa không hợp lệ (các khóa hợp lệ: {keys})"
WRONG_TYPE = "sai kiểu dữ liệu: cần {expected}"
NOT_A_MAPPING = "mỗi mục phải là một bảng khóa: giá trị"
NOT_A_LIST = "cần một danh sách"
BAD_DATE = "ngày không hợp lệ (cần dạng 2023-02-24 hoặc 24/02/2023)"
CELL_TOO_LONG = "ô dài {length} ký tự, quá giới hạn {limit} ký tự của Excel"

# Where a problem is: "Dòng 7, cột Thời hạn hoàn thành (cột F): ..." in a table,
ROW = "Dòng"
COLUMN = "cột"
SHEET_PLACE = ", trang tính “{name}”"  # "Tên nhóm (cột A, trang tính “Nhóm”)"
# and in a YAML file: "Nhiệm vụ thứ 3, khóa deadline: ...".
ITEM_TASK = "Nhiệm vụ thứ"
ITEM_AREA = "Lĩnh vực thứ"
ITEM_UNIT = "Đơn vị thứ"
ITEM_GROUP = "Nhóm thứ"
YAML_KEY = "khóa"

# Names of the value types, for WRONG_TYPE.
TYPE_TEXT = "chuỗi văn bản"
TYPE_TEXTS = "chuỗi văn bản hoặc danh sách chuỗi"
TYPE_DEADLINE = "chuỗi văn bản hoặc ngày"
TYPE_CODE = "chuỗi văn bản hoặc số"

# Plan import: the columns and values of a task row.
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


def orphaned_work(orphaned: "Sequence[LiveAssignment]") -> list[str]:
    """Why a units register is refused: one line per unit losing open work, then what to do."""
    lines = [
        f"{unit}: {len(tasks)} nhiệm vụ đang giao ({listed_tasks(tasks)}) chỉ giao cho đơn vị "
        "qua tên gọi khác hoặc nhóm mà tệp bỏ đi; nhập lại kế hoạch sẽ hủy các lượt giao này"
        for unit, tasks in by_unit(orphaned).items()
    ]
    return [*lines, KEEP_OR_REPLACE]


KEEP_OR_REPLACE = (
    "Hãy ghi lại các tên gọi khác và nhóm của đơn vị vào tệp (danh sách đơn vị phải đầy đủ), "
    "hoặc nếu thật sự muốn bỏ: nhacviec units import TỆP --replace"
)


def by_unit(orphaned: "Sequence[LiveAssignment]") -> dict[str, list[str]]:
    """Unit -> "plan: task" labels, in order."""
    grouped: dict[str, list[str]] = {}
    for a in orphaned:
        grouped.setdefault(a.unit, []).append(f"{a.plan_number}: {a.task_code}")
    return grouped


def listed_tasks(tasks: "Sequence[str]", most: int = 10) -> str:
    shown = ", ".join(tasks[:most])
    return shown + (f" và {len(tasks) - most} nhiệm vụ khác" if len(tasks) > most else "")


def bad_unit_kind(raw: str | None) -> str:
    return f"loại đơn vị {raw!r} không rõ; dùng: Phòng/ban, Đơn vị sự nghiệp, Xã, Thị trấn"


def name_used_twice(name: str) -> str:
    return f"tên {name!r} đã dùng cho một đơn vị hoặc nhóm khác"


def unknown_units(names: tuple[str, ...]) -> str:
    listed = "; ".join(repr(n) for n in names)
    return f"không có trong danh sách đơn vị: {listed} (thêm tên gọi khác vào danh sách đơn vị)"


def deadline_out_of_range(spec: str, year: int, first: str, last: str) -> str:
    return (
        f"thời hạn {spec!r} quá xa năm của kế hoạch ({year}): chỉ nhận từ {first} đến {last}; "
        "kiểm tra lại năm (có thể đã gõ nhầm năm, như 1023 thay cho 2023)"
    )


def plan_year_out_of_range(year: int, first: int, last: int) -> str:
    return f"Năm của kế hoạch {year} không hợp lệ: chỉ nhận từ {first} đến {last}."


def duplicate_code(code: str, first_row: int) -> str:
    return f"mã nhiệm vụ {code!r} trùng với dòng {first_row}"


def lead_missing_units() -> str:
    return "không nêu đơn vị chủ trì nào"
