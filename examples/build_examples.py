"""Build the example spreadsheets from the two YAML files beside this script.

    .venv/bin/python examples/build_examples.py

Reads `ke-hoach-32-KH-UBND-2023.yaml` (the plan's task appendix) and `don-vi-huong-khe.yaml`
(the units register), checks them, and writes:

* `ke-hoach-32-KH-UBND-2023.xlsx`: the appendix laid out as a Phòng Nội vụ officer would make it
  (sheet "Phụ lục");
* `don-vi-huong-khe.xlsx`: the register (sheets "Đơn vị" and "Nhóm").

The checks fail loudly: a lead or supporting unit that is not a name or alias in the register, a
duplicate task code, a code outside its area, a name or alias that two units or groups share.
Output is byte-for-byte reproducible: fixed workbook properties and fixed zip entry times.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
PLAN_YAML = HERE / "ke-hoach-32-KH-UBND-2023.yaml"
UNITS_YAML = HERE / "don-vi-huong-khe.yaml"
PLAN_XLSX = HERE / "ke-hoach-32-KH-UBND-2023.xlsx"
UNITS_XLSX = HERE / "don-vi-huong-khe.xlsx"

UNIT_KINDS = ("Phòng/ban", "Đơn vị sự nghiệp", "Xã", "Thị trấn")
# Two plain-date deadlines are written as real Excel dates, to show offices' both habits.
EXCEL_DATE_TASKS = ("3.2", "6.3")
# The plan's date, 08:00 in Hà Tĩnh, as workbook created/modified; openpyxl wants naive UTC.
FIXED_TIME = datetime(2023, 2, 24, 1, 0, 0, tzinfo=UTC).replace(tzinfo=None)
ZIP_TIME = (2023, 2, 24, 8, 0, 0)

FONT_NAME = "Times New Roman"
FONT_SIZE = 13
LINE_HEIGHT = 17.5  # points per wrapped line at 13 pt

_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


class ExampleError(Exception):
    """The example data is inconsistent; the message says where."""


def fold(text: str) -> str:
    """Case, diacritics (đ → d), punctuation and spacing folded: how names are matched."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", re.sub(r"[^\w]+", " ", stripped)).strip().lower()


def roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


# --------------------------------------------------------------------------------------------
# Loading and checking


@dataclass
class Register:
    units: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    members: dict[str, list[str]]  # group name -> unit names
    names: dict[str, tuple[str, str]]  # folded name/alias -> ("unit"|"group", canonical name)

    def resolve(self, text: str) -> tuple[str, str]:
        try:
            return self.names[fold(text)]
        except KeyError:
            message = f"không có trong danh mục đơn vị / not in the register: {text!r}"
            raise ExampleError(message) from None

    def expand(self, text: str) -> set[str]:
        kind, name = self.resolve(text)
        return set(self.members[name]) if kind == "group" else {name}


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_register(path: Path) -> Register:
    data = load_yaml(path)
    units, groups = data["units"], data["groups"]
    names: dict[str, tuple[str, str]] = {}

    def claim(label: str, target: tuple[str, str]) -> None:
        if not isinstance(label, str) or not label.strip():
            raise ExampleError(f"{path.name}: tên rỗng / empty name for {target[1]!r}")
        key = fold(label)
        if key in names:
            raise ExampleError(
                f"{path.name}: {label!r} trùng với / collides with {names[key][1]!r} (key {key!r})"
            )
        names[key] = target

    group_names = [group["name"] for group in groups]
    for group in groups:
        for label in [group["name"], *as_list(group.get("aliases"))]:
            claim(label, ("group", group["name"]))
    members: dict[str, list[str]] = {name: [] for name in group_names}
    for unit in units:
        if unit.get("kind") not in UNIT_KINDS:
            raise ExampleError(f"{path.name}: {unit['name']!r} has kind {unit.get('kind')!r}")
        for label in [unit["name"], *as_list(unit.get("aliases"))]:
            claim(label, ("unit", unit["name"]))
        for group in as_list(unit.get("groups")):
            if group not in members:
                raise ExampleError(f"{path.name}: {unit['name']!r} in unknown group {group!r}")
            members[group].append(unit["name"])
    for name, unit_names in members.items():
        if not unit_names:
            raise ExampleError(f"{path.name}: group {name!r} has no units")
    return Register(units, groups, members, names)


