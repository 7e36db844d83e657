"""Finding a table's header row and which column holds which field.

Headers are matched loosely, as offices write them: case, diacritics, spacing,
punctuation and a "(...)" do not matter. A header matches a synonym when it is the
synonym, or starts with a synonym of two words or more ("Thời hạn hoàn thành
(ngày/tháng/năm)"), except the too general "Đơn vị" and "Cơ quan". Each column and each
field is used once, best match first, so "Đơn vị chủ trì" and "Đơn vị phối hợp" never
compete. A units register may also be headed in English (name, kind, group, aliases).
"""

import re
from dataclasses import dataclass

from bot.importing.sources import HEADER_SCAN_ROWS, Sheet
from bot.texts.import_errors import COLUMN, SHEET_PLACE
from storage.textnorm import fold_words

Synonyms = dict[str, tuple[str, ...]]  # field -> headers as offices write them, best first

_CODE = ("STT", "TT", "Số TT", "Số thứ tự", "Mã", "Mã số", "Mã nhiệm vụ")
_ALIASES = ("Tên gọi khác", "Tên khác", "Tên viết tắt", "Viết tắt", "Aliases", "Alias")

TASK_HEADERS: Synonyms = {
    "code": _CODE,
    "title": (
        "Nhiệm vụ/giải pháp",
        "Nhiệm vụ, giải pháp",
        "Nhiệm vụ",
        "Giải pháp",
        "Nội dung",
        "Nội dung nhiệm vụ",
        "Nội dung công việc",
        "Tên nhiệm vụ",
        "Công việc",
    ),
    "area": ("Lĩnh vực", "Lĩnh vực công tác"),
    "lead": (
        "Đơn vị chủ trì",
        "Cơ quan chủ trì",
        "Chủ trì",
        "Đơn vị thực hiện",
        "Cơ quan thực hiện",
        "Cơ quan, đơn vị chủ trì",
        "Đơn vị chịu trách nhiệm",
    ),
    "support": ("Đơn vị phối hợp", "Cơ quan phối hợp", "Phối hợp", "Cơ quan, đơn vị phối hợp"),
    "deadline": (
        "Thời hạn hoàn thành",
        "Thời hạn",
        "Thời gian hoàn thành",
        "Thời gian thực hiện",
        "Hạn hoàn thành",
        "Hạn",
        "Tiến độ hoàn thành",
        "Tiến độ thực hiện",
    ),
    "output": (
        "Sản phẩm",
        "Sản phẩm đầu ra",
        "Kết quả",
        "Kết quả đầu ra",
        "Hình thức văn bản",
        "Hình thức sản phẩm",
    ),
    "note": ("Ghi chú",),
}
TASK_REQUIRED = ("title", "lead", "deadline")

UNIT_HEADERS: Synonyms = {
    "code": (*_CODE, "No", "Code"),
    "name": (
        "Tên đơn vị",
        "Đơn vị",
        "Tên",
        "Tên cơ quan",
        "Cơ quan, đơn vị",
        "Cơ quan",
        "Name",
        "Unit",
        "Unit name",
    ),
    "kind": ("Loại", "Loại đơn vị", "Loại hình", "Phân loại", "Kind", "Type", "Unit kind"),
    "groups": ("Nhóm", "Nhóm đơn vị", "Thuộc nhóm", "Group", "Groups"),
    "aliases": _ALIASES,
}
UNIT_REQUIRED = ("name",)

GROUP_HEADERS: Synonyms = {
    "name": ("Tên nhóm", "Tên nhóm đơn vị", "Group name", "Group"),
    "aliases": _ALIASES,
}
GROUP_REQUIRED = ("name",)

_PARENTHESES = re.compile(r"\([^)]*\)")
# Too general to match as a prefix: "Đơn vị chủ trì" is not a unit's name column.
_EXACT_ONLY = frozenset(fold_words(name) for name in ("Đơn vị", "Cơ quan"))


@dataclass(frozen=True)
class Header:
    row: int
    columns: dict[str, int]  # field -> column index (0 is column A)
    labels: dict[str, str]  # field -> "Thời hạn hoàn thành (cột F)"
    found: tuple[str, ...]  # every header of the row, as written

    def missing(self, required: tuple[str, ...]) -> list[str]:
        return [name for name in required if name not in self.columns]


def display_name(synonyms: Synonyms, name: str) -> str:
    """How a field is called to a person: its first synonym."""
    return synonyms[name][0]


def find_header(sheet: Sheet, synonyms: Synonyms, *, name_sheet: bool = False) -> Header | None:
    """The row among the first ones that matches the most fields (the first on a tie).

    With `name_sheet`, column labels also name the sheet (for a workbook's second table).
    """
    where = SHEET_PLACE.format(name=sheet.title) if name_sheet else ""
    best: Header | None = None
    for number in sorted(sheet.rows)[:HEADER_SCAN_ROWS]:
        header = _match_row(number, sheet.rows[number], synonyms, where)
        if header.columns and (best is None or len(header.columns) > len(best.columns)):
            best = header
    return best


def _match_row(number: int, cells: list, synonyms: Synonyms, where: str) -> Header:
    from openpyxl.utils import get_column_letter  # openpyxl only when a header is read

    texts = {i: " ".join(cell.split()) for i, cell in enumerate(cells) if isinstance(cell, str)}
    scored = sorted(
        (-score, index, name)
        for index, text in texts.items()
        for name, names in synonyms.items()
        if (score := _score(text, names))
    )
    columns: dict[str, int] = {}
    for _, index, name in scored:
        if name not in columns and index not in columns.values():
            columns[name] = index
    labels = {
        name: f"{texts[i]} ({COLUMN} {get_column_letter(i + 1)}{where})"
        for name, i in columns.items()
    }
    return Header(number, columns, labels, tuple(texts.values()))


def _score(text: str, names: tuple[str, ...]) -> int:
    """How well a header matches one field: exact beats prefix, longer beats shorter."""
    variants = {fold_words(text), fold_words(_PARENTHESES.sub(" ", text))}
    best = 0
    for name in names:
        folded = fold_words(name)
        words = len(folded.split())
        if folded in variants:
            best = max(best, 100 + words)
        elif (
            words >= 2
            and folded not in _EXACT_ONLY
            and any(v.startswith(folded + " ") for v in variants)
        ):
            best = max(best, words)
    return best
