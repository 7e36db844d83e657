"""Bounds checked before a file is parsed, so that no file under the size limit can take
minutes or gigabytes: a zip's declared sizes, a sheet's extent, a cell's length, and the
number of values a YAML document expands to through its aliases.

An .xlsx is a zip of XML parts. Python's zipfile never inflates a part past the size the
central directory declares (it stops there and fails the CRC check), so the declared
sizes are a real bound and can be checked before anything is inflated.
"""

import zipfile
from pathlib import Path

import yaml

from bot.importing.errors import file_error
from bot.texts.import_errors import (
    ARCHIVE_RATIO,
    ARCHIVE_TOO_BIG,
    YAML_SYNTAX,
    YAML_TOO_BIG,
    YAML_TOO_DEEP,
)

MB = 1024 * 1024
MAX_UNPACKED_BYTES = 100 * MB  # every part of an .xlsx together, inflated
MAX_XML_PART_BYTES = 16 * MB  # one XML part (a sheet, the shared strings), inflated
MAX_RATIO = 100  # inflated / compressed, for parts over RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1 * MB
MAX_SHEET_ROWS = 20_000  # the last row any cell of a sheet may sit in, blank or not
MAX_SHEET_COLUMNS = 100  # the last column (CV)
MAX_CELLS = 250_000  # cells of all sheets, blank ones with a format included (~150 MB)
MAX_YAML_VALUES = 500_000  # values of a YAML document once its aliases are expanded
MAX_YAML_DEPTH = 100  # collections inside collections


def check_archive(path: Path) -> None:
    """Refuse an .xlsx whose parts would inflate too far; a non-zip is left to the reader."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # the reader says what is wrong with the file
    total = 0
    for part in parts:
        total += part.file_size
        xml = part.filename.endswith((".xml", ".rels"))
        if total > MAX_UNPACKED_BYTES or (xml and part.file_size > MAX_XML_PART_BYTES):
            limit = MAX_UNPACKED_BYTES if total > MAX_UNPACKED_BYTES else MAX_XML_PART_BYTES
            size = max(total, part.file_size)
            raise file_error(ARCHIVE_TOO_BIG.format(size=_mb(size), limit=limit // MB))
        if part.file_size > RATIO_FROM_BYTES:
            ratio = part.file_size // max(part.compress_size, 1)
            if ratio > MAX_RATIO:
                raise file_error(ARCHIVE_RATIO.format(ratio=ratio, limit=MAX_RATIO))


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")  # Vietnamese decimal comma


def check_yaml_size(text: str, loader: type) -> None:
    """Refuse a YAML document that expands to too many values, streaming its events once.

    A few kilobytes of nested anchors and aliases (a "billion laughs") stand for millions of
    values: each alias is counted as the whole node it repeats, so the bound holds before
    any node is built. Syntax errors are left to the loader, which says where they are.
    """
    sizes: dict[str, int] = {}  # anchor -> values in the node it names
    open_nodes: list[tuple[int, str | None]] = []  # (values before it, anchor) of collections
    expanded = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                open_nodes.append((expanded, event.anchor))
                if len(open_nodes) > MAX_YAML_DEPTH:
                    raise file_error(YAML_SYNTAX.format(problem=YAML_TOO_DEEP))
                expanded += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                before, anchor = open_nodes.pop()
                if anchor is not None:
                    sizes[anchor] = expanded - before
            elif isinstance(event, yaml.ScalarEvent):
                expanded += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                expanded += sizes.get(event.anchor or "", 1)
            if expanded > MAX_YAML_VALUES:
                raise file_error(
                    YAML_TOO_BIG.format(limit=f"{MAX_YAML_VALUES:,}".replace(",", "."))
                )
    except yaml.YAMLError:
        return
