"""What can go wrong when reading a file (the words are in bot/texts/import_errors.py).

ImportFileError
    Raised once per file, carrying every RowError found (not just the first), so the
    coordinator can fix the whole spreadsheet in one go.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from bot.texts.import_errors import COLUMN, ROW


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
