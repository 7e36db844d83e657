"""Units: every unit with its groups and aliases, and finding one by any of its names."""

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
