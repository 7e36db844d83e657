"""The plain rows a file reads into: what the importer consumes."""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.texts.import_errors import COLUMN, ROW


@dataclass(frozen=True)
class TaskRow:
    """One task of a plan's appendix, as written (units and deadlines not resolved)."""

    row: int
    code: str | None
    title: str
    area: str | None
    area_code: str | None
    lead: str | None
    support: str | None
    deadline: str | dt.date | None
    output: str | None
    note: str | None
    columns: Mapping[str, str] = field(default_factory=dict)
    row_word: str = ROW  # how the file names a row ("Dòng"; YAML: "Nhiệm vụ thứ")
    column_word: str = COLUMN  # and a column ("cột"; YAML: "khóa")


@dataclass(frozen=True)
class PlanMeta:
    """The plan itself: only YAML files carry it."""

    number: str | None = None
    date: dt.date | None = None
    title: str | None = None
    issuing_body: str | None = None


@dataclass(frozen=True)
class UnitRow:
    row: int
    name: str
    kind: str | None
    groups: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class GroupRow:
    row: int
    name: str
    aliases: tuple[str, ...]


def split_names(text: str | None) -> tuple[str, ...]:
    """Names separated by ';' or new lines (commas belong inside names), in order, once each."""
    if not text:
        return ()
    names = (" ".join(part.split()) for part in re.split(r"[;\n；]", text))
    return tuple(dict.fromkeys(name for name in names if name))
