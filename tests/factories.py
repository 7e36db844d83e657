"""The one place tests build data: database rows, the example plan, invites, and files.

Row builders take an open session, add the row, flush it (so its id is set) and return it;
the kits (conversation_kit, digest_kit, telegram_kit) keep their fixtures and data sets but
make every row here. File builders write real .xlsx, .csv and .yaml files.
"""

import csv
import re
import struct
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import openpyxl
import yaml
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.invites import create_invite
from bot.importing.service import PlanOptions, import_plan_file, import_units_file
from bot.service import App
from storage.db import transaction
from storage.models import Assignment, ChannelIdentity, OutboxMessage, Person, Plan, Task, Unit
from storage.transfer import read_rows, reset_sequences, tables, total_rows, write_rows
from storage.units import find_unit
from storage.vocab import PersonRole

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE_UNITS = EXAMPLES / "don-vi-huong-khe.yaml"
EXAMPLE_PLAN = EXAMPLES / "ke-hoach-32-KH-UBND-2023.yaml"
EXAMPLE_PLAN_XLSX = EXAMPLES / "ke-hoach-32-KH-UBND-2023.xlsx"
SHEET_XML = "xl/worksheets/sheet1.xml"

Row = TypeVar("Row")


# --- rows ---------------------------------------------------------------------------------


async def add(session: AsyncSession, row: Row) -> Row:
    session.add(row)
    await session.flush()
    return row


async def plan(
    session: AsyncSession, number: str = "9/KH-UBND", *, title: str = "Thử", **fields: Any
) -> Plan:
    return await add(session, Plan(number=number, title=title, year=2023, **fields))


async def unit(session: AsyncSession, name: str, kind: str = "commune") -> Unit:
    return await add(session, Unit(name=name, kind=kind))


async def person(
    session: AsyncSession,
    name: str,
    role: str,
    unit_id: int | None = None,
    *,
    channel: str | None = None,
    user_id: str | None = None,
    **fields: Any,
) -> Person:
    """A person; with `channel`, reachable there as `user_id` (their id by default)."""
    made = await add(session, Person(full_name=name, role=role, unit_id=unit_id, **fields))
    if channel:
        chat = user_id or str(made.id)
        await add(
            session,
            ChannelIdentity(person_id=made.id, channel=channel, user_id=chat, chat_id=chat),
        )
    return made


async def task(
    session: AsyncSession,
    plan_id: int,
    code: str,
    *,
    title: str = "Rà soát",
    lead_text: str = "x",
    deadline_spec: str = "d",
    **fields: Any,
) -> Task:
    return await add(
        session,
        Task(
            plan_id=plan_id,
            code=code,
            title=title,
            lead_text=lead_text,
            deadline_spec=deadline_spec,
            kind="once",
            **fields,
        ),
    )


async def assignment(
    session: AsyncSession, task_id: int, unit_id: int, deadline: date, **fields: Any
) -> Assignment:
    values = {"role": "lead", "occurrence_key": "once", **fields}
    return await add(
        session, Assignment(task_id=task_id, unit_id=unit_id, deadline=deadline, **values)
    )


async def outbox(
    session: AsyncSession,
    *,
    dedupe_key: str,
    person_id: int,
    assignment_id: int | None,
    kind: str,
    **fields: Any,
) -> OutboxMessage:
    row = OutboxMessage(
        dedupe_key=dedupe_key,
        person_id=person_id,
        kind=kind,
        assignment_id=assignment_id,
        **fields,
    )
    return await add(session, row)


# --- through the application ---------------------------------------------------------------


Rows = list[tuple[str, list[dict[str, Any]]]]  # table, rows
_imported: dict[datetime, Rows] = {}  # this process's example imports, by the clock's time


async def load_example(app: App) -> None:
    """The example district's units and its plan 32/KH-UBND, imported as the CLI does.

    Importing takes a third of a second and a few dozen tests start with it, so the first
    import into an empty database at a given clock time keeps the rows it wrote; the next
    empty database at that time gets the same rows, copied as stored. A database that is
    not empty is always imported into."""
    now = app.clock.now()
    async with app.engine.begin() as connection:
        empty = await connection.run_sync(_is_empty)
        if empty and now in _imported:
            await connection.run_sync(_insert, _imported[now])
            return
    await import_units_file(app.sessions, EXAMPLE_UNITS)
    await import_plan_file(app.sessions, EXAMPLE_PLAN, PlanOptions(), now=now)
    if empty:
        async with app.engine.connect() as connection:
            _imported[now] = await connection.run_sync(_select)


