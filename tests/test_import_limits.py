"""Hostile files, small on disk and huge once opened, are refused before they are parsed.

Each was minutes of CPU or gigabytes of memory before (issue 11, item 5). The files are
built here in milliseconds; what proves they are refused early is that the workbook is
never loaded whole (a spy on openpyxl) and that the error says why.
"""

from pathlib import Path

import openpyxl
import pytest

from bot.importing import limits
from bot.importing.reader import ImportFileError, read_task_table, read_unit_table
from tests.factories import (
    SHEET_XML,
    csv_file,
    declare_size,
    rewrite_part,
    xlsx,
    xlsx_big_cell,
    xlsx_blank_rows,
    xlsx_far_cell,
    yaml_bomb,
)

HEADER = ["STT", "Nhiệm vụ/giải pháp", "Đơn vị chủ trì", "Đơn vị phối hợp", "Sản phẩm", "Thời hạn"]
TASK = ["1", "Việc", "Phòng Nội vụ", None, None, "năm 2023"]
TOO_WIDE = "ngoài vùng được đọc (tối đa 20.000 dòng, 100 cột, kể cả ô trống có định dạng)"


def reasons(path: Path, read=read_task_table) -> list[str]:
    with pytest.raises(ImportFileError) as caught:
        read(path)
    return [str(error) for error in caught.value.errors]


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each openpyxl.load_workbook call, as its read_only flag."""
    seen: list[bool] = []
    real_load = openpyxl.load_workbook

    def spy(*args, **kwargs):
        seen.append(kwargs.get("read_only", False))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)  # the reader imports it when it reads
    return seen


def test_a_cell_at_xfd1048576_is_refused_by_the_declared_dimension(tmp_path, loads):
    path = xlsx_far_cell(tmp_path / "xa.xlsx", HEADER)
    assert path.stat().st_size < 10_000
    assert reasons(path) == [f"Trang tính “Sheet” có ô ở XFD1048576, {TOO_WIDE}: " + REMOVE]
    assert loads == [True]


REMOVE = "hãy xóa các dòng, cột thừa rồi lưu lại"


def test_a_far_cell_the_dimension_does_not_declare_is_refused_while_streaming(tmp_path, loads):
    path = xlsx_far_cell(tmp_path / "xa.xlsx", HEADER)
    rewrite_part(path, SHEET_XML, lambda xml: xml.replace("A1:XFD1048576", "A1:F1"))
    assert reasons(path) == [f"Trang tính “Sheet” có ô ở dòng 20.001 trở đi, {TOO_WIDE}: " + REMOVE]
    assert loads == [True]


def test_a_million_blank_rows_are_refused_unopened(tmp_path, loads):
    path = xlsx_blank_rows(tmp_path / "trong.xlsx", HEADER, 1_000_000)
    [reason] = reasons(path)
    assert reason.startswith("Tệp Excel khi giải nén quá lớn (")
    assert "tối đa 16 MB" in reason
    assert loads == []


def test_blank_rows_past_the_last_readable_row_are_refused(tmp_path, loads):
    path = xlsx_blank_rows(tmp_path / "trong.xlsx", HEADER, 25_000)
    assert reasons(path) == [
        f"Trang tính “Phụ lục” có ô ở dòng 20.001 trở đi, {TOO_WIDE}: " + REMOVE
    ]
    assert loads == [True]


def test_too_many_cells_in_all_sheets_are_refused(tmp_path, monkeypatch, loads):
    monkeypatch.setattr(limits, "MAX_CELLS", 50)  # the same check as 500.000, on a small file
    monkeypatch.setattr("bot.importing.workbook.MAX_CELLS", 50)
    path = xlsx(tmp_path / "nhieu.xlsx", [HEADER, *[TASK] * 10])
    assert reasons(path) == [
        "Tệp Excel có quá nhiều ô (tối đa 50, kể cả ô trống có định dạng): " + REMOVE
    ]
    assert loads == [True]


def test_a_400_mb_cell_is_refused_from_the_zip_directory(tmp_path, loads):
    # Inflated for real, but only to 40 MB: the part limit is 16 MB whatever the cell.
    path = xlsx_big_cell(tmp_path / "o.xlsx", HEADER, 40 * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024
    [reason] = reasons(path)
    assert reason.startswith("Tệp Excel khi giải nén quá lớn (40,0 MB, tối đa 16 MB)")
    assert loads == []


def test_a_declared_size_of_400_mb_is_refused_without_inflating(tmp_path, loads):
    path = declare_size(xlsx_big_cell(tmp_path / "o.xlsx", HEADER, 10), SHEET_XML, 400 << 20)
    [reason] = reasons(path)
    assert reason.startswith("Tệp Excel khi giải nén quá lớn (400,0 MB, tối đa 100 MB)")
    assert loads == []


def test_a_part_that_inflates_too_much_for_its_size_is_refused(tmp_path, monkeypatch, loads):
    monkeypatch.setattr(limits, "RATIO_FROM_BYTES", 1000)
    path = xlsx_big_cell(tmp_path / "o.xlsx", HEADER, 300_000)  # packs ~1000:1
    [reason] = reasons(path)
    assert reason.startswith("Tệp Excel nén bất thường (giải nén lớn gấp ")
    assert loads == []


def test_a_cell_over_excels_32767_characters_is_a_row_error(tmp_path):
    path = xlsx_big_cell(tmp_path / "o.xlsx", HEADER, 40_000)
    assert reasons(path) == [
        "Dòng 2, cột Nhiệm vụ/giải pháp (cột B): ô dài 40.000 ký tự, "
        "quá giới hạn 32.767 ký tự của Excel"
    ]


def test_csv_cells_and_columns_are_bounded_too(tmp_path):
    long_cell = csv_file(tmp_path / "dai.csv", [HEADER, ["1", "A" * 40_000, *TASK[2:]]])
    assert reasons(long_cell) == [
        "Dòng 2, cột Nhiệm vụ/giải pháp (cột B): ô dài 40.000 ký tự, "
        "quá giới hạn 32.767 ký tự của Excel"
    ]
    wide = csv_file(tmp_path / "rong.csv", [HEADER, [*TASK, *[""] * 200, "x"]])
    assert reasons(wide) == [f"Trang tính “rong” có ô ở GY2, {TOO_WIDE}: " + REMOVE]


def test_a_yaml_billion_laughs_is_refused_before_any_task_is_built(tmp_path):
    path = yaml_bomb(tmp_path / "bom.yaml")  # 100.000.000 tasks in 80 KB
    assert path.stat().st_size < 100_000
    assert reasons(path) == [
        "Tệp YAML quá lớn: hơn 500.000 giá trị (tính cả các giá trị lặp lại qua bí danh & và *)"
    ]
    assert reasons(path, read_unit_table)[0].startswith("Tệp YAML quá lớn")


def test_yaml_aliases_within_the_budget_still_work(tmp_path):
    path = yaml_bomb(tmp_path / "nho.yaml", areas=3, tasks=4)
    _, tasks = read_task_table(path)
    assert len(tasks) == 12 and {task.title for task in tasks} == {"Việc"}


def test_yaml_nested_past_a_hundred_levels_is_refused(tmp_path):
    path = tmp_path / "sau.yaml"
    path.write_text("tasks: " + "[" * 150 + "]" * 150, encoding="utf-8")
    assert reasons(path) == ["Lỗi cú pháp YAML: lồng nhau quá sâu"]
