"""Reading task appendices and unit registers from real .xlsx, .csv and .yaml files."""

import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from bot.importing import sources, tables, workbook, yamlfile
from bot.importing.reader import (
    MAX_FILE_BYTES,
    GroupRow,
    ImportFileError,
    RowError,
    UnitRow,
    read_task_table,
    read_unit_table,
)
from tests.factories import add_sheet, csv_file, xlsx, yaml_file

HEADER = ["STT", "Nhiệm vụ/giải pháp", "Đơn vị chủ trì", "Đơn vị phối hợp", "Sản phẩm", "Thời hạn"]


# --- helpers (the files themselves come from tests/factories.py) -------------------------


def task_xlsx(tmp_path: Path, *data: list, merges: tuple[str, ...] = ()) -> Path:
    return xlsx(tmp_path / "phu-luc.xlsx", [HEADER, *data], merges=merges)


def cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258: base letters precomposed, tone marks combining."""
    out = b""
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tone = next(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", parts.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


def errors_of(path: Path, read=read_task_table) -> list[RowError]:
    with pytest.raises(ImportFileError) as caught:
        read(path)
    return caught.value.errors


def reasons(path: Path, read=read_task_table) -> list[str]:
    return [str(error) for error in errors_of(path, read)]


# --- xlsx task tables --------------------------------------------------------------------


def test_header_under_title_rows_matched_loosely_in_any_order(tmp_path):
    path = xlsx(
        tmp_path / "kh.xlsx",
        [
            ["UBND HUYỆN HƯƠNG KHÊ"],
            ["PHỤ LỤC NHIỆM VỤ, GIẢI PHÁP"],
            [],
            ["thoi han  hoan thanh", "Tiến độ", "DON VI CHU TRI", "nhiem vu, giai phap",
             "Số TT", "Đơn vị\nphối hợp", "Sản phẩm đầu ra", "GHI CHÚ"],
            ["Quý II/2023", "50%", "Phòng Nội vụ", "Rà soát quy chế", "1", "Phòng Tư pháp",
             "Quyết định", "gấp"],
        ],
    )  # fmt: skip
    meta, rows = read_task_table(path)
    assert meta.number is None and meta.date is None
    [row] = rows
    assert (row.row, row.code, row.title, row.lead, row.support) == (
        5, "1", "Rà soát quy chế", "Phòng Nội vụ", "Phòng Tư pháp"
    )  # fmt: skip
    assert (row.deadline, row.output, row.note) == ("Quý II/2023", "Quyết định", "gấp")
    assert row.area is None
    assert row.columns["deadline"] == "thoi han hoan thanh (cột A)"
    assert row.columns["support"] == "Đơn vị phối hợp (cột F)"
    assert "Tiến độ (cột B)" not in row.columns.values()


def test_lead_and_support_headers_do_not_steal_each_other(tmp_path):
    header = ["Đơn vị phối hợp", "Nội dung", "Cơ quan chủ trì", "Thời gian thực hiện (dự kiến)"]
    path = xlsx(tmp_path / "kh.xlsx", [header, ["Phòng A", "Việc", "Phòng B", "tháng 6/2023"]])
    [row] = read_task_table(path)[1]
    assert (row.lead, row.support, row.deadline) == ("Phòng B", "Phòng A", "tháng 6/2023")


def test_section_rows_name_the_area_of_the_rows_below(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"],
        ["1", "Ban hành kế hoạch", "Phòng Nội vụ", None, "Kế hoạch", "Quý I/2023"],
        [None, "2.  Cải cách   thể chế:"],
        ["1", "Rà soát văn bản", "Phòng Tư pháp", None, None, "năm 2023"],
        ["III", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"],
        ["1", "Công khai TTHC", "Văn phòng", None, None, "thường xuyên"],
        merges=("A2:F2",),
    )
    rows = read_task_table(path)[1]
    assert [(r.row, r.area_code, r.area) for r in rows] == [
        (3, "I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        (5, "2", "Cải cách thể chế"),
        (7, "III", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"),
    ]


def test_section_heading_in_a_column_outside_the_table_and_letter_sections(tmp_path):
    path = xlsx(
        tmp_path / "kh.xlsx",
        [
            ["Cột phụ", "Nội dung", "Chủ trì", "Thời hạn"],
            ["A. NHIỆM VỤ CHUNG (TOÀN HUYỆN)"],
            [None, "Việc một", "Phòng Nội vụ", "năm 2023"],
        ],
        merges=("A2:D2",),
    )
    [row] = read_task_table(path)[1]
    assert (row.area_code, row.area) == (None, "A. NHIỆM VỤ CHUNG (TOÀN HUYỆN)")


def test_sub_numbered_row_without_units_is_a_task_not_a_section(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["B", "NHIỆM VỤ CỤ THỂ"],
        ["1.2", "Việc thiếu đơn vị và thời hạn"],
    )
    assert [(e.row, e.column) for e in errors_of(path)] == [
        (3, "Đơn vị chủ trì (cột C)"),
        (3, "Thời hạn (cột F)"),
    ]


def test_area_column_wins_over_the_section_row(tmp_path):
    path = xlsx(
        tmp_path / "kh.xlsx",
        [
            ["TT", "Lĩnh vực", "Nội dung", "Chủ trì", "Hạn hoàn thành"],
            ["I", None, "CẢI CÁCH THỂ CHẾ"],
            ["1", None, "Việc một", "Phòng Tư pháp", "năm 2023"],
            ["2", "Cải cách tài chính công", "Việc hai", "Phòng Tài chính", "năm 2023"],
            ["3", "cải cách thể chế", "Việc ba", "Phòng Tư pháp", "năm 2023"],
        ],
    )
    rows = read_task_table(path)[1]
    assert [(r.area_code, r.area) for r in rows] == [
        ("I", "CẢI CÁCH THỂ CHẾ"),
        (None, "Cải cách tài chính công"),
        ("I", "cải cách thể chế"),
    ]


def test_excel_dates_and_numeric_codes(tmp_path):
    path = task_xlsx(
        tmp_path,
        [1, "Việc một", "Phòng Nội vụ", None, None, date(2023, 6, 30)],  # read back as a datetime
        [2.1, "Việc hai", "Phòng Nội vụ", None, date(2023, 2, 1), "Quý II/2023"],
    )
    first, second = read_task_table(path)[1]
    assert (first.code, first.deadline) == ("1", date(2023, 6, 30))
    assert (second.code, second.deadline, second.output) == ("2.1", "Quý II/2023", "01/02/2023")


def test_vertical_merge_fills_every_row_it_covers(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["1", "Việc một", "Phòng Nội vụ", None, None, "tháng 3/2023"],
        ["2", "Việc hai", None, None, None, "tháng 6/2023"],
        ["3", "Việc ba", None, None, None, "tháng 9/2023"],
        merges=("C2:C4",),
    )
    rows = read_task_table(path)[1]
    assert [r.lead for r in rows] == ["Phòng Nội vụ"] * 3


def test_merge_across_data_columns_of_a_task_row_is_an_error(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["1", "Việc một", "Phòng Nội vụ", None, None, "tháng 3/2023"],
        ["2", "Việc hai", "Phòng Nội vụ và Phòng Tư pháp", None, None, "tháng 6/2023"],
        merges=("C3:D3",),
    )
    assert reasons(path) == ["Dòng 3, cột Đơn vị chủ trì (cột C): ô gộp nhiều cột (C3:D3)"]


def edit_sheet_xml(path: Path, edit) -> Path:
    """Change the first sheet's XML, for what openpyxl itself never writes."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = edit(parts[name].decode()).encode()
    with zipfile.ZipFile(path, "w") as target:
        for part, data in parts.items():
            target.writestr(part, data)
    return path


