"""`nhacviec people`: who is registered, and marking a focal person away (the deputy stands in)."""

import argparse
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.views import table, to_json
from bot.service import App
from bot.texts import cli as words
from bot.texts.cli import HELP
from bot.texts.common import person_role
from storage.db import transaction
from storage.models import AuditLog, Person
from storage.people import active_people, channels_of, find_person
from storage.schedules import reschedule_for_person
from storage.units import find_unit


def add_people_commands(sub: Any) -> None:
    people = sub.add_parser("people", help=HELP["people"]).add_subparsers(
        title=words.COMMANDS_TITLE
    )
    listing = people.add_parser("list", help=HELP["people list"])
    listing.add_argument("--unit", help=HELP["people list --unit"])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    away = people.add_parser("away", help=HELP["people away"])
    away.add_argument("person_id", type=int, help=HELP["people away person_id"])
    away.add_argument("--back", action="store_true", help=HELP["people away --back"])
    away.set_defaults(handler=_away)


async def _list(app: App, args: argparse.Namespace) -> int:
    async with app.sessions() as session:
        unit_id = None
        if args.unit:
            unit = await find_unit(session, name=args.unit)
            if unit is None:
                sys.stderr.write(words.PEOPLE_UNIT_NOT_FOUND.format(name=args.unit) + "\n")
                return 2
            unit_id = unit.id
        rows = await active_people(session, unit_id=unit_id)
        channels = await _channels(session)
    if args.json:
        sys.stdout.write(to_json([_json(p, unit, channels) for p, unit in rows]) + "\n")
        return 0
    if not rows:
        sys.stdout.write(words.NOBODY + "\n")
        return 0
    body = table(
        words.PEOPLE_HEADERS,
        [_cells(p, unit, channels) for p, unit in rows],
        [4, 24, 16, 28, 10, 10, 12],
    )
    sys.stdout.write(body + "\n")
    return 0


async def _channels(session: AsyncSession) -> dict[int, list[str]]:
    found = await channels_of(session)
    return {pid: [i.channel for i in identities] for pid, identities in found.items()}


def _role(p: Person) -> str:
    return person_role(p.role, deputy=p.is_deputy)


def _cells(p: Person, unit: str | None, channels: dict[int, list[str]]) -> list[str]:
    return [
        str(p.id),
        p.full_name,
        _role(p),
        unit or "—",
        ", ".join(channels.get(p.id or 0, [])),
        words.YES if p.away else "",
        words.YES if p.unreachable_at else "",
    ]


def _json(p: Person, unit: str | None, channels: dict[int, list[str]]) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.full_name,
        "role": p.role,
        "deputy": p.is_deputy,
        "unit": unit,
        "channels": channels.get(p.id or 0, []),
        "away": p.away,
        "unreachable": p.unreachable_at is not None,
    }


async def _away(app: App, args: argparse.Namespace) -> int:
    async with transaction(app.sessions) as session:
        person = await find_person(session, person_id=args.person_id)
        if person is None or not person.active:
            sys.stderr.write(words.NO_SUCH_PERSON.format(id=args.person_id) + "\n")
            return 2
        person.away = not args.back
        await reschedule_for_person(session, person=person)  # the deputy stands in, or not
        detail = {"person_id": person.id, "away": person.away}
        session.add(AuditLog(at=app.clock.now(), actor="cli", action="person.away", detail=detail))
        name = person.full_name
    sys.stdout.write(
        (words.MARKED_BACK if args.back else words.MARKED_AWAY).format(name=name) + "\n"
    )
    return 0
