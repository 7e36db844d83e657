"""Reading a plan's task appendix and a units register into plain rows.

Formats: .xlsx (what offices use), .csv and .yaml. Nothing here touches the database or
resolves units and deadlines: the importer does that with these rows. Every problem of
the file is collected and raised at once as ImportFileError.
"""

from pathlib import Path

from bot.importing.errors import ImportFileError, RowError, file_error
from bot.importing.headers import (
    GROUP_HEADERS,
    GROUP_REQUIRED,
    TASK_HEADERS,
    TASK_REQUIRED,
    UNIT_HEADERS,
    UNIT_REQUIRED,
    Header,
    Synonyms,
    display_name,
    find_header,
)
from bot.importing.rows import GroupRow, PlanMeta, TaskRow, UnitRow
from bot.importing.sources import (
    HEADER_SCAN_ROWS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    Sheet,
    check_file,
    read_csv,
)
from bot.importing.tables import read_groups, read_tasks, read_units
from bot.importing.workbook import read_xlsx
from bot.importing.yamlfile import read_yaml_tasks, read_yaml_units
from bot.texts.import_errors import FILE_EMPTY, MISSING_COLUMNS, NO_HEADER, NO_TASKS, NO_UNITS

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "GroupRow",
    "ImportFileError",
    "PlanMeta",
    "RowError",
    "TaskRow",
    "UnitRow",
    "read_task_table",
    "read_unit_table",
]


def read_task_table(path: Path) -> tuple[PlanMeta, list[TaskRow]]:
    """The tasks of an appendix, in file order; only YAML carries the plan's own details."""
    kind = check_file(path)
    if kind == "yaml":
        return read_yaml_tasks(path)
    sheet, header = _table(_sheets(path, kind), TASK_HEADERS, TASK_REQUIRED)
    tasks, errors = read_tasks(sheet, header)
    if errors:
        raise ImportFileError(errors)
    if not tasks:
        raise file_error(NO_TASKS)
    return PlanMeta(), tasks


def read_unit_table(path: Path) -> tuple[list[UnitRow], list[GroupRow]]:
    """Units, and the group aliases of a workbook's group sheet ("Tên nhóm", "Tên gọi khác")."""
    kind = check_file(path)
    if kind == "yaml":
        return read_yaml_units(path)
    sheets = _sheets(path, kind)
    sheet, header = _table(sheets, UNIT_HEADERS, UNIT_REQUIRED)
    units, errors = read_units(sheet, header)
    groups: list[GroupRow] = []
    if (group_table := _group_table(sheets, sheet)) is not None:
        groups, group_errors = read_groups(*group_table)
        errors += group_errors
    if errors:
        raise ImportFileError(errors)
    if not units:
        raise file_error(NO_UNITS)
    return units, groups


def _sheets(path: Path, kind: str) -> list[Sheet]:
    sheets = read_xlsx(path) if kind == "xlsx" else [read_csv(path)]
    if not any(sheet.rows for sheet in sheets):
        raise file_error(FILE_EMPTY)
    return sheets


def _group_table(sheets: list[Sheet], units: Sheet) -> tuple[Sheet, Header] | None:
    """Another sheet with a "Tên nhóm" column, if the workbook has one."""
    for sheet in sheets:
        if sheet is not units:
            header = find_header(sheet, GROUP_HEADERS, name_sheet=True)
            if header is not None and not header.missing(GROUP_REQUIRED):
                return sheet, header
    return None


def _table(
    sheets: list[Sheet], synonyms: Synonyms, required: tuple[str, ...]
) -> tuple[Sheet, Header]:
    """The first sheet whose header has every required column, and that header."""
    best: tuple[Sheet, Header] | None = None
    for sheet in sheets:
        header = find_header(sheet, synonyms)
        if header is not None and not header.missing(required):
            return sheet, header
        if header is not None and (best is None or len(header.columns) > len(best[1].columns)):
            best = sheet, header
    if best is None:
        needed = ", ".join(display_name(synonyms, name) for name in required)
        raise file_error(NO_HEADER.format(rows=HEADER_SCAN_ROWS, needed=needed))
    header = best[1]
    missing = ", ".join(display_name(synonyms, name) for name in header.missing(required))
    found = ", ".join(header.found)
    raise file_error(MISSING_COLUMNS.format(missing=missing, row=header.row, found=found))