def with_cached_value(path: Path, cell: str, value: str) -> Path:
    """Give a formula cell the value Excel would have saved (openpyxl saves none)."""

    def edit(sheet: str) -> str:
        start = sheet.index(f'<c r="{cell}"')
        end = sheet.index("</c>", start)
        formula = sheet[sheet.index("<f>", start) : sheet.index("</f>", start) + 4]
        return f'{sheet[:start]}<c r="{cell}" t="str">{formula}<v>{value}</v>{sheet[end:]}'

    return edit_sheet_xml(path, edit)


def test_formula_uses_its_cached_value(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["1", "Việc một", "Phòng Nội vụ", None, None, "Quý II/2023"],
        ["2", "Việc hai", "Phòng Nội vụ", None, None, "=F2"],
    )
    rows = read_task_table(with_cached_value(path, "F3", "Quý II/2023"))[1]
    assert rows[1].deadline == "Quý II/2023"


def test_formula_without_a_value_is_an_error(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["1", "Việc một", "Phòng Nội vụ", None, None, "Quý II/2023"],
        ["2", "Việc hai", "Phòng Nội vụ", None, None, "=F2"],
    )
    assert reasons(path) == [
        "Dòng 3, cột Thời hạn (cột F): ô chứa công thức chưa có giá trị; "
        "hãy dùng Dán giá trị (Paste Values)"
    ]


