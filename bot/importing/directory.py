"""Resolve unit names as plans write them ("Phòng Nội vụ, Phòng Tư pháp", "UBND các xã,
thị trấn") into unit ids, through every name and alias of units and groups."""

import re
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from storage.textnorm import fold_words
from storage.units import all_names, group_members

# Words that join names in a list and mean nothing on their own.
_JOINERS = frozenset({"va", "cung", "voi"})
_PIECES = re.compile(r"[;\n]+")


@dataclass(frozen=True)
class Resolution:
    unit_ids: tuple[int, ...]
    unknown: tuple[str, ...]


@dataclass
class UnitDirectory:
    """Folded name → unit ids (a group maps to all its members)."""

    names: dict[str, tuple[int, ...]] = field(default_factory=dict)
    longest: int = 1

    def add(self, name: str, unit_ids: tuple[int, ...]) -> None:
        key = fold_words(name)
        self.names[key] = unit_ids
        self.longest = max(self.longest, len(key.split()))

    def resolve(self, text: str | None) -> Resolution:
        """Every unit the text names, in order, and the fragments no name matched."""
        found: list[int] = []
        unknown: list[str] = []
        for piece in _PIECES.split(text or ""):
            ids, rest = self._scan(fold_words(piece))
            found.extend(i for i in ids if i not in found)
            if rest:
                unknown.append(piece.strip())
        return Resolution(tuple(found), tuple(unknown))

    def _scan(self, key: str) -> tuple[list[int], list[str]]:
        """Greedy longest match over words; returns matched ids and unmatched words."""
        words = key.split()
        ids: list[int] = []
        rest: list[str] = []
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + self.longest), i, -1):
                match = self.names.get(" ".join(words[i:j]))
                if match is not None:
                    ids.extend(match)
                    i = j
                    break
            else:
                if words[i] not in _JOINERS:
                    rest.append(words[i])
                i += 1
        return ids, rest


async def load_directory(session: AsyncSession) -> UnitDirectory:
    members: dict[int, list[int]] = {}
    for group_id, unit_id in await group_members(session):
        members.setdefault(group_id, []).append(unit_id)
    directory = UnitDirectory()
    for name in await all_names(session):
        if name.unit_id is not None:
            directory.add(name.key, (name.unit_id,))
        elif name.group_id is not None:
            directory.add(name.key, tuple(sorted(members.get(name.group_id, []))))
    return directory
