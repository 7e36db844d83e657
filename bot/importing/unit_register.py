"""The units register: units with their kind, groups and aliases, imported all or nothing."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.reader import GroupRow, ImportFileError, RowError, UnitRow
from bot.importing.register_changes import RegisterChanges, changes, register_state
from bot.texts import import_errors as words
from storage.models import Unit, UnitGroup, UnitGroupMember, UnitName
from storage.textnorm import fold_words
from storage.units import all_groups, all_units, drop_members, drop_names, names_with_keys
from storage.vocab import UnitKind

_KINDS = {
    "phong ban": UnitKind.DEPARTMENT,
    "phong": UnitKind.DEPARTMENT,
    "ban": UnitKind.DEPARTMENT,
    "co quan chuyen mon": UnitKind.DEPARTMENT,
    "don vi su nghiep": UnitKind.SERVICE_UNIT,
    "don vi": UnitKind.SERVICE_UNIT,
    "xa": UnitKind.COMMUNE,
    "thi tran": UnitKind.TOWN,
    "khac": UnitKind.OTHER,
}
# The kinds by their English names too, as written in the database: "service_unit" and
# "service unit".
_KINDS.update(
    {name: kind for kind in UnitKind for name in (kind.value, kind.value.replace("_", " "))}
)


@dataclass(frozen=True)
class UnitsReport:
    created: int
    updated: int
    groups: int
    changes: RegisterChanges = RegisterChanges()


def parse_kind(raw: str | None) -> UnitKind | None:
    return _KINDS.get(fold_words(raw or ""))


def check_register(units: list[UnitRow], groups: list[GroupRow]) -> list[RowError]:
    """Every problem in the register itself: unknown kinds and names used twice."""
    errors: list[RowError] = []
    owner: dict[str, str] = {}
    for unit in units:
        if parse_kind(unit.kind) is None:
            errors.append(RowError(unit.row, words.COL_UNIT_KIND, words.bad_unit_kind(unit.kind)))
        for name in (unit.name, *unit.aliases):
            errors.extend(_claim(owner, name, f"unit:{fold_words(unit.name)}", unit.row))
    for group in groups:
        for name in (group.name, *group.aliases):
            errors.extend(_claim(owner, name, f"group:{fold_words(group.name)}", group.row))
    return errors


def _claim(owner: dict[str, str], name: str, target: str, row: int) -> list[RowError]:
    key = fold_words(name)
    if owner.setdefault(key, target) != target:
        return [RowError(row, None, words.name_used_twice(name))]
    return []


async def import_units(
    session: AsyncSession, *, units: list[UnitRow], groups: list[GroupRow], replace: bool = False
) -> UnitsReport:
    """Upsert the register in the caller's transaction; raises ImportFileError, writing nothing.

    Open assignments that only the dropped aliases or groups gave a unit refuse the file,
    unless `replace`: the caller rolls back.
    """
    errors = check_register(units, groups)
    if errors:
        raise ImportFileError(errors)
    existing = {fold_words(u.name): u for u in await all_units(session)}
    listed = [u for row in units if (u := existing.get(fold_words(row.name))) is not None]
    before = await register_state(session, listed)
    created = 0
    unit_ids: dict[str, int] = {}
    for row in units:
        unit = existing.get(fold_words(row.name))
        if unit is None:
            unit = Unit(name=row.name, kind=parse_kind(row.kind) or UnitKind.OTHER)
            created += 1
        unit.name, unit.kind, unit.active = row.name, parse_kind(row.kind) or unit.kind, True
        session.add(unit)
        await session.flush()
        assert unit.id is not None  # flushed
        unit_ids[fold_words(row.name)] = unit.id
    saved = await _upsert_groups(session, units, groups)
    await _rewrite_names(session, units, groups, unit_ids, saved)
    group_ids = {key: _saved_id(group.id) for key, group in saved.items()}
    await _rewrite_members(session, units, unit_ids, group_ids)
    found = changes(before, await register_state(session, listed))
    if found.orphaned and not replace:
        raise ImportFileError(
            [RowError(None, None, text) for text in words.orphaned_work(found.orphaned)]
        )
    return UnitsReport(created, len(units) - created, len(saved), found)


async def _upsert_groups(
    session: AsyncSession, units: list[UnitRow], groups: list[GroupRow]
) -> dict[str, UnitGroup]:
    wanted = {fold_words(g.name): g.name for g in groups}
    for unit in units:
        wanted.update({fold_words(g): g for g in unit.groups if fold_words(g) not in wanted})
    existing = {fold_words(g.name): g for g in await all_groups(session)}
    saved: dict[str, UnitGroup] = {}
    for key, name in wanted.items():
        group = existing.get(key) or UnitGroup(name=name)
        group.name = name
        session.add(group)
        saved[key] = group
    await session.flush()
    return saved


async def _rewrite_names(
    session: AsyncSession,
    units: list[UnitRow],
    groups: list[GroupRow],
    unit_ids: dict[str, int],
    saved: dict[str, UnitGroup],
) -> None:
    names: dict[str, UnitName] = {}
    for unit in units:
        uid = unit_ids[fold_words(unit.name)]
        for label in (unit.name, *unit.aliases):
            names[fold_words(label)] = UnitName(key=fold_words(label), label=label, unit_id=uid)
    aliases = {fold_words(g.name): g.aliases for g in groups}
    for key, group in saved.items():
        for label in (group.name, *aliases.get(key, ())):
            entry = UnitName(key=fold_words(label), label=label, group_id=group.id)
            names.setdefault(entry.key, entry)
    group_ids = [_saved_id(group.id) for group in saved.values()]
    await drop_names(session, unit_ids=list(unit_ids.values()), group_ids=group_ids)
    clash = await names_with_keys(session, keys=list(names))
    if clash:
        raise ImportFileError([RowError(None, None, words.name_used_twice(c.label)) for c in clash])
    session.add_all(names.values())
    await session.flush()


async def _rewrite_members(
    session: AsyncSession, units: list[UnitRow], unit_ids: dict[str, int], group_ids: dict[str, int]
) -> None:
    await drop_members(session, unit_ids=list(unit_ids.values()))
    for unit in units:
        uid = unit_ids[fold_words(unit.name)]
        for gid in {group_ids[fold_words(g)] for g in unit.groups}:
            session.add(UnitGroupMember(group_id=gid, unit_id=uid))
    await session.flush()


def _saved_id(row_id: int | None) -> int:
    """The id of a row already flushed, which always has one."""
    assert row_id is not None
    return row_id