def test_features_openpyxl_drops_do_not_warn(tmp_path):
    path = task_xlsx(tmp_path, ["1", "Việc một", "Phòng Nội vụ", None, None, "năm 2023"])
    data_validation = '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"/></extLst>'
    edit_sheet_xml(
        path, lambda sheet: sheet.replace("</worksheet>", data_validation + "</worksheet>")
    )
    with pytest.warns(UserWarning, match="Data Validation extension"):
        openpyxl.load_workbook(path)
    assert read_task_table(path)[1][0].title == "Việc một"  # filterwarnings=error


def test_missing_required_values_are_reported_per_row(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["1", "Việc một", None, None, "Báo cáo", None],
        ["2", None, "Phòng Nội vụ", None, None, "năm 2023"],
    )
    errors = errors_of(path)
    assert [(e.row, e.column) for e in errors] == [
        (2, "Đơn vị chủ trì (cột C)"),
        (2, "Thời hạn (cột F)"),
        (3, "Nhiệm vụ/giải pháp (cột B)"),
    ]
    assert {e.reason for e in errors} == {"ô bắt buộc nhưng đang để trống"}


def test_first_sheet_with_a_header_is_used(tmp_path):
    path = task_xlsx(tmp_path, ["1", "Việc một", "Phòng Nội vụ", None, None, "năm 2023"])
    add_sheet(path, "Hướng dẫn", [["Điền phụ lục ở trang sau"]], first=True)
    [row] = read_task_table(path)[1]
    assert row.title == "Việc một"


def test_blank_rows_template_numbers_and_column_numbering_are_skipped(tmp_path):
    path = task_xlsx(
        tmp_path,
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
        [],
        ["1", "Việc một", "Phòng Nội vụ", None, None, "năm 2023"],
        ["2"],
    )
    assert [r.row for r in read_task_table(path)[1]] == [4]


