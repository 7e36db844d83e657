"""Units: every unit with its groups and aliases, finding one by any of its names, and the
register's names and group members as an import rewrites them."""

from collections.abc import Collection, Iterable

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Unit, UnitGroup, UnitGroupMember, UnitName
from storage.textnorm import fold_words


async def list_units(session: AsyncSession) -> list[tuple[Unit, list[str], list[str]]]:
    """Every unit with its group names and aliases."""
    query = select(Unit).order_by(col(Unit.kind), col(Unit.name))
    units = (await session.execute(query)).scalars().all()
    groups = (
        await session.execute(
            select(UnitGroupMember.unit_id, UnitGroup.name).join(
                UnitGroup, col(UnitGroup.id) == UnitGroupMember.group_id
            )
        )
    ).all()
    aliases = (
        (await session.execute(select(UnitName).where(col(UnitName.unit_id).is_not(None))))
        .scalars()
        .all()
    )
    by_unit_groups: dict[int, list[str]] = {}
    for unit_id, name in groups:
        by_unit_groups.setdefault(unit_id, []).append(name)
    by_unit_aliases: dict[int, list[str]] = {}
    names = {u.id: u.name for u in units}
    for alias in aliases:
        if alias.unit_id is not None and alias.label != names.get(alias.unit_id):
            by_unit_aliases.setdefault(alias.unit_id, []).append(alias.label)
    return [
        (u, sorted(by_unit_groups.get(u.id or 0, [])), sorted(by_unit_aliases.get(u.id or 0, [])))
        for u in units
    ]


async def find_unit(session: AsyncSession, *, name: str) -> Unit | None:
    """A unit by its name or any alias, matched loosely."""
    query = (
        select(Unit)
        .join(UnitName, col(UnitName.unit_id) == Unit.id)
        .where(UnitName.key == fold_words(name))
    )
    return (await session.execute(query)).scalar_one_or_none()


async def unit_name(session: AsyncSession, *, unit_id: int | None) -> str | None:
    unit = await session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else None


async def all_units(session: AsyncSession) -> list[Unit]:
    """Every unit, inactive ones included."""
    return list((await session.execute(select(Unit))).scalars())


async def all_groups(session: AsyncSession) -> list[UnitGroup]:
    return list((await session.execute(select(UnitGroup))).scalars())


async def all_names(session: AsyncSession) -> list[UnitName]:
    """Every name and alias of units and groups."""
    return list((await session.execute(select(UnitName))).scalars())


async def group_members(session: AsyncSession) -> list[tuple[int, int]]:
    """Every (group id, unit id) membership."""
    query = select(UnitGroupMember.group_id, UnitGroupMember.unit_id)
    return [(group_id, unit_id) for group_id, unit_id in (await session.execute(query)).all()]


async def drop_names(
    session: AsyncSession, *, unit_ids: Collection[int], group_ids: Collection[int]
) -> None:
    """Delete every name of these units and groups."""
    await session.execute(delete(UnitName).where(col(UnitName.unit_id).in_(unit_ids)))
    await session.execute(delete(UnitName).where(col(UnitName.group_id).in_(group_ids)))


async def names_with_keys(session: AsyncSession, *, keys: Iterable[str]) -> list[UnitName]:
    """The stored names among these folded keys."""
    query = select(UnitName).where(col(UnitName.key).in_(keys))
    return list((await session.execute(query)).scalars())


async def drop_members(session: AsyncSession, *, unit_ids: Collection[int]) -> None:
    """Take these units out of every group."""
    await session.execute(delete(UnitGroupMember).where(col(UnitGroupMember.unit_id).in_(unit_ids)))
