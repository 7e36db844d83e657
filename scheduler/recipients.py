"""Who receives a reminder: the unit's focal people, the deputy of one who is away, and for an
escalation the coordinators."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person
from storage.people import audience, channels_of
from storage.vocab import PersonRole


class Gap:
    """Why a due reminder has nobody to go to (codes; bot/texts says them in Vietnamese)."""

    NO_FOCAL = "no_focal"  # the unit has no registered focal person
    NO_DEPUTY = "no_deputy"  # its focal people are away and it has no deputy
    NO_COORDINATOR = "no_coordinator"  # an escalation, and no coordinator is registered


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    channels: tuple[str, ...]
    stands_in_for: str | None = None  # the away focal person a deputy replaces


@dataclass(frozen=True)
class Audience:
    focal: dict[int, tuple[list[Recipient], str]]  # per unit, with the gap when empty
    coordinators: list[Recipient]

    def of(self, unit_id: int, *, escalation: bool) -> tuple[list[Recipient], str]:
        """The people one reminder goes to, and why there are none if so."""
        if escalation:
            return self.coordinators, Gap.NO_COORDINATOR
        return self.focal.get(unit_id, ([], Gap.NO_FOCAL))


async def load_audience(session: AsyncSession, unit_ids: set[int]) -> Audience:
    """The active focal people of `unit_ids` and the active coordinators."""
    people = await audience(session, unit_ids=unit_ids)
    channels = await _channels(session, [p.id for p in people if p.id is not None])
    by_unit: dict[int, list[Person]] = defaultdict(list)
    for person in people:
        if person.role == PersonRole.FOCAL and person.unit_id is not None:
            by_unit[person.unit_id].append(person)
    focal = {unit: _focal(members, channels) for unit, members in by_unit.items()}
    coordinators = [_recipient(p, channels) for p in people if p.role == PersonRole.COORDINATOR]
    return Audience(focal, coordinators)


def _focal(
    members: list[Person], channels: dict[int, tuple[str, ...]]
) -> tuple[list[Recipient], str]:
    """The unit's focal people; an away one hands over to the unit's deputies."""
    regular = [p for p in members if not p.is_deputy]
    deputies = [p for p in members if p.is_deputy and not p.away]
    chosen: dict[int, Recipient] = {}
    if not regular:  # only a deputy registered: the deputy is the unit's focal person for now
        chosen.update({d.id or 0: _recipient(d, channels) for d in deputies})
    for person in regular:
        stand_ins = (
            [(person, None)] if not person.away else [(d, person.full_name) for d in deputies]
        )
        for who, instead_of in stand_ins:
            chosen.setdefault(who.id or 0, _recipient(who, channels, instead_of))
    gap = Gap.NO_FOCAL if not regular else Gap.NO_DEPUTY
    return list(chosen.values()), gap


def _recipient(
    person: Person, channels: dict[int, tuple[str, ...]], instead_of: str | None = None
) -> Recipient:
    pid = person.id or 0
    return Recipient(pid, person.full_name, channels.get(pid, ()), instead_of)


async def _channels(session: AsyncSession, person_ids: list[int]) -> dict[int, tuple[str, ...]]:
    found = await channels_of(session, person_ids=person_ids)
    return {pid: tuple(sorted(i.channel for i in found[pid])) for pid in found}