def check_plan(plan: dict[str, Any], register: Register) -> list[str]:
    """Raise on any error; return notes worth printing (lead units also in a support group)."""
    for key in ("number", "date", "title", "issuing_body"):
        if not plan["plan"].get(key):
            raise ExampleError(f"plan.{key} is missing")
    notes: list[str] = []
    codes: Counter[str] = Counter()
    area_codes: Counter[str] = Counter()
    for area in plan["areas"]:
        area_codes[area["code"]] += 1
        if not area.get("tasks"):
            raise ExampleError(f"area {area['code']} has no tasks")
        for task in area["tasks"]:
            code = task.get("code")
            codes[code] += 1
            if not isinstance(code, str) or not code.startswith(f"{area['code']}."):
                raise ExampleError(f"task {code!r} is not under area {area['code']!r}")
            for key in ("title", "lead", "output", "deadline"):
                if not task.get(key):
                    raise ExampleError(f"task {code}: {key} is missing")
            if not isinstance(task["deadline"], str):
                raise ExampleError(f"task {code}: deadline must be text, not {task['deadline']!r}")
            lead_units: set[str] = set()
            for name in as_list(task["lead"]):
                lead_units |= register.expand(name)
            support_units: set[str] = set()
            for name in as_list(task.get("support")):
                support_units |= register.expand(name)
            both = lead_units & support_units
            if both and support_units - lead_units:
                notes.append(f"{code}: {len(both)} lead unit(s) also in a support group")
            elif both:
                raise ExampleError(f"task {code}: supporting units are all lead units already")
    duplicates = [code for code, count in (codes + area_codes).items() if count > 1]
    if duplicates:
        raise ExampleError(f"duplicate codes: {duplicates}")
    for code in EXCEL_DATE_TASKS:
        task = find_task(plan, code)
        if not _DATE.match(task["deadline"]):
            raise ExampleError(f"task {code} should have a dd/mm/yyyy deadline for the date cell")
    return notes


def find_task(plan: dict[str, Any], code: str) -> dict[str, Any]:
    for area in plan["areas"]:
        for task in area["tasks"]:
            if task["code"] == code:
                return task
    raise ExampleError(f"no task {code}")


# --------------------------------------------------------------------------------------------
# Styling helpers

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = Font(name=FONT_NAME, size=FONT_SIZE)
BOLD = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
ITALIC = Font(name=FONT_NAME, size=FONT_SIZE, italic=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def lines_needed(text: str, width: float) -> int:
    """Wrapped lines a cell needs at 13 pt Times New Roman: ~1.2 characters per width unit."""
    per_line = max(int(width * 1.2), 1)
    return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))