# --- files that cannot be read -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("phu-luc.xls", b"\xd0\xcf\x11\xe0", "hãy mở tệp và lưu lại dưới dạng .xlsx"),
        ("phu-luc.pdf", b"%PDF-1.4", "chỉ nhận .xlsx, .csv, .yaml/.yml"),
        ("phu-luc.docx", b"PK", "chỉ nhận .xlsx, .csv, .yaml/.yml"),
        ("phu-luc.xlsx", b"STT,Noi dung\n1,abc\n", "Tệp không phải là tệp Excel (.xlsx) hợp lệ"),
        ("phu-luc.xlsx", b"", "Tệp trống"),
        ("phu-luc.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "có đặt mật khẩu"),
        ("phu-luc.csv", b"", "Tệp trống"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    [error] = errors_of(path)
    assert (error.row, error.column) == (None, None)
    assert reason in error.reason


def test_missing_file(tmp_path):
    assert reasons(tmp_path / "khong-co.xlsx") == ["Không tìm thấy tệp khong-co.xlsx"]


def test_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "lon.csv"
    with path.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)
    assert reasons(path) == ["Tệp quá lớn (10,0 MB): tối đa 10 MB"]


def test_workbook_without_rows_is_empty(tmp_path):
    assert reasons(xlsx(tmp_path / "trong.xlsx", [])) == ["Tệp trống"]


def test_header_without_tasks(tmp_path):
    assert reasons(task_xlsx(tmp_path, ["I", "CÔNG TÁC CHỈ ĐẠO"])) == ["Không có dòng nhiệm vụ nào"]


def test_missing_required_column_names_it_and_the_headers_found(tmp_path):
    path = xlsx(tmp_path / "kh.xlsx", [["Danh mục"], ["STT", "Nội dung", "Ghi chú"], ["1", "x"]])
    assert reasons(path) == [
        "Thiếu cột bắt buộc: Đơn vị chủ trì, Thời hạn hoàn thành. "
        "Dòng tiêu đề (dòng 2) có các cột: STT, Nội dung, Ghi chú"
    ]


def test_table_without_any_known_header(tmp_path):
    path = xlsx(tmp_path / "kh.xlsx", [["Họ tên", "Ngày sinh"], ["A", "1/1/1990"]])
    assert reasons(path) == [
        "Không tìm thấy dòng tiêu đề của bảng trong 15 dòng đầu "
        "(cần các cột: Nhiệm vụ/giải pháp, Đơn vị chủ trì, Thời hạn hoàn thành)"
    ]


TOO_MANY = "Tệp có quá nhiều dòng: tối đa 5.000 dòng dữ liệu; hãy chia thành nhiều tệp"


def test_the_limit_is_five_thousand_data_rows() -> None:
    assert sources.MAX_ROWS == tables.MAX_ROWS == yamlfile.MAX_ROWS == 5000
    assert sources.SHEET_ROW_LIMIT == workbook.SHEET_ROW_LIMIT == 5000 + sources.HEADER_SCAN_ROWS


def test_huge_workbook_is_refused_before_it_is_loaded(tmp_path, monkeypatch, row_limit):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for number in range(1, 4 * row_limit + 1):
        sheet.append([number, f"Việc {number}", "Phòng Nội vụ", None, None, "năm 2023"])
    book.save(tmp_path / "lon.xlsx")
    loads = []
    real_load = openpyxl.load_workbook

    def spy(*args, **kwargs):
        loads.append(kwargs.get("read_only", False))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)  # the reader imports it when it reads
    assert reasons(tmp_path / "lon.xlsx") == [TOO_MANY]
    assert loads == [True]  # only the streaming read, stopped at the limit


def test_data_rows_over_the_limit_are_refused(tmp_path, row_limit):
    rows = [["1", "Việc", "Phòng Nội vụ", None, None, "năm 2023"]] * (row_limit + 1)
    assert reasons(task_xlsx(tmp_path, *rows)) == [TOO_MANY]
    assert read_task_table(task_xlsx(tmp_path, *rows[:row_limit]))[1][-1].row == row_limit + 1


def test_huge_csv_is_refused(tmp_path, row_limit):
    rows = [
        [n, f"Việc {n}", "Phòng Nội vụ", "", "", "năm 2023"] for n in range(1, 4 * row_limit + 1)
    ]
    assert reasons(csv_file(tmp_path / "lon.csv", [HEADER, *rows])) == [TOO_MANY]


# --- csv ---------------------------------------------------------------------------------


def test_csv_with_semicolons_in_windows_1258(tmp_path):
    lines = [
        "KẾ HOẠCH 32/KH-UBND, PHỤ LỤC;;;;",
        "STT;Nhiệm vụ, giải pháp;Đơn vị chủ trì;Thời hạn hoàn thành;Sản phẩm",
        "1;Rà soát, sửa đổi quy chế;Phòng Nội vụ;Quý II/2023;Quyết định",
        ";;;;",
        "2;Kiểm tra công vụ;;năm 2023;Báo cáo",
    ]
    path = tmp_path / "phu-luc.csv"
    path.write_bytes(cp1258("\r\n".join(lines) + "\r\n"))
    errors = errors_of(path)
    assert [str(e) for e in errors] == [
        "Dòng 5, cột Đơn vị chủ trì (cột C): ô bắt buộc nhưng đang để trống"
    ]
    path.write_bytes(cp1258("\r\n".join(lines[:3]) + "\r\n"))
    [row] = read_task_table(path)[1]
    assert (row.row, row.title, row.lead, row.deadline) == (
        3, "Rà soát, sửa đổi quy chế", "Phòng Nội vụ", "Quý II/2023"
    )  # fmt: skip


