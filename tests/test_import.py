"""Plan and units import through the `nhacviec` CLI, on real SQLite files and real files."""

import csv
import json
import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml

from bot.cli import main
from bot.importing.rows import PlanMeta, TaskRow
from bot.importing.unit_register import parse_kind
from bot.importing.year_move import move_plan
from storage.textnorm import fold_words
from tests.factories import EXAMPLES, xlsx

pytestmark = pytest.mark.backends("sqlite", "postgresql")

UNITS = str(EXAMPLES / "don-vi-huong-khe.yaml")
PLAN_YAML = EXAMPLES / "ke-hoach-32-KH-UBND-2023.yaml"
PLAN_XLSX = EXAMPLES / "ke-hoach-32-KH-UBND-2023.xlsx"
HEADER = ["STT", "Nhiệm vụ, giải pháp", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn hoàn thành"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tasks_json(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    code, out, _ = run(capsys, "tasks", "--json", *extra)
    assert code == 0
    return json.loads(out)


@pytest.fixture
def units(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, err = run(capsys, "units", "import", UNITS)
    assert code == 0, err
    assert "34 đơn vị mới" in out
    return cli_env


def test_units_register_expands_groups(units: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "units", "list", "--json")
    listed = {u["name"]: u for u in json.loads(out)}
    assert code == 0 and len(listed) == 34
    communes = [u for u in listed.values() if "UBND các xã, thị trấn" in u["groups"]]
    assert len(communes) == 21
    assert listed["UBND thị trấn Hương Khê"]["kind"] == "town"
    assert listed["Phòng Tư pháp"]["kind"] == "department"
    code, out, _ = run(capsys, "units", "list")
    assert "UBND xã Hương Trà" in out and "Tổng: 34 đơn vị." in out


def test_example_yaml_imports_every_area_task_and_period(
    units: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import", str(PLAN_YAML))
    assert code == 0, err
    assert "Kế hoạch 32/KH-UBND: 30 nhiệm vụ mới" in out
    rows = tasks_json(capsys)
    assert len({r["task_code"] for r in rows}) == 30
    assert len({r["area"] for r in rows}) == 8
    reports = [r for r in rows if r["task_code"] == "1.7"]
    # III.2: every one of the 34 units reports for Q1, 6 months, Q3 and the year.
    assert len(reports) == 34 * 4
    assert sorted({r["deadline"] for r in reports}) == [
        "2023-03-31",
        "2023-06-30",
        "2023-09-30",
        "2023-12-31",
    ]
    assert {r["kind"] for r in reports} == {"recurring"}
    assert {r["status"] for r in rows} == {"not_started"}
    ongoing = [r for r in rows if r["kind"] == "ongoing"]
    assert ongoing and {r["deadline"] for r in ongoing} == {"2023-12-31"}


def test_xlsx_appendix_gives_the_same_assignments_as_yaml(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "import",
        str(PLAN_XLSX),
        "--plan-number",
        "32/KH-UBND",
        "--plan-date",
        "2023-02-24",
        "--plan-title",
        "Khắc phục tồn tại CCHC năm 2022",
    )
    assert code == 0, err
    from_xlsx = tasks_json(capsys)
    code, _, err = run(capsys, "import", str(PLAN_YAML))
    assert code == 0, err
    from_yaml = tasks_json(capsys)
    # Section rows in the xlsx are upper case, as offices write them; the area is the same.
    for row in from_xlsx + from_yaml:
        row["area"] = fold_words(row["area"])
    key = lambda r: (r["task_code"], r["unit"], r["deadline"] or "")  # noqa: E731
    assert sorted(from_xlsx, key=key) == sorted(from_yaml, key=key)


def test_lead_in_a_supporting_group_is_assigned_once_as_lead(
    units: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(PLAN_YAML))
    rows = tasks_json(capsys)
    pairs = [(r["task_code"], r["unit"], r["deadline"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    leads = {(r["task_code"], r["unit"]) for r in rows if r["role"] == "lead"}
    assert not any((r["task_code"], r["unit"]) in leads for r in rows if r["role"] == "support")


def test_filters_by_unit_alias_and_status(units: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", str(PLAN_YAML))
    mine = tasks_json(capsys, "--unit", "phong tu phap")
    assert mine and {r["unit"] for r in mine} == {"Phòng Tư pháp"}
    assert tasks_json(capsys, "--status", "done") == []
    assert len(tasks_json(capsys, "--status", "chưa thực hiện")) == len(tasks_json(capsys))
    code, _, err = run(capsys, "tasks", "--status", "xong roi")
    assert code == 2 and "không hợp lệ" in err
    code, _, err = run(capsys, "tasks", "--unit", "Phòng Không Có")
    assert code == 2 and "Không tìm thấy đơn vị" in err


def test_overdue_lists_most_overdue_first(units: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", str(PLAN_YAML))
    code, out, _ = run(capsys, "overdue", "--at", "2023-07-01T08:00", "--json")
    rows = json.loads(out)
    assert code == 0 and rows
    assert all(r["overdue"] and r["deadline"] < "2023-07-01" for r in rows)
    assert [r["deadline"] for r in rows] == sorted(r["deadline"] for r in rows)
    assert rows[0]["deadline"] == "2023-03-31" and rows[0]["days_overdue"] == 92
    code, out, _ = run(capsys, "overdue", "--at", "2023-07-01T08:00")
    assert f"Nhiệm vụ quá hạn tại 01/07/2023 08:00: {len(rows)} (" in out
    code, out, _ = run(capsys, "overdue", "--at", "2023-03-01")
    assert "Không có nhiệm vụ quá hạn" in out


def test_plain_table_wraps_long_titles_instead_of_cutting(
    units: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(PLAN_YAML))
    code, out, _ = run(capsys, "tasks", "--unit", "Phòng Tư pháp")
    assert code == 0 and "Trạng thái" in out and "Chưa thực hiện" in out
    assert "…" not in out and "văn bản" in out


def _edit_plan(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(PLAN_YAML.read_text())
    change(data)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


async def _mark_done(code: str, unit: str) -> None:
    from sqlalchemy import select

    from bot.service import open_app
    from bot.settings import load_settings
    from storage.db import transaction
    from storage.models import Assignment, StatusUpdate, Task, Unit

    async with open_app(load_settings(env_file=None)) as app, transaction(app.sessions) as s:
        query = select(Assignment).join(Task).join(Unit).where(Task.code == code, Unit.name == unit)
        assignment = (await s.execute(query)).scalars().first()
        assignment.status, assignment.progress = "done", 100
        s.add(StatusUpdate(assignment_id=assignment.id, status="done", progress=100, note="xong"))


def test_reimport_updates_in_place_keeps_history_and_cancels_removed(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import asyncio

    run(capsys, "import", str(PLAN_YAML))
    before = tasks_json(capsys)
    asyncio.run(_mark_done("2.1", "Phòng Tư pháp"))

    def change(data: dict) -> None:
        area2 = data["areas"][1]
        area2["tasks"][0]["title"] = "Tiêu đề mới của nhiệm vụ 2.1"
        data["areas"][7]["tasks"].pop()  # 8.3 leaves the plan

    code, out, err = run(capsys, "import", str(_edit_plan(tmp_path, change)))
    assert code == 0, err
    assert "0 nhiệm vụ mới, 29 cập nhật, 1 hủy bỏ (8.3);" in out
    after = tasks_json(capsys)
    assert "8.3" not in {r["task_code"] for r in after}
    assert len(after) == len(before) - sum(r["task_code"] == "8.3" for r in before)
    mine = [r for r in after if r["task_code"] == "2.1" and r["unit"] == "Phòng Tư pháp"]
    assert mine[0]["title"] == "Tiêu đề mới của nhiệm vụ 2.1"
    assert mine[0]["status"] == "done" and mine[0]["progress"] == 100
    # Putting the task back brings it back, with its assignments.
    code, out, _ = run(capsys, "import", str(PLAN_YAML))
    assert "0 nhiệm vụ mới, 30 cập nhật, 0 hủy bỏ" in out
    assert len(tasks_json(capsys)) == len(before)


def test_a_bad_row_writes_nothing_and_every_error_is_listed(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            ["1", "Việc đúng", "Phòng Nội vụ", "", "30/6/2023"],
            ["2", "Đơn vị lạ", "Phòng Du lịch", "", "30/6/2023"],
            ["2", "Mã trùng", "Phòng Tư pháp", "", "30/6/2023"],
            ["3", "Ngày không có", "Phòng Tư pháp", "", "31/2/2023"],
            ["4", "Hạn khó hiểu", "Phòng Tư pháp", "Phòng Ma", "sớm nhất có thể"],
        ],
        title="Sheet",
    )
    code, out, err = run(capsys, "import", str(path), "--plan-number", "9/KH", "--year", "2023")
    assert code == 1 and out == ""
    assert "5 lỗi, chưa ghi gì" in err
    assert "Dòng 3" in err and "Phòng Du lịch" in err
    assert "Dòng 4" in err and "trùng với dòng 3" in err
    assert "Dòng 5" in err and "ngày không có thật" in err and "31/2/2023" in err
    assert "Dòng 6" in err and "Phòng Ma" in err and "không hiểu thời hạn" in err
    assert tasks_json(capsys) == []


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.xlsx", b"", "trống"),
        ("plan.pdf", b"%PDF-1.4", "Định dạng tệp không được hỗ trợ"),
        ("plan.xlsx", b"not a zip", "không phải là tệp Excel"),
        ("plan.csv", "STT;Nhiệm vụ;Đơn vị chủ trì\n1;Việc;Phòng Nội vụ\n".encode(), "Thời hạn"),
    ],
)
def test_broken_files_get_a_clear_answer_and_write_nothing(
    units: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    content: bytes,
    expected: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run(capsys, "import", str(path), "--plan-number", "9/KH", "--year", "2023")
    assert code == 1 and expected in err
    assert tasks_json(capsys) == []


def test_a_file_four_times_the_row_limit_is_refused_whole(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, row_limit: int
) -> None:
    rows = [HEADER] + [
        [str(i), f"Việc {i}", "Phòng Nội vụ", "", "30/6/2023"] for i in range(4 * row_limit)
    ]
    path = xlsx(tmp_path / "big.xlsx", rows, title="Sheet")
    code, _, err = run(capsys, "import", str(path), "--plan-number", "9/KH", "--year", "2023")
    # Was `"20" in err`, which only ever matched the test's own name in the file path.
    assert code == 1 and "quá nhiều dòng: tối đa 5.000 dòng dữ liệu" in err
    assert tasks_json(capsys) == []


def test_plan_import_needs_the_units_register_first(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(PLAN_YAML))
    assert code == 1 and "nhacviec units import" in err


def test_xlsx_without_plan_number_says_which_option_to_add(
    units: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(PLAN_XLSX))
    assert code == 1 and "--plan-number" in err and "--plan-date" in err


def test_missing_file_is_named(units: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", "khong-co.xlsx", "--plan-number", "9/KH", "--year", "2023")
    assert code == 1 and "khong-co.xlsx" in err


def test_units_import_refuses_an_alias_used_twice(
    cli_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = yaml.safe_load(Path(UNITS).read_text())
    data["units"][1]["aliases"] = [data["units"][0]["name"]]
    path = tmp_path / "units.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, _, err = run(capsys, "units", "import", str(path))
    assert code == 1 and "đã dùng cho một đơn vị hoặc nhóm khác" in err
    code, out, _ = run(capsys, "units", "list", "--json")
    assert json.loads(out) == []


def test_units_reimport_is_idempotent(units: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "units", "import", UNITS)
    assert code == 0 and "0 đơn vị mới, 34 cập nhật" in out


def test_example_copy_outside_the_repo_still_imports(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "Phu luc KH 32.xlsx"
    shutil.copy(PLAN_XLSX, copy)
    code, _, err = run(capsys, "import", str(copy), "--plan-number", "32/KH-UBND", "--year", "2023")
    assert code == 0, err


def test_reimporting_a_spreadsheet_uses_the_stored_plans_year(
    units: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", str(PLAN_YAML))[0] == 0
    code, out, err = run(capsys, "import", str(PLAN_XLSX), "--plan-number", "32/KH-UBND")
    assert code == 0, err
    assert "0 nhiệm vụ mới, 30 cập nhật" in out


# --- a partial units register (issue 11, item 6) ------------------------------------------


def _tu_phap_only(tmp_path: Path) -> str:
    path = tmp_path / "mot-don-vi.csv"
    path.write_text("Tên đơn vị,Loại\nPhòng Tư pháp,Phòng/ban\n", encoding="utf-8")
    return str(path)


def _assigned(capsys: pytest.CaptureFixture[str], unit: str) -> int:
    return sum(r["unit"] == unit for r in tasks_json(capsys))


def test_a_partial_register_that_would_cancel_work_is_refused_and_says_why(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "import", str(PLAN_YAML))
    assigned = _assigned(capsys, "Phòng Tư pháp")
    code, out, err = run(capsys, "units", "import", _tu_phap_only(tmp_path))
    assert code == 1 and out == ""
    assert "chưa ghi gì" in err
    assert "Phòng Tư pháp: " in err and "nhiệm vụ đang giao (32/KH-UBND: " in err
    assert "nhập lại kế hoạch sẽ hủy các lượt giao này" in err
    assert "nhacviec units import TỆP --replace" in err
    # Nothing was written: the aliases and groups are still there, the work still assigned.
    code, out, _ = run(capsys, "units", "list", "--json")
    listed = {u["name"]: u for u in json.loads(out)}
    assert "Phòng Tư pháp huyện" in listed["Phòng Tư pháp"]["aliases"]
    assert "Các phòng, ban, đơn vị" in listed["Phòng Tư pháp"]["groups"]
    code, out, _ = run(capsys, "import", str(PLAN_YAML))
    assert "0 hủy bỏ" in out and "lượt giao việc (" not in out
    assert _assigned(capsys, "Phòng Tư pháp") == assigned


def test_replace_drops_them_says_what_and_the_plan_reimport_names_each_cancellation(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "import", str(PLAN_YAML))
    assigned = _assigned(capsys, "Phòng Tư pháp")
    code, out, err = run(capsys, "units", "import", _tu_phap_only(tmp_path), "--replace")
    assert code == 0, err
    assert "0 đơn vị mới, 1 cập nhật" in out
    assert (
        "Đã bỏ 2 tên gọi khác không còn trong tệp: "
        "Phòng Tư pháp: “Phòng Tư pháp huyện”; Phòng Tư pháp: “TP”." in out
    )
    assert "Phòng Tư pháp khỏi nhóm “Các phòng, ban, đơn vị”" in out
    assert "sẽ bị hủy khi nhập lại kế hoạch (--replace)" in out
    code, out, err = run(capsys, "import", str(PLAN_YAML))
    assert code == 0, err
    left = _assigned(capsys, "Phòng Tư pháp")
    assert left < assigned
    # Every cancelled assignment is counted and named: the open ones before minus those left.
    assert f"Đã hủy {assigned - left} lượt giao việc (" in out
    assert "nhiệm vụ của 1 đơn vị):\n- Phòng Tư pháp: 32/KH-UBND" not in out
    assert "\n- Phòng Tư pháp: " in out


def test_reimporting_the_full_register_removes_nothing_and_says_nothing_more(
    units: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(PLAN_YAML))
    code, out, _ = run(capsys, "units", "import", UNITS)
    assert code == 0 and out.strip().count("\n") == 0 and "0 đơn vị mới, 34 cập nhật" in out


def test_a_units_register_with_english_headers_and_kinds_imports_alike(
    cli_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    english = {
        "Phòng/ban": "department",
        "Xã": "commune",
        "Thị trấn": "town",
        "Đơn vị sự nghiệp": "service_unit",
    }
    book = openpyxl.load_workbook(EXAMPLES / "don-vi-huong-khe.xlsx")
    rows = list(book["Đơn vị"].iter_rows(min_row=2, values_only=True))
    assert {kind for _, _, kind, _, _ in rows} <= set(english)
    register = tmp_path / "units.csv"
    with register.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "kind", "group", "aliases"])
        writer.writerows(
            [name, english[kind], groups, aliases] for _, name, kind, groups, aliases in rows
        )
    code, out, err = run(capsys, "units", "import", str(register))
    assert code == 0, err
    assert "34 đơn vị mới" in out
    listed = json.loads(run(capsys, "units", "list", "--json")[1])
    # The Vietnamese register names the same units, of the same kinds, groups and aliases.
    code, out, _ = run(capsys, "units", "import", UNITS)
    assert code == 0 and "0 đơn vị mới, 34 cập nhật" in out
    assert json.loads(run(capsys, "units", "list", "--json")[1]) == listed
    assert {u["kind"] for u in listed} == {"department", "commune", "town"}


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("department", "department"),
        ("Service unit", "service_unit"),
        ("service_unit", "service_unit"),
        ("Commune", "commune"),
        ("TOWN", "town"),
        ("other", "other"),
    ],
)
def test_unit_kinds_in_english(written: str, kind: str) -> None:
    assert parse_kind(written) == kind


def test_moving_a_plan_to_another_year_moves_its_date_and_deadlines_together() -> None:
    meta = PlanMeta(number="32/KH-UBND", date=date(2024, 2, 29), title="CCHC năm 2023")
    rows = [
        TaskRow(
            1,
            "1",
            "Theo Quyết định 2125/QĐ-UBND ngày 17/10/2022",
            None,
            None,
            "A",
            None,
            deadline,
            None,
            None,
        )
        for deadline in ("Quý II/2024", "trước ngày 15/12/2024", "thường xuyên", date(2024, 6, 30))
    ]
    moved, tasks, issued_on = move_plan(meta, rows, issued_on=None, year=None, to=2026)
    assert moved.date == date(2026, 2, 28) and moved.title == "CCHC năm 2023" and not issued_on
    assert [t.deadline for t in tasks] == [
        "Quý II/2026",
        "trước ngày 15/12/2026",
        "thường xuyên",
        date(2026, 6, 30),
    ]
    assert {t.title for t in tasks} == {"Theo Quyết định 2125/QĐ-UBND ngày 17/10/2022"}


def test_a_yaml_plan_error_names_the_task_and_key(
    units: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def wrong(data: dict) -> None:
        data["areas"][0]["tasks"][1]["lead"] = "Phòng Không Có"
        data["areas"][0]["tasks"][2]["deadline"] = "30/6/1023"

    code, _, err = run(capsys, "import", str(_edit_plan(tmp_path, wrong)))
    assert code == 1
    assert re.search(r"Nhiệm vụ thứ \d+, khóa lead: .*Phòng Không Có", err)
    assert re.search(r"Nhiệm vụ thứ \d+, khóa deadline: .*1023", err)
    assert "Dòng " not in err
