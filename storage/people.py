"""People: who writes from which channel, a person's channels, and people by role or unit."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import ChannelIdentity, Person, Unit
from storage.schedules import reschedule_for_person
from storage.vocab import PersonRole

CONSOLE = "console"


async def identity_of(
    session: AsyncSession, *, channel: str, user_id: str
) -> tuple[ChannelIdentity, Person] | None:
    query = (
        select(ChannelIdentity, Person)
        .join(Person, col(Person.id) == ChannelIdentity.person_id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def sender_of(
    session: AsyncSession, *, channel: str, user_id: str
) -> tuple[ChannelIdentity, Person, Unit | None] | None:
    """Who wrote, with their unit (None for a coordinator or leader), in one statement: a
    turn reads the unit for most answers (a reminder's rewrite, /status), and the session then
    has it without asking again."""
    row = (await session.execute(_SENDER, {"channel": channel, "user": user_id})).first()
    return (row[0], row[1], row[2]) if row else None


# Built once (every inbound runs it): only the parameters change from run to run.
_SENDER = (
    select(ChannelIdentity, Person, Unit)
    .join(Person, col(Person.id) == ChannelIdentity.person_id)
    .outerjoin(Unit, col(Unit.id) == Person.unit_id)
    .where(
        col(ChannelIdentity.channel) == bindparam("channel"),
        col(ChannelIdentity.user_id) == bindparam("user"),
    )
)


async def channels_of(
    session: AsyncSession, *, person_ids: Collection[int] | None = None
) -> dict[int, list[ChannelIdentity]]:
    """Each person's channel identities, oldest first; everybody's when `person_ids` is None."""
    query = select(ChannelIdentity).order_by(col(ChannelIdentity.id))
    if person_ids is not None:
        if not person_ids:
            return {}
        query = query.where(col(ChannelIdentity.person_id).in_(person_ids))
    found: dict[int, list[ChannelIdentity]] = {}
    for identity in (await session.execute(query)).scalars():
        found.setdefault(identity.person_id, []).append(identity)
    return found


async def delivery_targets(
    session: AsyncSession, *, person_ids: Collection[int], running: Sequence[str]
) -> dict[int, ChannelIdentity]:
    """Where each person's messages go, among the `running` channels (in preference order):
    the channel they chose with /kenh, else the one they last wrote from, else the first of
    `running` they are on. People on no running channel are left out.

    The delivery worker and the digest's recipients both ask here, so they always agree."""
    people = {
        p.id: p
        for p in (await session.execute(select(Person).where(col(Person.id).in_(person_ids))))
        .scalars()
        .all()
    }
    found: dict[int, ChannelIdentity] = {}
    for person_id, identities in (await channels_of(session, person_ids=person_ids)).items():
        person = people.get(person_id)
        if person is None:
            continue
        on = {i.channel: i for i in identities}  # a later identity on a channel replaces one
        wanted = (person.channel_choice, person.last_channel, *running)
        target = next((on[c] for c in wanted if c in on and c in running), None)
        if target is not None:
            found[person_id] = target
    return found


async def people_with_role(session: AsyncSession, *, role: PersonRole) -> list[Person]:
    query = select(Person).where(Person.role == role, col(Person.active).is_(True))
    return list((await session.execute(query)).scalars())


async def people_with_roles(session: AsyncSession, *, roles: Sequence[PersonRole]) -> list[Person]:
    """Active people holding any of `roles`, by id."""
    query = (
        select(Person)
        .where(col(Person.active).is_(True), col(Person.role).in_(roles))
        .order_by(col(Person.id))
    )
    return list((await session.execute(query)).scalars())


async def focal_people(session: AsyncSession, *, unit_id: int) -> list[Person]:
    query = select(Person).where(
        Person.unit_id == unit_id, Person.role == PersonRole.FOCAL, col(Person.active).is_(True)
    )
    return list((await session.execute(query)).scalars())


async def focal_holders(session: AsyncSession, *, unit_id: int, is_deputy: bool) -> list[Person]:
    """The unit's active focal people (or deputies) a new one of the same kind replaces."""
    query = select(Person).where(
        Person.unit_id == unit_id,
        Person.role == PersonRole.FOCAL,
        Person.is_deputy == is_deputy,
        col(Person.active).is_(True),
    )
    return list((await session.execute(query)).scalars())


async def audience(session: AsyncSession, *, unit_ids: Collection[int]) -> list[Person]:
    """The active focal people of `unit_ids` and the active coordinators."""
    query = select(Person).where(
        col(Person.active).is_(True),
        or_(
            and_(col(Person.role) == PersonRole.FOCAL, col(Person.unit_id).in_(unit_ids)),
            col(Person.role) == PersonRole.COORDINATOR,
        ),
    )
    return list((await session.execute(query)).scalars())


async def active_people(
    session: AsyncSession, *, unit_id: int | None = None
) -> list[tuple[Person, str | None]]:
    """Active people with their unit's name, by unit then id; only one unit's if given."""
    query = (
        select(Person, Unit.name)
        .outerjoin(Unit, col(Unit.id) == Person.unit_id)
        .where(col(Person.active).is_(True))
    )
    if unit_id is not None:
        query = query.where(Person.unit_id == unit_id)
    rows = (await session.execute(query.order_by(col(Unit.name), col(Person.id)))).all()
    return [(person, unit) for person, unit in rows]


async def console_person(
    session: AsyncSession, *, unit_id: int | None, role: PersonRole, name: str
) -> str:
    """The console's person (created once, no invite: the operator at the terminal is trusted)."""
    user_id = f"{CONSOLE}-{role}-{unit_id or 0}"
    if await identity_of(session, channel=CONSOLE, user_id=user_id) is None:
        person = Person(full_name=name, role=role, unit_id=unit_id)
        session.add(person)
        await session.flush()
        assert person.id is not None
        session.add(
            ChannelIdentity(person_id=person.id, channel=CONSOLE, user_id=user_id, chat_id=user_id)
        )
        await reschedule_for_person(session, person=person)
    return user_id


async def mark_unreachable(
    session: AsyncSession, *, person_id: int, now: datetime
) -> Person | None:
    """Note that messages no longer reach a person; None if that was known already."""
    person = await session.get(Person, person_id)
    if person is None or person.unreachable_at is not None:
        return None
    person.unreachable_at = now
    return person


async def find_person(session: AsyncSession, *, person_id: int) -> Person | None:
    """A person by id, active or not."""
    return await session.get(Person, person_id)


async def forget_identity(session: AsyncSession, *, identity: ChannelIdentity) -> None:
    """A retired person's account registers again: the old link to that account goes."""
    await session.delete(identity)
    await session.flush()