def test_csv_utf8_with_bom_and_quoted_commas(tmp_path):
    task = ["1.1", "Việc, có dấu phẩy", "Phòng Nội vụ", "Phòng A, Phòng B", "", "30/6/2023"]
    rows = [HEADER, task]
    path = csv_file(tmp_path / "phu-luc.csv", rows, encoding="utf-8-sig")
    [row] = read_task_table(path)[1]
    assert (row.code, row.title, row.support, row.deadline) == (
        "1.1", "Việc, có dấu phẩy", "Phòng A, Phòng B", "30/6/2023"
    )  # fmt: skip
    assert row.output is None


def test_csv_tab_separated_utf16(tmp_path):
    rows = [HEADER, ["1", "Việc một", "Phòng Nội vụ", "", "", "năm 2023"]]
    path = csv_file(tmp_path / "phu-luc.csv", rows, delimiter="\t", encoding="utf-16")
    assert read_task_table(path)[1][0].lead == "Phòng Nội vụ"


# --- yaml --------------------------------------------------------------------------------

PLAN = {
    "number": "32/KH-UBND",
    "date": date(2023, 2, 24),
    "title": "Khắc phục những tồn tại, hạn chế trong công tác CCHC năm 2022",
    "issuing_body": "UBND huyện Hương Khê",
}


def test_yaml_flat_tasks_with_the_plan(tmp_path):
    task = {
        "code": "1.1",
        "area": "Công tác chỉ đạo, điều hành CCHC",
        "title": "Ban hành kế hoạch",
        "lead": ["Phòng Nội vụ", "Văn phòng HĐND và UBND"],
        "support": "Các phòng, ban, đơn vị",
        "output": "Kế hoạch",
        "deadline": date(2023, 3, 31),
        "note": "gấp",
    }
    path = yaml_file(tmp_path / "kh.yaml", {"plan": PLAN, "tasks": [task]})
    meta, [row] = read_task_table(path)
    assert (meta.number, meta.date, meta.issuing_body) == (
        "32/KH-UBND", date(2023, 2, 24), "UBND huyện Hương Khê"
    )  # fmt: skip
    assert (row.row, row.code, row.area, row.area_code) == (
        1, "1.1", "Công tác chỉ đạo, điều hành CCHC", None
    )  # fmt: skip
    assert (row.lead, row.support, row.deadline) == (
        "Phòng Nội vụ; Văn phòng HĐND và UBND", "Các phòng, ban, đơn vị", date(2023, 3, 31)
    )  # fmt: skip
    assert row.columns["deadline"] == "deadline"


def test_yaml_nested_areas(tmp_path):
    path = tmp_path / "kh.yaml"
    path.write_text(
        """
areas:
  - code: 1
    name: Công tác chỉ đạo, điều hành
    tasks:
      - {code: 1.1, title: Việc một, lead: Phòng Nội vụ, deadline: Quý II/2023}
      - {code: "1.2", title: Việc hai, lead: Phòng Nội vụ, deadline: 2023}
  - code: "2"
    name: Cải cách thể chế
    tasks:
      - {title: Việc ba, lead: Phòng Tư pháp, deadline: thường xuyên}
""",
        encoding="utf-8",
    )
    meta, rows = read_task_table(path)
    assert meta.number is None
    assert [(r.row, r.code, r.area_code, r.area, r.deadline) for r in rows] == [
        (1, "1.1", "1", "Công tác chỉ đạo, điều hành", "Quý II/2023"),
        (2, "1.2", "1", "Công tác chỉ đạo, điều hành", "2023"),
        (3, None, "2", "Cải cách thể chế", "thường xuyên"),
    ]


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "kh.yaml"
    path.write_text("tasks:\n  - title: Việc một\n    lead: [Phòng Nội vụ\n", encoding="utf-8")
    [error] = errors_of(path)
    assert error.row == 4
    assert error.reason.startswith("Lỗi cú pháp YAML: ")


