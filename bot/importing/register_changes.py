"""What a units register import takes away, and the open work that depended on it.

A register lists each unit with all its aliases and groups, so a unit listed without them
loses them. That is said out loud, and refused when an open assignment was given to a unit
only through a name or group the file drops: the next re-import of that plan would
otherwise cancel the assignment.
"""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.directory import UnitDirectory, load_directory
from storage.assignments import LiveAssignment, live_assignments
from storage.models import Unit
from storage.textnorm import fold_words
from storage.units import all_groups, all_names, group_members


@dataclass(frozen=True)
class RegisterState:
    """The aliases and group memberships of some units, by name, and who was assigned."""

    aliases: frozenset[tuple[str, str]]  # (unit, alias)
    members: frozenset[tuple[str, str]]  # (unit, group)
    orphans: frozenset[LiveAssignment]  # open assignments the register no longer names


@dataclass(frozen=True)
class RegisterChanges:
    removed_aliases: tuple[tuple[str, str], ...] = ()  # (unit, alias), sorted
    removed_members: tuple[tuple[str, str], ...] = ()  # (unit, group), sorted
    orphaned: tuple[LiveAssignment, ...] = ()  # open work a plan re-import would cancel


async def register_state(session: AsyncSession, units: Collection[Unit]) -> RegisterState:
    """The register as it stands for these units, flushed changes included."""
    names = {u.id: u.name for u in units}
    aliases = {
        (names[n.unit_id], n.label)
        for n in await all_names(session)
        if n.unit_id in names and n.key != fold_words(names[n.unit_id])
    }
    groups = {g.id: g.name for g in await all_groups(session)}
    members = {
        (names[unit_id], groups[group_id])
        for group_id, unit_id in await group_members(session)
        if unit_id in names
    }
    directory = await load_directory(session)
    orphans = {a for a in await live_assignments(session) if not _still_named(a, directory)}
    return RegisterState(frozenset(aliases), frozenset(members), frozenset(orphans))


def changes(before: RegisterState, after: RegisterState) -> RegisterChanges:
    """What went away between two states; orphans only those the import made."""
    return RegisterChanges(
        removed_aliases=tuple(sorted(before.aliases - after.aliases)),
        removed_members=tuple(sorted(before.members - after.members)),
        orphaned=tuple(
            sorted(after.orphans - before.orphans, key=lambda a: (a.unit, a.plan_number))
        ),
    )


def _still_named(assignment: LiveAssignment, directory: UnitDirectory) -> bool:
    """Whether the task's lead or support text still names the assigned unit."""
    texts = (assignment.lead_text, assignment.support_text)
    return any(assignment.unit_id in directory.resolve(text).unit_ids for text in texts)
