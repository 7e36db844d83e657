"""YAML task appendices and unit registers, checked key by key.

Every problem is reported where it is: the item ("Nhiệm vụ thứ 3", counted from 1 across
the file) and the key. Tasks may be listed flat (`tasks:`, each with its `area`) or
under their area (`areas: [{code, name, tasks}]`), or both.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import yaml

from bot.importing.errors import ImportFileError, RowError, file_error
from bot.importing.limits import check_yaml_size
from bot.importing.rows import GroupRow, PlanMeta, TaskRow, UnitRow, split_names
from bot.importing.sources import MAX_ROWS, too_many_rows
from bot.texts.import_errors import (
    BAD_DATE,
    DUPLICATE_GROUP,
    DUPLICATE_UNIT,
    FILE_EMPTY,
    ITEM_AREA,
    ITEM_GROUP,
    ITEM_TASK,
    ITEM_UNIT,
    NO_TASKS,
    NO_UNITS,
    NOT_A_LIST,
    NOT_A_MAPPING,
    OR,
    REQUIRED_MISSING,
    TYPE_CODE,
    TYPE_DEADLINE,
    TYPE_TEXT,
    TYPE_TEXTS,
    UNKNOWN_KEY,
    WRONG_TYPE,
    YAML_ENCODING,
    YAML_KEY,
    YAML_SYNTAX,
    YAML_TOO_DEEP,
    YAML_TOP,
)
from storage.textnorm import clean_text, fold_words

TASK_KEYS = ("code", "area", "area_code", "title", "lead", "support", "deadline", "output", "note")
AREA_KEYS = ("code", "name", "tasks")
PLAN_KEYS = ("number", "date", "title", "issuing_body")
UNIT_KEYS = ("name", "kind", "groups", "aliases")
GROUP_KEYS = ("name", "aliases")
_TASK_COLUMNS = MappingProxyType({key: key for key in TASK_KEYS})
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # the C loader when PyYAML was built with it: the same rules, faster
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """The safe loader, except that an impossible date stays text (see `_timestamp`)."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    # PyYAML raises ValueError for an unquoted 2023-02-31; as text, the row check names it.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@dataclass
class _Item:
    """One mapping of the file, collecting the problems of its keys."""

    data: dict
    row: int | None
    word: str
    errors: list[RowError] = field(default_factory=list)
    prefix: str = ""

    def error(self, key: str | None, reason: str) -> None:
        column = None if key is None else self.prefix + key
        self.errors.append(RowError(self.row, column, reason, self.word, YAML_KEY))

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(str(key), UNKNOWN_KEY.format(keys=", ".join(allowed)))

    def text(self, key: str, *, required: bool = False, numbers: bool = False) -> str | None:
        value = self.data.get(key)
        if numbers and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(int(value)) if float(value).is_integer() else str(value)
        if value is not None and not isinstance(value, str):
            self.error(key, WRONG_TYPE.format(expected=TYPE_CODE if numbers else TYPE_TEXT))
            return None
        value = _clean(value)
        if value is None and required:
            self.error(key, REQUIRED_MISSING)
        return value

    def names(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        """A string (split on ';' and new lines) or a list of strings."""
        value = self.data.get(key)
        if isinstance(value, str) or value is None:
            names = split_names(_clean(value))
        elif isinstance(value, list) and all(isinstance(name, str) for name in value):
            names = tuple(dict.fromkeys(name for v in value if (name := _clean(v))))
        else:
            self.error(key, WRONG_TYPE.format(expected=TYPE_TEXTS))
            return ()
        if not names and required:
            self.error(key, REQUIRED_MISSING)
        return names

    def joined(self, key: str, *, required: bool = False) -> str | None:
        return "; ".join(self.names(key, required=required)) or None

    def day(self, key: str, *, required: bool = False) -> str | date | None:
        value = self.data.get(key)
        if isinstance(value, date):
            return value.date() if isinstance(value, datetime) else value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # "deadline: 2023", a year
        if value is None or isinstance(value, str):
            return self.text(key, required=required)
        self.error(key, WRONG_TYPE.format(expected=TYPE_DEADLINE))
        return None


def read_yaml_tasks(path: Path) -> tuple[PlanMeta, list[TaskRow]]:
    data = _top(_load(path), ("plan", "tasks", "areas"), ("tasks", "areas"))
    errors: list[RowError] = []
    meta = _plan(data.get("plan"), errors)
    items = list(_task_items(data, errors))
    if len(items) > MAX_ROWS:
        raise too_many_rows()
    tasks = [task for index, item in enumerate(items, 1) if (task := _task(index, *item, errors))]
    if errors:
        raise ImportFileError(errors)
    if not tasks:
        raise file_error(NO_TASKS)
    return meta, tasks


def read_yaml_units(path: Path) -> tuple[list[UnitRow], list[GroupRow]]:
    data = _top(_load(path), ("units", "groups"), ("units",))
    errors: list[RowError] = []
    top = _Item(data, None, "", errors)
    units = _named(top, "units", _unit, DUPLICATE_UNIT)
    groups = _named(top, "groups", _group, DUPLICATE_GROUP)
    if errors:
        raise ImportFileError(errors)
    if not units:
        raise file_error(NO_UNITS)
    return units, groups


def _load(path: Path) -> object:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(YAML_ENCODING) from None
    check_yaml_size(text, _Loader)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or ""
        raise ImportFileError([RowError(line, None, YAML_SYNTAX.format(problem=problem))]) from None
    except yaml.YAMLError as exc:
        raise file_error(YAML_SYNTAX.format(problem=exc)) from None
    except RecursionError:
        raise file_error(YAML_SYNTAX.format(problem=YAML_TOO_DEEP)) from None


def _top(data: object, allowed: tuple[str, ...], needed: tuple[str, ...]) -> dict:
    if data is None:
        raise file_error(FILE_EMPTY)
    if not isinstance(data, dict) or not any(key in data for key in needed):
        raise file_error(YAML_TOP.format(keys=OR.join(needed)))
    top = _Item(data, None, "")
    top.check_keys(allowed)
    if top.errors:
        raise ImportFileError(top.errors)
    return data


def _plan(data: object, errors: list[RowError]) -> PlanMeta:
    if data is None or (plan := _mapping(data, None, "", errors, "plan")) is None:
        return PlanMeta()
    plan.check_keys(PLAN_KEYS)
    number, title = plan.text("number", numbers=True), plan.text("title")
    day = plan.day("date")
    issued = _parse_date(day) if isinstance(day, str) else day
    if isinstance(day, str) and issued is None:
        plan.error("date", BAD_DATE)
    return PlanMeta(number, issued, title, plan.text("issuing_body"))


Area = tuple[str | None, str | None]  # code, name


def _task_items(data: dict, errors: list[RowError]) -> Iterator[tuple[object, Area]]:
    """Each task with the area it sits under, in file order."""
    top = _Item(data, None, "", errors)
    for key in data:
        if key == "tasks":
            yield from ((item, (None, None)) for _, item in _listed(top, "tasks"))
        elif key == "areas":
            for index, item in _listed(top, "areas"):
                yield from _area_tasks(index, item, errors)


def _area_tasks(index: int, item: object, errors: list) -> Iterator[tuple[object, Area]]:
    if (area := _mapping(item, index, ITEM_AREA, errors)) is None:
        return
    area.check_keys(AREA_KEYS)
    code, name = area.text("code", numbers=True), area.text("name", required=True)
    yield from ((task, (code, name)) for _, task in _listed(area, "tasks"))


def _listed(owner: _Item, key: str) -> Iterator[tuple[int, object]]:
    value = owner.data.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        owner.error(key, NOT_A_LIST)
        return
    yield from enumerate(value, start=1)


def _task(index: int, item: object, area: Area, errors: list[RowError]) -> TaskRow | None:
    if (task := _mapping(item, index, ITEM_TASK, errors)) is None:
        return None
    task.check_keys(TASK_KEYS)
    area_code, area_name = area
    if (written := task.text("area")) is not None:
        same = area_name is not None and fold_words(written) == fold_words(area_name)
        area_code, area_name = (area_code if same else None), written
    return TaskRow(
        row=index,
        code=task.text("code", numbers=True),
        title=task.text("title", required=True) or "",
        area=area_name,
        area_code=task.text("area_code", numbers=True) or area_code,
        lead=task.joined("lead", required=True),
        support=task.joined("support"),
        deadline=task.day("deadline", required=True),
        output=task.joined("output"),
        note=task.text("note"),
        columns=_TASK_COLUMNS,
        row_word=ITEM_TASK,
        column_word=YAML_KEY,
    )


def _named(top: _Item, key: str, read: Callable, duplicate: str) -> list:
    """Units or groups, each name once (compared folded)."""
    rows: list = []
    seen: dict[str, int] = {}
    for index, item in _listed(top, key):
        if (row := read(index, item, top.errors)) is not None:
            first = seen.setdefault(fold_words(row.name), index)
            if first != index:
                word = ITEM_UNIT if key == "units" else ITEM_GROUP
                place = RowError(first, None, "", word).place
                assert isinstance(item, dict)  # `read` gave a row, so the item is a mapping
                _Item(item, index, word, top.errors).error("name", duplicate.format(place=place))
            rows.append(row)
    return rows


def _unit(index: int, item: object, errors: list[RowError]) -> UnitRow | None:
    if (unit := _mapping(item, index, ITEM_UNIT, errors)) is None:
        return None
    unit.check_keys(UNIT_KEYS)
    name = unit.text("name", required=True)
    kind, groups, aliases = unit.text("kind"), unit.names("groups"), unit.names("aliases")
    return None if name is None else UnitRow(index, name, kind, groups, aliases)


def _group(index: int, item: object, errors: list[RowError]) -> GroupRow | None:
    if (group := _mapping(item, index, ITEM_GROUP, errors)) is None:
        return None
    group.check_keys(GROUP_KEYS)
    name, aliases = group.text("name", required=True), group.names("aliases")
    return None if name is None else GroupRow(index, name, aliases)


def _mapping(
    item: object, index: int | None, word: str, errors: list[RowError], key: str | None = None
) -> _Item | None:
    """`item` as a mapping, or None and a problem reported; `key` names a nested mapping."""
    if not isinstance(item, dict):
        errors.append(RowError(index, key, NOT_A_MAPPING, word, YAML_KEY))
        return None
    return _Item(item, index, word, errors, f"{key}." if key else "")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return clean_text(value).strip() or None


def _parse_date(text: str) -> date | None:
    """2023-02-24 or 24/02/2023 (also with '-' or '.')."""
    match = _DAY_MONTH_YEAR.fullmatch(text)
    parts = (match[3], match[2], match[1]) if match else text.split("-")
    try:
        return date(*map(int, parts))
    except (TypeError, ValueError):
        return None
