"""Free-text answers as officials type them, with and without diacritics."""

from datetime import date

import pytest

from bot.conversation.understand import parse_day, understand
from storage.vocab import AssignmentStatus as S

CASES = [
    ("xong", S.DONE, 100, None),
    ("Xong", S.DONE, 100, None),
    ("đã xong", S.DONE, 100, None),
    ("da xong", S.DONE, 100, None),
    ("hoàn thành", S.DONE, 100, None),
    ("đã hoàn thành", S.DONE, 100, None),
    ("da hoan thanh", S.DONE, 100, None),
    ("DA HOAN THANH", S.DONE, 100, None),
    ("hoàn tất", S.DONE, 100, None),
    ("đã thực hiện xong", S.DONE, 100, None),
    ("lam xong roi", S.DONE, 100, "roi"),
    ("done", S.DONE, 100, None),
    ("100%", S.DONE, 100, None),
    ("da xong, da gui bao cao so 45/BC-TP", S.DONE, 100, "da gui bao cao so 45/BC-TP"),
    ("Đã hoàn thành, đã gửi báo cáo số 45/BC-TP", S.DONE, 100, "đã gửi báo cáo số 45/BC-TP"),
    ("xong 100%", S.DONE, 100, None),
    (
        "hoàn thành: đã ban hành Quyết định 12/QĐ-UBND",
        S.DONE,
        100,
        "đã ban hành Quyết định 12/QĐ-UBND",
    ),
    ("đang làm 60%", S.IN_PROGRESS, 60, None),
    ("dang lam 60%", S.IN_PROGRESS, 60, None),
    ("đang thực hiện", S.IN_PROGRESS, None, None),
    ("dang thuc hien", S.IN_PROGRESS, None, None),
    ("Đang thực hiện 50%", S.IN_PROGRESS, 50, None),
    ("dang trien khai 30 %", S.IN_PROGRESS, 30, None),
    ("đang triển khai, dự kiến xong tuần sau", S.IN_PROGRESS, None, "dự kiến xong tuần sau"),
    ("đang xử lý hồ sơ", S.IN_PROGRESS, None, "hồ sơ"),
    ("dang tien hanh", S.IN_PROGRESS, None, None),
    ("đang hoàn thiện dự thảo 80%", S.IN_PROGRESS, 80, "dự thảo"),
    ("tiến độ 40%", S.IN_PROGRESS, 40, None),
    ("tien do 75 phan tram", S.IN_PROGRESS, 75, None),
    ("được 20%", S.IN_PROGRESS, 20, None),
    ("60%", S.IN_PROGRESS, 60, None),
    ("  60 %  ", S.IN_PROGRESS, 60, None),
    ("chưa xong", S.IN_PROGRESS, None, None),
    ("chua xong, can them 1 tuan", S.IN_PROGRESS, None, "can them 1 tuan"),
    ("chưa hoàn thành 70%", S.IN_PROGRESS, 70, None),
    ("bắt đầu triển khai", S.IN_PROGRESS, None, None),
    ("vướng", S.BLOCKED, None, None),
    ("vuong: chua co kinh phi", S.BLOCKED, None, "chua co kinh phi"),
    ("vướng mắc: chưa có kinh phí", S.BLOCKED, None, "chưa có kinh phí"),
    ("Vuong mac - cho y kien So Tu phap", S.BLOCKED, None, "cho y kien So Tu phap"),
    ("khó khăn về nhân sự", S.BLOCKED, None, "về nhân sự"),
    ("kho khan: thieu nguoi", S.BLOCKED, None, "thieu nguoi"),
    ("bị vướng thủ tục 30%", S.BLOCKED, 30, "bị thủ tục"),
    ("chưa thể thực hiện do thiếu kinh phí", S.BLOCKED, None, "do thiếu kinh phí"),
    ("chưa thực hiện", S.NOT_STARTED, None, None),
    ("chua thuc hien", S.NOT_STARTED, None, None),
    ("chưa triển khai", S.NOT_STARTED, None, None),
    ("chua lam", S.NOT_STARTED, None, None),
    ("chưa bắt đầu", S.NOT_STARTED, None, None),
    ("xin gia hạn", S.EXTENSION_REQUESTED, None, None),
    ("xin gia han den 15/7", S.EXTENSION_REQUESTED, None, "den 15/7"),
    (
        "xin gia hạn đến 15/07/2023 vì chờ Sở",
        S.EXTENSION_REQUESTED,
        None,
        "đến 15/07/2023 vì chờ Sở",
    ),
    ("gia hạn", S.EXTENSION_REQUESTED, None, None),
    ("xin lùi hạn", S.EXTENSION_REQUESTED, None, None),
    ("lui han 2 tuan", S.EXTENSION_REQUESTED, None, "2 tuan"),
    ("xin thêm thời gian", S.EXTENSION_REQUESTED, None, None),
    ("Hoàn Thành", S.DONE, 100, None),
    ("ĐANG LÀM 10%", S.IN_PROGRESS, 10, None),
    ("đang\nlàm\t45%", S.IN_PROGRESS, 45, None),
    ("xong.", S.DONE, 100, None),
    ("hoàn thành 100%, đã nộp", S.DONE, 100, "đã nộp"),
    ("đã hoàn tất báo cáo", S.DONE, 100, "báo cáo"),
    ("sắp xong", S.IN_PROGRESS, None, None),
    ("gần xong rồi", S.IN_PROGRESS, None, "rồi"),
    ("dự kiến xong 30/6", S.IN_PROGRESS, None, "30/6"),
    ("không xong được vì thiếu kinh phí", S.BLOCKED, None, "được vì thiếu kinh phí"),
    ("đã hoàn thành 50%", S.IN_PROGRESS, 50, None),
    ("đang làm 60%, xin gia hạn 15/7", S.EXTENSION_REQUESTED, 60, "đang làm, 15/7"),
    ("đang làm, không có vướng mắc", S.IN_PROGRESS, None, "không có vướng mắc"),
]

NOTHING = [
    "không có vướng mắc",
    "không cần gia hạn",
    "cảm ơn",
    "alo",
    "ai đấy",
    "ok",
    "chào anh",
    "150%",
    "",
    "   ",
    "xongxong",
    "hôm nay",
]


@pytest.mark.parametrize(("text", "status", "progress", "note"), CASES)
def test_answers_are_understood(
    text: str, status: S, progress: int | None, note: str | None
) -> None:
    got = understand(text, year=2023)
    assert got is not None
    assert (got.status, got.progress, got.note) == (status, progress, note)


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("text", NOTHING)
def test_text_without_a_status_is_not_guessed(text: str) -> None:
    assert understand(text, year=2023) is None


def test_an_extension_request_carries_the_proposed_date() -> None:
    assert understand("xin gia han den 15/7", year=2023).proposed == date(2023, 7, 15)
    assert understand("gia hạn đến 15/07/2024", year=2023).proposed == date(2024, 7, 15)
    assert understand("xin gia hạn đến 31/2", year=2023).proposed is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/07/2023", date(2023, 7, 15)),
        ("15/7", date(2023, 7, 15)),
        ("ngày 1-8-23", date(2023, 8, 1)),
        ("31/2/2023", None),
        ("không có", None),
    ],
)
def test_dates_in_answers(text: str, expected: date | None) -> None:
    assert parse_day(text, year=2023) == expected