def set_widths(ws: Worksheet, widths: list[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def fit_row(ws: Worksheet, row: int, widths: list[float], merged_width: float | None = None):
    if merged_width is not None:
        value = ws.cell(row=row, column=2).value or ""
        lines = lines_needed(value, merged_width)
    else:
        lines = max(
            lines_needed(ws.cell(row=row, column=col).value or "", width)
            for col, width in enumerate(widths, start=1)
        )
    ws.row_dimensions[row].height = max(lines, 1) * LINE_HEIGHT + 4


def style_row(ws: Worksheet, row: int, ncols: int, font: Font, aligns: list[Alignment]) -> None:
    for col in range(1, ncols + 1):
        cell = ws.cell(row=row, column=col)
        cell.font = font
        cell.border = BORDER
        cell.alignment = aligns[col - 1]


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.properties.creator = "Phòng Nội vụ huyện Hương Khê (ví dụ Nhắc việc)"
    wb.properties.lastModifiedBy = "Nhắc việc"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.language = "vi-VN"
    return wb


def save_reproducibly(wb: Workbook, path: Path) -> None:
    """Save with the fixed properties kept and fixed zip entry times, so bytes never change.

    `Workbook.save` stamps `modified` with the wall clock and zip entries with the local time;
    writing through `ExcelWriter` and re-packing the archive avoids both.
    """
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(raw) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------------------------
# The appendix


APPENDIX_HEADER = [
    "STT",
    "Nhiệm vụ, giải pháp",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
    "Sản phẩm",
    "Thời hạn hoàn thành",
    "Ghi chú",
]
APPENDIX_WIDTHS = [8.0, 62.0, 28.0, 30.0, 34.0, 17.0, 12.0]


def deadline_cell_value(task: dict[str, Any]) -> str | date:
    spec = task["deadline"]
    if task["code"] in EXCEL_DATE_TASKS:
        day, month, year = (int(part) for part in _DATE.match(spec).groups())
        return date(year, month, day)
    return spec


def build_appendix(plan: dict[str, Any]) -> Workbook:
    wb = new_workbook()
    wb.properties.title = f"Phụ lục Kế hoạch {plan['plan']['number']}"
    wb.properties.subject = plan["plan"]["title"]
    ws = wb.active
    ws.title = "Phụ lục"
    ncols = len(APPENDIX_HEADER)
    last = get_column_letter(ncols)
    set_widths(ws, APPENDIX_WIDTHS)
    issued: date = plan["plan"]["date"]
    number = plan["plan"]["number"]

    ws["A1"] = "UBND HUYỆN HƯƠNG KHÊ"
    ws.merge_cells("A1:B1")
    ws["A1"].font = BOLD
    ws["A1"].alignment = Alignment(horizontal="left", vertical="center")
    ws["A2"] = "PHỤ LỤC"
    ws.merge_cells(f"A2:{last}2")
    ws["A3"] = "NHIỆM VỤ, GIẢI PHÁP KHẮC PHỤC TỒN TẠI, HẠN CHẾ CCHC NĂM 2022"
    ws.merge_cells(f"A3:{last}3")
    for ref in ("A2", "A3"):
        ws[ref].font = BOLD
        ws[ref].alignment = CENTER
    ws["A4"] = f"(Kèm theo Kế hoạch số {number} ngày {issued:%d/%m/%Y} của UBND huyện)"
    ws.merge_cells(f"A4:{last}4")
    ws["A4"].font = ITALIC
    ws["A4"].alignment = CENTER
    for row in (1, 2, 3, 4, 5):
        ws.row_dimensions[row].height = LINE_HEIGHT + 4

    header_row = 6
    for col, label in enumerate(APPENDIX_HEADER, start=1):
        ws.cell(row=header_row, column=col, value=label)
    style_row(ws, header_row, ncols, BOLD, [CENTER] * ncols)
    for col in range(1, ncols + 1):
        ws.cell(row=header_row, column=col).fill = HEADER_FILL
    ws.row_dimensions[header_row].height = 2 * LINE_HEIGHT + 6

    task_aligns = [CENTER, LEFT, LEFT, LEFT, LEFT, CENTER, LEFT]
    merged_width = sum(APPENDIX_WIDTHS[1:])
    row = header_row
    for index, area in enumerate(plan["areas"], start=1):
        row += 1
        ws.cell(row=row, column=1, value=roman(index))
        ws.cell(row=row, column=2, value=area["name"].upper())
        style_row(ws, row, ncols, BOLD, [CENTER] + [LEFT] * (ncols - 1))
        for col in range(1, ncols + 1):
            ws.cell(row=row, column=col).fill = SECTION_FILL
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=ncols)
        fit_row(ws, row, APPENDIX_WIDTHS, merged_width)
        for task in area["tasks"]:
            row += 1
            values = [
                task["code"],
                _SPACES.sub(" ", task["title"]).strip(),
                "; ".join(as_list(task["lead"])),
                "; ".join(as_list(task.get("support"))),
                task["output"],
                deadline_cell_value(task),
                None,
            ]
            for col, value in enumerate(values, start=1):
                ws.cell(row=row, column=col, value=value)
            style_row(ws, row, ncols, FONT, task_aligns)
            deadline_cell = ws.cell(row=row, column=6)
            if isinstance(deadline_cell.value, date):
                deadline_cell.number_format = "dd/mm/yyyy"
            fit_row(ws, row, APPENDIX_WIDTHS)

    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = FONT_NAME
    return wb


# --------------------------------------------------------------------------------------------
# The units register


UNITS_HEADER = ["STT", "Tên đơn vị", "Loại đơn vị", "Nhóm", "Tên gọi khác"]
UNITS_WIDTHS = [7.0, 42.0, 18.0, 48.0, 58.0]
GROUPS_HEADER = ["Tên nhóm", "Tên gọi khác"]
GROUPS_WIDTHS = [36.0, 90.0]


def write_table(
    ws: Worksheet, header: list[str], widths: list[float], rows: list[list[Any]], centered: set[int]
) -> None:
    set_widths(ws, widths)
    ncols = len(header)
    for col, label in enumerate(header, start=1):
        ws.cell(row=1, column=col, value=label)
    style_row(ws, 1, ncols, BOLD, [CENTER] * ncols)
    for col in range(1, ncols + 1):
        ws.cell(row=1, column=col).fill = HEADER_FILL
    ws.row_dimensions[1].height = LINE_HEIGHT + 6
    aligns = [CENTER if col in centered else LEFT for col in range(1, ncols + 1)]
    for row, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value)
        style_row(ws, row, ncols, FONT, aligns)
        fit_row(ws, row, widths)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{len(rows) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def build_register(register: Register) -> Workbook:
    wb = new_workbook()
    wb.properties.title = "Danh mục đơn vị huyện Hương Khê"
    units_ws = wb.active
    units_ws.title = "Đơn vị"
    unit_rows = [
        [
            index,
            unit["name"],
            unit["kind"],
            "; ".join(as_list(unit.get("groups"))),
            "; ".join(as_list(unit.get("aliases"))),
        ]
        for index, unit in enumerate(register.units, start=1)
    ]
    write_table(units_ws, UNITS_HEADER, UNITS_WIDTHS, unit_rows, centered={1, 3})
    groups_ws = wb.create_sheet("Nhóm")
    group_rows = [
        [group["name"], "; ".join(as_list(group.get("aliases")))] for group in register.groups
    ]
    write_table(groups_ws, GROUPS_HEADER, GROUPS_WIDTHS, group_rows, centered=set())
    return wb


# --------------------------------------------------------------------------------------------


def main() -> int:
    try:
        register = load_register(UNITS_YAML)
        plan = load_yaml(PLAN_YAML)
        notes = check_plan(plan, register)
    except (ExampleError, KeyError, TypeError) as exc:
        print(f"LỖI / ERROR: {exc}", file=sys.stderr)
        return 1

    save_reproducibly(build_appendix(plan), PLAN_XLSX)
    save_reproducibly(build_register(register), UNITS_XLSX)

    tasks = [task for area in plan["areas"] for task in area["tasks"]]
    print(f"{PLAN_XLSX.name}: {len(plan['areas'])} lĩnh vực, {len(tasks)} nhiệm vụ")
    for area in plan["areas"]:
        print(f"  {area['code']}. {area['name']}: {len(area['tasks'])}")
    print(f"{UNITS_XLSX.name}: {len(register.units)} đơn vị, {len(register.groups)} nhóm")
    for note in notes:
        print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