def test_yaml_wrong_types_unknown_keys_and_missing_values(tmp_path):
    tasks = [
        {"title": "Việc một", "lead": "Phòng Nội vụ", "deadline": "năm 2023"},
        {"title": ["không", "phải chuỗi"], "lead": {"a": 1}, "deadline": 3.5, "owner": "x"},
        "không phải bảng khóa",
        {"title": "Việc bốn", "lead": []},
    ]
    path = yaml_file(tmp_path / "kh.yaml", {"plan": {"date": "hôm qua"}, "tasks": tasks})
    assert reasons(path) == [
        "Khóa plan.date: ngày không hợp lệ (cần dạng 2023-02-24 hoặc 24/02/2023)",
        "Nhiệm vụ thứ 2, khóa owner: khóa không hợp lệ (các khóa hợp lệ: code, area, "
        "area_code, title, lead, support, deadline, output, note)",
        "Nhiệm vụ thứ 2, khóa title: sai kiểu dữ liệu: cần chuỗi văn bản",
        "Nhiệm vụ thứ 2, khóa lead: sai kiểu dữ liệu: cần chuỗi văn bản hoặc danh sách chuỗi",
        "Nhiệm vụ thứ 2, khóa deadline: sai kiểu dữ liệu: cần chuỗi văn bản hoặc ngày",
        "Nhiệm vụ thứ 3: mỗi mục phải là một bảng khóa: giá trị",
        "Nhiệm vụ thứ 4, khóa lead: thiếu giá trị bắt buộc",
        "Nhiệm vụ thứ 4, khóa deadline: thiếu giá trị bắt buộc",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("# chỉ có chú thích\n", "Tệp trống"),
        ("- a\n- b\n", "Tệp YAML phải là một bảng khóa có tasks hoặc areas"),
        ("tasks: []\n", "Không có dòng nhiệm vụ nào"),
        ("tasks: {}\n", "Khóa tasks: cần một danh sách"),
        ("tasks: []\nunits: []\n", "Khóa units: khóa không hợp lệ (các khóa hợp lệ: plan, tasks, "
         "areas)"),
    ],
)  # fmt: skip
def test_yaml_files_without_tasks(tmp_path, text, reason):
    path = tmp_path / "kh.yml"
    path.write_text(text, encoding="utf-8")
    assert reasons(path) == [reason]


# --- units register ----------------------------------------------------------------------

UNITS = [
    ["Danh mục đơn vị"],
    ["STT", "Tên đơn vị", "Loại", "Nhóm", "Tên gọi khác"],
    ["I", "CÁC PHÒNG, BAN"],
    ["1", "Phòng Nội vụ", "Phòng/ban", "Các phòng, ban, đơn vị; Tất cả đơn vị", "NV\nPhòng NV"],
    ["2", "Phòng Tư pháp", None, None, None],
    ["II", "CÁC XÃ, THỊ TRẤN"],
    ["3", "UBND xã Gia Phố", "Xã", "UBND các xã, thị trấn;Tất cả đơn vị", "Gia Phố"],
    ["4", "UBND xã Hà Linh", None, "UBND các xã, thị trấn", None],
]


def test_units_register_xlsx_with_a_group_sheet(tmp_path):
    path = xlsx(tmp_path / "don-vi.xlsx", UNITS, merges=("C7:C8",), title="Đơn vị")
    add_sheet(
        path,
        "Nhóm",
        [["Tên nhóm", "Tên gọi khác"], ["UBND các xã, thị trấn", "Các xã, thị trấn; UBND cấp xã"]],
    )
    units, groups = read_unit_table(path)
    assert units == [
        UnitRow(4, "Phòng Nội vụ", "Phòng/ban", ("Các phòng, ban, đơn vị", "Tất cả đơn vị"),
                ("NV", "Phòng NV")),
        UnitRow(5, "Phòng Tư pháp", None, (), ()),
        UnitRow(7, "UBND xã Gia Phố", "Xã", ("UBND các xã, thị trấn", "Tất cả đơn vị"),
                ("Gia Phố",)),
        UnitRow(8, "UBND xã Hà Linh", "Xã", ("UBND các xã, thị trấn",), ()),
    ]  # fmt: skip
    assert groups == [GroupRow(2, "UBND các xã, thị trấn", ("Các xã, thị trấn", "UBND cấp xã"))]