def _is_empty(connection: Connection) -> bool:
    return total_rows(connection) == 0


def _select(connection: Connection) -> Rows:
    made: Rows = []
    for table in tables():  # parents before children
        for rows in read_rows(connection, table):
            made.append((table.name, rows))
    return made


def _insert(connection: Connection, made: Rows) -> None:
    by_name = {table.name: table for table in tables()}
    for name, rows in made:
        write_rows(connection, by_name[name], rows)
    reset_sequences(connection, [by_name[name] for name, _ in made])  # the next row: a new id


async def invite_code(
    app: App, unit: str | None, role: PersonRole, *, deputy: bool = False, days: int = 7
) -> str:
    async with transaction(app.sessions) as session:
        found = await find_unit(session, name=unit) if unit else None
        invite = await create_invite(
            session,
            unit_id=found.id if found else None,
            role=role,
            is_deputy=deputy,
            now=app.clock.now(),
            days=days,
        )
    return invite.code


# --- files --------------------------------------------------------------------------------


def xlsx(path: Path, rows: list[list], *, merges: tuple[str, ...] = (), title: str = "Phụ lục"):
    """A workbook whose first sheet holds `rows` from A1; more sheets via `add_sheet`."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def add_sheet(path: Path, title: str, rows: list[list], *, first: bool = False) -> Path:
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet(title, 0 if first else None)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def csv_file(path: Path, rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8"):
    with path.open("w", newline="", encoding=encoding) as stream:
        csv.writer(stream, delimiter=delimiter).writerows(rows)
    return path


def yaml_file(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- hostile files: small on disk, huge once opened (built here, never committed) ----------


def rewrite_part(path: Path, part: str, edit: Callable[[str], str]) -> Path:
    """Change one XML part of a workbook, for what openpyxl itself never writes."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = edit(parts[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def xlsx_far_cell(path: Path, header: list) -> Path:
    """A header row, and one cell at XFD1048576: the sheet declares A1:XFD1048576."""
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active["XFD1048576"] = "x"
    book.save(path)
    return path


def xlsx_blank_rows(path: Path, header: list, rows: int) -> Path:
    """A header row, then `rows` rows holding one blank cell with a format each."""
    blank = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(2, rows + 2))
    xlsx(path, [header])
    return rewrite_part(
        path, SHEET_XML, lambda xml: xml.replace("</sheetData>", blank + "</sheetData>")
    )


def xlsx_big_cell(path: Path, header: list, chars: int) -> Path:
    """A header row, and a row whose second cell holds `chars` characters inline."""
    xlsx(path, [header, ["1", "Việc", "Phòng Nội vụ", None, None, "năm 2023"]])
    cell = f'<c r="B2" t="inlineStr"><is><t>{"A" * chars}</t></is></c>'
    return rewrite_part(path, SHEET_XML, lambda xml: re.sub(r'<c r="B2".*?</c>', cell, xml))


def declare_size(path: Path, part: str, size: int) -> Path:
    """Make the zip's central directory claim that `part` inflates to `size` bytes."""
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02" + b"", data.index(part.encode()) - 46 - 200)
    while data[entry + 46 : entry + 46 + len(part)] != part.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, size)  # uncompressed size
    path.write_bytes(bytes(data))
    return path


def yaml_bomb(path: Path, areas: int = 10_000, tasks: int = 10_000) -> Path:
    """`areas * tasks` tasks in a few bytes each: every area repeats the first one's task
    list, which repeats its first task (a "billion laughs" through aliases)."""
    task = '&t {code: "1", title: "Việc", lead: "Phòng Nội vụ", deadline: "năm 2023"}'
    first = f'&a {{name: "Lĩnh vực", tasks: [{task}{", *t" * (tasks - 1)}]}}'
    path.write_text(f"areas: [{first}{', *a' * (areas - 1)}]\n", encoding="utf-8")
    return path
