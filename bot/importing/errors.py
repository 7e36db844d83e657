"""What can go wrong when reading a file, and the Vietnamese words a person sees for it.

ImportFileError
    Raised once per file, carrying every RowError found (not just the first), so the
    coordinator can fix the whole spreadsheet in one go.
"""

from collections.abc import Iterable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class RowError:
    """One problem, located the way the person sees the file."""

    row: int | None  # Excel row / CSV row / YAML item index (1-based); None: whole file
    column: str | None  # e.g. "Thời hạn hoàn thành (cột F)"; None: not about one column
    reason: str
    row_word: str = ROW  # YAML: "Nhiệm vụ thứ", "Đơn vị thứ"...
    column_word: str = COLUMN  # YAML: "khóa"

    @property
    def place(self) -> str:
        """Where the row is, inside a sentence: "dòng 5", "đơn vị thứ 5"."""
        return f"{self.row_word.lower()} {self.row}"

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"{self.row_word} {self.row}")
        if self.column is not None:
            where.append(f"{self.column_word} {self.column}")
        if not where:
            return self.reason
        place = ", ".join(where)
        return f"{place[0].upper()}{place[1:]}: {self.reason}"


class ImportFileError(Exception):
    """The file cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


def file_error(reason: str) -> ImportFileError:
    """A problem with the whole file."""
    return ImportFileError([RowError(None, None, reason)])
