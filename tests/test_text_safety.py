"""Text from people is made safe where it enters: control characters never reach a file,
zero-width characters never make two codes or names that look the same (issue 11, item 7).
The digest files' side is in test_digest_files.py, the chat's in test_conversation.py."""

import unicodedata
from pathlib import Path

from bot.importing.reader import read_task_table
from storage.textnorm import clean_text, fold_words
from tests.factories import csv_file, yaml_file

HEADER = ["STT", "Nhiệm vụ/giải pháp", "Đơn vị chủ trì", "Thời hạn", "Ghi chú"]
EVIL = '=HYPERLINK("http://evil.example/steal","Bấm để xem")'


def test_clean_text_keeps_words_and_breaks_drops_controls_and_zero_width() -> None:
    assert clean_text("a\x0bb\x0cc\r\nd\re") == "a\nb\nc\nd\ne"
    assert clean_text("x\x00\x07\x1b\x7f\x9fy\ud800\ufffe") == "xy"
    assert clean_text("1\u200b.\u200c2\u200d\u2060\ufeff") == "1.2"
    assert clean_text(unicodedata.normalize("NFD", "Tiếp\tnhận")) == "Tiếp\tnhận"  # NFC, tab
    assert fold_words("Phòng\u200b Tư\ufeff pháp") == fold_words("Phòng Tư pháp")


def test_imported_titles_and_notes_lose_control_characters_and_keep_formulas_as_text(
    tmp_path: Path,
) -> None:
    rows = [HEADER, ["1\u200b", EVIL + "\x07", "Phòng\u200b Nội vụ", "năm 2023", "ghi\x1b chú"]]
    for path in (
        csv_file(tmp_path / "p.csv", rows),
        yaml_file(
            tmp_path / "p.yaml",
            {
                "tasks": [
                    dict(zip(("code", "title", "lead", "deadline", "note"), rows[1], strict=True))
                ]
            },
        ),
    ):
        [task] = read_task_table(path)[1]
        assert (task.code, task.title, task.lead, task.note) == (
            "1",
            EVIL,
            "Phòng Nội vụ",
            "ghi chú",
        ), path.suffix


def test_two_codes_that_look_the_same_are_one_code(tmp_path: Path) -> None:
    rows = [HEADER, ["1.1", "Việc", "Phòng Nội vụ", "năm 2023"]]
    rows.append(["1.1\u200b", "Việc khác", "Phòng Nội vụ", "năm 2023"])
    codes = [task.code for task in read_task_table(csv_file(tmp_path / "p.csv", rows))[1]]
    assert codes == ["1.1", "1.1"]  # so the plan check reports them as one code used twice