def test_units_register_duplicates_and_missing_names(tmp_path):
    rows = [
        ["Tên đơn vị", "Loại đơn vị"],
        ["Phòng Nội vụ", "Phòng/ban"],
        [None, "Xã"],
        ["PHONG NOI VU", "Phòng/ban"],
    ]
    path = xlsx(tmp_path / "don-vi.xlsx", rows)
    add_sheet(path, "Nhóm", [["Tên nhóm"], ["Tất cả đơn vị"], ["tất cả đơn vị"]])
    assert reasons(path, read_unit_table) == [
        "Dòng 3, cột Tên đơn vị (cột A): ô bắt buộc nhưng đang để trống",
        "Dòng 4, cột Tên đơn vị (cột A): trùng tên với đơn vị ở dòng 2",
        "Dòng 3, cột Tên nhóm (cột A, trang tính “Nhóm”): trùng tên với nhóm ở dòng 2",
    ]


def test_task_table_is_not_a_units_register(tmp_path):
    path = task_xlsx(tmp_path, ["1", "Việc một", "Phòng Nội vụ", None, None, "năm 2023"])
    [error] = errors_of(path, read_unit_table)
    assert error.reason.startswith("Thiếu cột bắt buộc: Tên đơn vị. Dòng tiêu đề (dòng 1)")


def test_units_register_csv(tmp_path):
    rows = [["Tên", "Loại đơn vị", "Nhóm"], ["Phòng Nội vụ", "Phòng/ban", "Các phòng, ban, đơn vị"]]
    path = csv_file(tmp_path / "don-vi.csv", rows, delimiter=";")
    units, groups = read_unit_table(path)
    assert units == [UnitRow(2, "Phòng Nội vụ", "Phòng/ban", ("Các phòng, ban, đơn vị",), ())]
    assert groups == []


def test_units_register_yaml(tmp_path):
    path = tmp_path / "don-vi.yaml"
    path.write_text(
        """
units:
  - name: Phòng Nội vụ
    kind: Phòng/ban
    groups: [Các phòng, ban, đơn vị]
    aliases: [NV]
  - name: UBND xã Gia Phố
    kind: Xã
    groups: "UBND các xã, thị trấn; Tất cả đơn vị"
groups:
  - name: UBND các xã, thị trấn
    aliases:
      - Các xã, thị trấn
""",
        encoding="utf-8",
    )
    units, groups = read_unit_table(path)
    assert units == [
        UnitRow(1, "Phòng Nội vụ", "Phòng/ban", ("Các phòng", "ban", "đơn vị"), ("NV",)),
        UnitRow(2, "UBND xã Gia Phố", "Xã", ("UBND các xã, thị trấn", "Tất cả đơn vị"), ()),
    ]
    assert groups == [GroupRow(1, "UBND các xã, thị trấn", ("Các xã, thị trấn",))]


def test_units_register_yaml_problems(tmp_path):
    data = {
        "units": [{"name": "Phòng Nội vụ", "kind": 3}, {"name": "phòng nội vụ"}, {"kind": "Xã"}],
        "groups": [{"name": "Nhóm A", "aliases": "A; B", "members": []}],
    }
    assert reasons(yaml_file(tmp_path / "don-vi.yaml", data), read_unit_table) == [
        "Đơn vị thứ 1, khóa kind: sai kiểu dữ liệu: cần chuỗi văn bản",
        "Đơn vị thứ 2, khóa name: trùng tên với đơn vị ở đơn vị thứ 1",
        "Đơn vị thứ 3, khóa name: thiếu giá trị bắt buộc",
        "Nhóm thứ 1, khóa members: khóa không hợp lệ (các khóa hợp lệ: name, aliases)",
    ]


# --- messages ----------------------------------------------------------------------------


def test_row_error_reads_as_a_sentence():
    assert str(RowError(7, "Thời hạn hoàn thành (cột F)", "ô trống")) == (
        "Dòng 7, cột Thời hạn hoàn thành (cột F): ô trống"
    )
    assert str(RowError(7, None, "ô gộp")) == "Dòng 7: ô gộp"
    assert str(RowError(None, None, "Tệp trống")) == "Tệp trống"
    error = ImportFileError([RowError(1, None, "a"), RowError(None, None, "b")])
    assert str(error) == "Dòng 1: a\nb"
