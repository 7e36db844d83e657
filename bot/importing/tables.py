"""Rows of a sheet, below its header, to TaskRow, UnitRow and GroupRow.

Section rows: appendices put areas as rows inside the table ("I. CÔNG TÁC CHỈ ĐẠO"
across the row, or STT "II" beside "CẢI CÁCH THỂ CHẾ"). A row with text but nothing in
the lead, support, deadline and output columns is one; it names the area of the rows
below it until the next. Merged cells: a range down one data column means the same
value for every row it covers; a range across several data columns of a data row is
reported, since no one can tell which column the value belongs to.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from bot.importing.errors import RowError
from bot.importing.headers import TASK_REQUIRED, Header
from bot.importing.rows import GroupRow, TaskRow, UnitRow, split_names
from bot.importing.sources import MAX_ROWS, Cell, Merge, Sheet, too_many_rows
from bot.texts import dates
from bot.texts.import_errors import DUPLICATE_GROUP, DUPLICATE_UNIT, REQUIRED_EMPTY, WIDE_MERGE
from storage.textnorm import fold_words

Cells = dict[str, Cell]  # field -> cell

_SECTION_BLOCKERS = ("lead", "support", "deadline", "output")
_ROMAN = r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})"
_SECTION_CODE = re.compile(rf"\d+|{_ROMAN}|[A-Z]")  # "2", "II", "B"; not "a" or "1.2"
_BARE_CODE = re.compile(r"\S{1,10}")  # "12", "II", "1.2." alone: a template's numbering
_NUMBERED = (  # "II. Cải cách", "2) Cải cách", "2.1 Cải cách"; not "VI PHẠM" nor "1.2"
    re.compile(rf"({_ROMAN})\s*[.):\-–]\s*(?!\d)(.*)", re.S),
    re.compile(r"(\d+(?:\.\d+)*)(?:\s*[.):\-–]\s*|\s+)(?!\d)(.*)", re.S),
)
_COLUMN_NUMBER = re.compile(r"\(?(\d{1,2}|[A-Z])\)?")  # the "(1) (2) (3)" row under a header


def split_numbering(text: str) -> tuple[str | None, str]:
    """("II", "CẢI CÁCH THỂ CHẾ") from "II. CẢI CÁCH THỂ CHẾ:"; (None, text) if unnumbered."""
    text = " ".join(text.split())
    for pattern in _NUMBERED:
        if (match := pattern.fullmatch(text)) and match[2]:
            return match[1], match[2].rstrip(" :")
    return None, text.rstrip(" :")


@dataclass(frozen=True)
class _Row:
    number: int
    cells: Cells  # field -> cell
    problems: list[RowError]  # cells that cannot be read
    wide: RowError | None  # a merge across several fields, an error unless a heading

    def errors(self, header: Header, required: tuple[str, ...]) -> list[RowError]:
        """Its problems, the merge across fields, and required cells left empty."""
        reported = {error.column for error in self.problems}
        empty = [
            RowError(self.number, header.labels[name], REQUIRED_EMPTY)
            for name in required
            if self.cells.get(name) is None and header.labels[name] not in reported
        ]
        return self.problems + ([self.wide] if self.wide else []) + empty


def read_tasks(sheet: Sheet, header: Header) -> tuple[list[TaskRow], list[RowError]]:
    tasks: list[TaskRow] = []
    errors: list[RowError] = []
    section: tuple[str | None, str | None] = (None, None)  # area code, area
    labels = MappingProxyType(dict(header.labels))
    for row in _data_rows(sheet, header):
        if not row.problems and (found := _section(row.cells)):
            section = found
            continue
        errors += row.errors(header, TASK_REQUIRED)
        tasks.append(_task(row.number, row.cells, section, labels))
    return tasks, errors


def read_units(sheet: Sheet, header: Header) -> tuple[list[UnitRow], list[RowError]]:
    units: list[UnitRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in _data_rows(sheet, header):
        if not row.problems and _is_unit_section(row.cells):
            continue
        errors += row.errors(header, ("name",))
        if (name := _text(row.cells.get("name"))) is None:
            continue
        errors += _duplicate(row.number, name, seen, header.labels["name"], DUPLICATE_UNIT)
        kind, groups, aliases = (_text(row.cells.get(key)) for key in ("kind", "groups", "aliases"))
        units.append(UnitRow(row.number, name, kind, split_names(groups), split_names(aliases)))
    return units, errors


def read_groups(sheet: Sheet, header: Header) -> tuple[list[GroupRow], list[RowError]]:
    groups: list[GroupRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in _data_rows(sheet, header):
        errors += row.errors(header, ("name",))
        if (name := _text(row.cells.get("name"))) is None:
            continue
        errors += _duplicate(row.number, name, seen, header.labels["name"], DUPLICATE_GROUP)
        groups.append(GroupRow(row.number, name, split_names(_text(row.cells.get("aliases")))))
    return groups, errors


def _data_rows(sheet: Sheet, header: Header) -> Iterator[_Row]:
    """Non-blank rows below the header, with their cells by field."""
    numbers = sorted(number for number in sheet.rows if number > header.row)
    if len(numbers) > MAX_ROWS:
        raise too_many_rows()
    wide = _apply_merges(sheet, header)  # rows blank before the fill stay skipped
    for position, number in enumerate(numbers):
        values = sheet.rows[number]
        cells = {name: values[i] if i < len(values) else None for name, i in header.columns.items()}
        problems = [
            RowError(number, header.labels[name], sheet.problems[(number, i)])
            for name, i in header.columns.items()
            if (number, i) in sheet.problems
        ]
        if not problems and (
            _blank(cells) or _is_template(cells) or (position == 0 and _is_column_numbers(cells))
        ):
            continue
        merge = None
        if number in wide:
            name, cells_range = wide[number]
            merge = RowError(number, header.labels[name], WIDE_MERGE.format(cells=cells_range))
        yield _Row(number, cells, problems, merge)


def _apply_merges(sheet: Sheet, header: Header) -> dict[int, tuple[str, str]]:
    """Fill merges down their column; return rows crossed by a merge of several fields."""
    fields = {index: name for name, index in header.columns.items()}
    wide: dict[int, tuple[str, str]] = {}
    for merge in sheet.merges:
        spanned = [i for i in range(merge.min_col - 1, merge.max_col) if i in fields]
        if merge.min_row <= header.row or not spanned:
            continue
        value = _anchor(sheet, merge)
        sheet.put(merge.min_row, spanned[0], value)  # an anchor outside the fields moves in
        rows = range(merge.min_row, merge.max_row + 1)
        if len(spanned) > 1:
            wide.update((row, (fields[spanned[0]], merge.cells)) for row in rows)
        elif value is not None:
            for row in rows:
                sheet.put(row, spanned[0], value)
    return wide


def _anchor(sheet: Sheet, merge: Merge) -> Cell:
    row = sheet.rows.get(merge.min_row, [])
    return row[merge.min_col - 1] if merge.min_col - 1 < len(row) else None


def _section(cells: Cells) -> tuple[str | None, str] | None:
    """(area code, area) if this is a section row."""
    if not _is_task_section(cells):
        return None
    code, title = _code(cells.get("code")), _text(cells.get("title"))
    text = title or _text(cells.get("area")) or _text(cells.get("note"))
    if text is None:  # everything is in the STT cell: "I. CÔNG TÁC CHỈ ĐẠO" across the row
        text, code = _text(cells.get("code")), None
    if text is None:
        return None
    number, name = split_numbering(text)
    if code and not (number or _SECTION_CODE.fullmatch(code)):
        return None  # "a" or "1.2" beside a bare title: a task missing its columns, not a section
    return (code or number), name


def _is_task_section(cells: Cells) -> bool:
    return all(cells.get(name) is None for name in _SECTION_BLOCKERS) and not _blank(cells)


def _is_unit_section(cells: Cells) -> bool:
    """A heading, not a unit: "I. CÁC PHÒNG, BAN" (or STT "I") and nothing else."""
    if any(cells.get(name) is not None for name in ("kind", "groups", "aliases")):
        return False
    code, name = _code(cells.get("code")), _text(cells.get("name"))
    if code is not None and re.fullmatch(_ROMAN, code):
        return True
    text = name or code or ""
    return bool(text) and _NUMBERED[0].fullmatch(" ".join(text.split())) is not None


def _task(
    number: int, cells: Cells, section: tuple[str | None, str | None], labels: MappingProxyType
) -> TaskRow:
    area_code, area = section
    if (written := _text(cells.get("area"))) is not None:
        code, name = split_numbering(written)
        same = area is not None and fold_words(name) == fold_words(area)
        area_code, area = (code or (area_code if same else None)), name
    deadline = cells.get("deadline")
    return TaskRow(
        row=number,
        code=_code(cells.get("code")),
        title=_text(cells.get("title")) or "",
        area=area,
        area_code=area_code,
        lead=_text(cells.get("lead")),
        support=_text(cells.get("support")),
        deadline=deadline if isinstance(deadline, date) else _text(deadline),
        output=_text(cells.get("output")),
        note=_text(cells.get("note")),
        columns=labels,
    )


def _duplicate(number: int, name: str, seen: dict[str, int], label: str, reason: str) -> list:
    first = seen.setdefault(fold_words(name), number)
    if first == number:
        return []
    return [RowError(number, label, reason.format(place=RowError(first, None, "").place))]


def _blank(cells: Cells) -> bool:
    return all(cell is None for cell in cells.values())


def _is_template(cells: Cells) -> bool:
    """A row numbered in advance and left empty."""
    code = _text(cells.get("code"))
    others = (cell for name, cell in cells.items() if name != "code")
    return code is not None and bool(_BARE_CODE.fullmatch(code)) and all(c is None for c in others)


def _is_column_numbers(cells: Cells) -> bool:
    texts = [cell for cell in cells.values() if cell is not None]
    return len(texts) >= 3 and all(
        isinstance(text, str) and _COLUMN_NUMBER.fullmatch(text) for text in texts
    )


def _text(cell: Cell) -> str | None:
    if isinstance(cell, date):
        return dates.day(cell)
    return cell


def _code(cell: Cell) -> str | None:
    """STT as written, without the trailing "." or ")" of "1." and "a)"."""
    text = _text(cell)
    return (text.rstrip(".)").strip() or None) if text else None
