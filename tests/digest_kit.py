"""The digest tests' data set, made with tests/factories.py: one plan, a few units, every
status, two Fridays.

The data set (deadlines 2023, statuses as of Friday 30/06 15:00, Asia/Ho_Chi_Minh):
    1.1 (area 1, due 15/06)  Tư pháp done 15/06 23:30 (on time) · Nội vụ done 16/06 00:30
                             (late: 15/06 17:30 UTC) · Hương Trà in progress since 01/06
    1.2 (area 1, due 30/06)  Tư pháp in progress 10/06, done 28/06 · Nội vụ blocked 21/06
    2.1 (area 2, due 20/06)  Tư pháp extension requested 19/06
    2.2 (area 2, due 05/07)  Nội vụ, Hương Trà, Phúc Đồng not started
    2.3 (area 2, due 10/06)  Tư pháp, cancelled
Area 3 has no task. Every assignment above is a lead ("chủ trì"); `add_support` adds supporting
units ("phối hợp") on top. Nội vụ's focal person is unreachable since 20/06; Hương Trà has no active
focal person (its former one answered on 01/06); Phúc Đồng's never answered.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Capabilities
from bot.channels.telegram import TelegramChannel
from bot.digest.text import text_format
from bot.service import App
from storage.assignments import record_status
from storage.db import transaction
from storage.models import Area, Assignment, Plan, Task
from storage.vocab import AssignmentStatus as S
from storage.vocab import PersonRole
from tests import factories

ZALO_CAPS = Capabilities(buttons=False, max_text=2000, files=False)
# The running channels' formats, in delivery's order, as the service gives them to the job.
FORMATS = {"telegram": text_format(TelegramChannel.capabilities), "zalo": text_format(ZALO_CAPS)}
VN = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK1 = datetime(2023, 6, 23, 15, 0, tzinfo=VN)
WEEK2 = datetime(2023, 6, 30, 15, 0, tzinfo=VN)
TP, NV, HT, PD = "Phòng Tư pháp", "Phòng Nội vụ", "UBND xã Hương Trà", "UBND xã Phúc Đồng"
AREAS = ("Công tác chỉ đạo, điều hành CCHC", "Cải cách thể chế", "Cải cách thủ tục hành chính")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)


@dataclass
class World:
    """Ids of what was made, by name."""

    plan: Plan | None = None
    units: dict[str, int] = field(default_factory=dict)
    areas: list[int] = field(default_factory=list)
    people: dict[str, int] = field(default_factory=dict)


async def add_plan(session: AsyncSession, world: World, number: str = "32/KH-UBND") -> Plan:
    plan = await factories.plan(
        session,
        number,
        issued_on=date(2023, 2, 24),
        title="Khắc phục những tồn tại, hạn chế trong công tác cải cách hành chính năm 2022",
        issuing_body="UBND huyện Hương Khê",
    )
    for position, name in enumerate(AREAS):
        area = await factories.add(
            session,
            Area(
                plan_id=plan.id,
                code=str(position + 1),
                name=name,
                name_key=name.lower(),
                position=position,
            ),
        )
        world.areas.append(area.id)  # type: ignore[arg-type]
    world.plan = plan
    return plan


async def add_unit(session: AsyncSession, world: World, name: str, kind: str = "commune") -> int:
    unit = await factories.unit(session, name, kind)
    world.units[name] = unit.id  # type: ignore[assignment]
    return unit.id  # type: ignore[return-value]


async def add_person(
    session: AsyncSession,
    world: World,
    name: str,
    role: PersonRole,
    unit: str | None = None,
    *,
    channel: str | None = None,
    active: bool = True,
    unreachable_at: datetime | None = None,
    registered: datetime = datetime(2023, 5, 2, 2, tzinfo=UTC),  # before every digest here
) -> int:
    person = await factories.person(
        session,
        name,
        role,
        world.units[unit] if unit else None,
        channel=channel,
        active=active,
        unreachable_at=unreachable_at,
        created_at=registered,
    )
    world.people[name] = person.id  # type: ignore[assignment]
    return person.id  # type: ignore[return-value]


async def add_task(
    session: AsyncSession,
    world: World,
    code: str,
    area: int,
    due: date,
    units: list[str],
    support: tuple[str, ...] = (),
) -> list[Assignment]:
    """A task of the plan in area number `area` (1-based), assigned to `units`."""
    assert world.plan is not None
    task = await factories.task(
        session,
        world.plan.id,  # type: ignore[arg-type]
        code,
        title=f"Nhiệm vụ {code} của kế hoạch",
        area_id=world.areas[area - 1],
        lead_text=", ".join(units),
        deadline_spec=due.strftime("%d/%m/%Y"),
    )
    return [
        await factories.assignment(
            session,
            task.id,  # type: ignore[arg-type]
            world.units[unit],
            due,
            original_deadline=due,
            role="support" if unit in support else "lead",
        )
        for unit in units
    ]


async def say(
    session: AsyncSession,
    a: Assignment,
    who: int,
    status: S,
    at: datetime,
    note: str | None = None,
) -> None:
    """A status update, through the same function the conversation uses."""
    await record_status(session, assignment=a, person_id=who, status=status, now=at, note=note)


async def build(app: App) -> World:
    """The data set described in this module's docstring."""
    world = World()
    async with transaction(app.sessions) as s:
        await add_plan(s, world)
        for name in (TP, NV, HT, PD):
            await add_unit(s, world, name, "department" if name.startswith("Phòng") else "commune")
        lan = await add_person(s, world, "Nguyễn Thị Lan", PersonRole.FOCAL, TP)
        hoa = await add_person(
            s, world, "Lê Thị Hoa", PersonRole.FOCAL, NV, unreachable_at=utc(2023, 6, 20, 2)
        )
        old = await add_person(s, world, "Cán bộ cũ", PersonRole.FOCAL, HT, active=False)
        await add_person(s, world, "Trần Văn Bình", PersonRole.FOCAL, PD)
        await add_person(s, world, "Phạm Minh", PersonRole.COORDINATOR, channel="telegram")
        await add_person(s, world, "Ngô Xuân Ninh", PersonRole.LEADER, channel="zalo")
        t11 = await add_task(s, world, "1.1", 1, date(2023, 6, 15), [TP, NV, HT])
        t12 = await add_task(s, world, "1.2", 1, date(2023, 6, 30), [TP, NV])
        t21 = await add_task(s, world, "2.1", 2, date(2023, 6, 20), [TP])
        await add_task(s, world, "2.2", 2, date(2023, 7, 5), [NV, HT, PD])
        (t23,) = await add_task(s, world, "2.3", 2, date(2023, 6, 10), [TP])
        t23.cancelled_at = utc(2023, 6, 1)
        await say(s, t11[2], old, S.IN_PROGRESS, local(2023, 6, 1, 9))
        await say(s, t12[0], lan, S.IN_PROGRESS, local(2023, 6, 10, 9), "đang làm")
        await say(s, t12[1], hoa, S.IN_PROGRESS, local(2023, 6, 12, 9), "đã giao chuyên viên")
        await say(s, t11[0], lan, S.DONE, utc(2023, 6, 15, 16, 30))
        await say(s, t11[1], hoa, S.DONE, utc(2023, 6, 15, 17, 30))
        await say(s, t21[0], lan, S.EXTENSION_REQUESTED, local(2023, 6, 19, 10), "chờ ý kiến Sở")
        await say(s, t12[1], hoa, S.BLOCKED, local(2023, 6, 21, 10), "chưa có kinh phí")
        await say(s, t12[0], lan, S.DONE, local(2023, 6, 28, 10))
    return world


async def add_support(app: App, world: World) -> None:
    """Supporting units on top of `build`'s data set, as of Friday 30/06:
    1.1  Phúc Đồng supports, not started (the deadline, 15/06, has passed)
    2.2  Tư pháp supports, done 29/06
    3.1 (area 3, due 20/06)  Tư pháp leads, done 19/06 · Hương Trà supports, not started
    """
    async with transaction(app.sessions) as s:
        codes = {t.code: t.id for t in (await s.execute(select(Task))).scalars()}
        for code, unit, due in (("1.1", PD, date(2023, 6, 15)), ("2.2", TP, date(2023, 7, 5))):
            helper = await factories.assignment(
                s, codes[code], world.units[unit], due, original_deadline=due, role="support"
            )
        lan = world.people["Nguyễn Thị Lan"]
        await say(s, helper, lan, S.DONE, local(2023, 6, 29, 9))
        lead, _ = await add_task(s, world, "3.1", 3, date(2023, 6, 20), [TP, HT], support=(HT,))
        await say(s, lead, lan, S.DONE, local(2023, 6, 19, 9))
