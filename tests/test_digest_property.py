"""The digest's figures against a plain recomputation in Python, on random plans and histories.

Each example builds a fresh plan with fresh units: random areas, tasks (some cancelled), lead
and supporting assignments with or without deadlines, and status updates in any order of
time (the latest by id among those made up to the digest's moment counts), by the unit's own
focal person or by the coordinator, some with notes. The recomputation below reads every row
back and follows the definitions in scheduler/digest.py one assignment at a time.
"""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.service import App
from scheduler.digest import SILENCE, compute
from scheduler.digest_figures import Counts, Figures
from scheduler.digest_periods import ReportPeriod, next_week
from storage.db import transaction
from storage.models import Area, Assignment, Person, Plan, StatusUpdate, Task, Unit
from storage.vocab import AssignmentStatus as S
from storage.vocab import PersonRole
from tests import factories
from tests.digest_kit import VN

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Done first: drawn values shrink towards the first one, and "done" has the most to check.
STATUSES = [S.DONE, S.BLOCKED, S.IN_PROGRESS, S.EXTENSION_REQUESTED, S.NOT_STARTED, "unknown"]
START = datetime(2023, 6, 1, tzinfo=UTC)
SERIAL = itertools.count(1)  # every example's plan and units are new
rarely = st.sampled_from([False, False, False, False, True])
mostly = st.sampled_from([True, True, True, False])


@dataclass(frozen=True)
class Drawn:
    units: int
    tasks: list[tuple[int | None, bool]]  # area (index) or none; cancelled
    assignments: list[tuple[int, int, bool, int | None, bool]]  # task, unit, lead, due, cancelled
    # `due`: days from the digest's day; update moments: hours from START
    updates: list[tuple[int, str, int, bool, bool]]  # assignment, status, hour, note, own person
    at_hour: int
    period: tuple[int, int] | None  # days from START


@st.composite
def plans(draw: st.DrawFn) -> Drawn:
    units = draw(st.integers(1, 4))
    tasks = draw(
        st.lists(
            st.tuples(st.one_of(st.none(), st.integers(0, 1)), rarely),
            min_size=1,
            max_size=4,
        )
    )
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, len(tasks) - 1), st.integers(0, units - 1)),
            min_size=2,
            max_size=10,
            unique=True,
        )
    )
    assignments = [
        (
            task,
            unit,
            draw(mostly),
            draw(st.one_of(st.sampled_from([0, 0, -1, 1]), st.integers(-10, 10), st.none())),
            draw(rarely),
        )
        for task, unit in pairs
    ]
    updates = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(assignments) - 1),
                st.sampled_from(STATUSES),
                st.integers(0, 40 * 24),
                st.booleans(),
                mostly,
            ),
            min_size=3,
            max_size=30,
        )
    )
    period = draw(st.one_of(st.none(), st.tuples(st.integers(0, 20), st.integers(0, 20))))
    # The digest at the moment of one of the updates, or at any hour of the history.
    at_hour = draw(st.one_of(st.sampled_from([u[2] for u in updates]), st.integers(0, 40 * 24)))
    return Drawn(units, tasks, assignments, updates, at_hour, period)


def moment(drawn: Drawn) -> datetime:
    """The digest's moment, within the history; an update may be made at the same instant."""
    return START + timedelta(hours=drawn.at_hour, minutes=17)


async def build(app: App, drawn: Drawn) -> int:
    """The drawn plan in the database; its id."""
    n = next(SERIAL)
    async with transaction(app.sessions) as s:
        plan = await factories.plan(s, f"{n}/KH-THU")
        areas = [
            await factories.add(
                s, Area(plan_id=plan.id, name=f"Lĩnh vực {n}.{i}", name_key=f"{n}.{i}", position=i)
            )
            for i in range(2)
        ]
        units = [await factories.unit(s, f"Đơn vị {n}.{u}") for u in range(drawn.units)]
        people = [
            await factories.person(
                s, f"Đầu mối {n}.{u}", PersonRole.FOCAL, unit.id, created_at=START
            )
            for u, unit in enumerate(units)
        ]
        coordinator = await factories.person(s, f"Điều phối {n}", PersonRole.COORDINATOR)
        tasks = []
        for i, (area, cancelled) in enumerate(drawn.tasks):
            task = await factories.task(
                s, plan.id, f"{i + 1}.{n}", area_id=areas[area].id if area is not None else None
            )
            task.cancelled_at = START if cancelled else None
            tasks.append(task)
        made = []
        for task, unit, lead, due, cancelled in drawn.assignments:
            deadline = moment(drawn).date() + timedelta(days=due) if due is not None else None
            made.append(
                await factories.assignment(
                    s,
                    tasks[task].id,
                    units[unit].id,
                    deadline,  # type: ignore[arg-type]
                    role="lead" if lead else "support",
                    cancelled_at=START if cancelled else None,
                )
            )
        for a, status, hour, note, own in drawn.updates:
            author = people[drawn.assignments[a][1]] if own else coordinator
            s.add(
                StatusUpdate(
                    assignment_id=made[a].id,
                    person_id=author.id,
                    status=status,
                    note=f"ghi chú {hour}" if note else None,
                    created_at=START + timedelta(hours=hour, minutes=17),
                )
            )
        assert plan.id is not None
        return plan.id


def expected(
    rows: dict[str, list[Any]], plan_id: int, at: datetime, period: tuple[date, date] | None
) -> dict[str, Any]:
    """The digest's figures, one assignment at a time, from every row in the database."""
    today = at.astimezone(VN).date()
    offset = at.astimezone(VN).utcoffset()
    assert offset is not None
    tasks = {t.id: t for t in rows["tasks"] if t.plan_id == plan_id}
    units = {u.id: u.name for u in rows["units"]}
    people = {p.id: p for p in rows["people"]}
    live = [
        a
        for a in rows["assignments"]
        if a.task_id in tasks and a.cancelled_at is None and tasks[a.task_id].cancelled_at is None
    ]
    state = {}
    for a in live:
        made = [u for u in rows["updates"] if u.assignment_id == a.id and u.created_at <= at]
        latest = max(made, key=lambda u: u.id) if made else None
        noted = [u for u in made if u.note is not None]
        note = max(noted, key=lambda u: u.id).note if noted else None
        state[a.id] = (
            latest.status if latest else S.NOT_STARTED.value,
            latest.created_at if latest else None,
            note,
        )

    def kind(a: Any) -> tuple[str | None, bool]:
        status, changed, _note = state[a.id]
        if status == S.DONE.value:
            late = a.deadline is not None and (changed + offset).date() > a.deadline
            return ("done_late" if late else "done_on_time"), False
        named = status if status in {f for f in Counts.__dataclass_fields__} else None
        return named, a.deadline is not None and a.deadline < today

    def counts(group: list[Any]) -> Counts:
        found = dict.fromkeys(Counts.__dataclass_fields__, 0)
        for a in group:
            name, overdue = kind(a)
            found["total"] += 1
            found["overdue"] += overdue
            if name:
                found[name] += 1
        return Counts(**found)

    lead = [a for a in live if a.role == "lead"]
    by_unit = {
        units[u]: counts([a for a in lead if a.unit_id == u]) for u in {a.unit_id for a in lead}
    }
    support = [a for a in live if a.role != "lead"]
    helping = {
        units[u]: counts([a for a in support if a.unit_id == u])
        for u in {a.unit_id for a in support}
    }
    task_states = {}
    for task_id in {a.task_id for a in lead}:
        c = counts([a for a in lead if a.task_id == task_id])
        if c.done == c.total:
            name = "done_late" if c.done_late else "done_on_time"
        elif c.blocked or c.extension_requested:
            name = "blocked" if c.blocked else "extension_requested"
        else:
            name = "in_progress" if c.in_progress or c.done else "not_started"
        task_states[task_id] = Counts(total=1, overdue=min(c.overdue, 1), **{name: 1})
    totals = sum(task_states.values(), Counts())
    by_area: dict[int | None, Counts] = {}
    for task_id, c in task_states.items():
        area = tasks[task_id].area_id
        by_area[area] = by_area.get(area, Counts()) + c
    first, last = next_week(today)

    def listed(a: Any) -> tuple[Any, ...]:
        return (tasks[a.task_id].code, units[a.unit_id], a.deadline, state[a.id][0])

    overdue = sorted((listed(a) for a in lead if kind(a)[1]), key=lambda r: (r[2], r[0], r[1]))
    due = sorted(
        (
            listed(a)
            for a in lead
            if state[a.id][0] != S.DONE.value and a.deadline and first <= a.deadline <= last
        ),
        key=lambda r: (r[2], r[0], r[1]),
    )
    blocked = [
        (changed.astimezone(VN).date(), code, unit, note)
        for changed, code, unit, note in sorted(
            (state[a.id][1], tasks[a.task_id].code, units[a.unit_id], state[a.id][2])
            for a in lead
            if state[a.id][0] == S.BLOCKED.value
        )
    ]
    done_in = None
    if period is not None:
        done_in = sum(
            1
            for a in lead
            if state[a.id][0] == S.DONE.value
            and period[0] <= (state[a.id][1] + offset).date() <= period[1]
        )
    open_units = {a.unit_id for a in lead} - {
        u for u in {a.unit_id for a in lead} if by_unit[units[u]].done == by_unit[units[u]].total
    }
    silent = set()
    for u in open_units:
        answers = [
            x.created_at
            for x in rows["updates"]
            if x.created_at <= at
            and people[x.person_id].unit_id == u
            and next(a for a in rows["assignments"] if a.id == x.assignment_id).unit_id == u
        ]
        registered = [
            p.created_at
            for p in rows["people"]
            if p.unit_id == u and p.active and p.role == PersonRole.FOCAL
        ]
        heard = ([max(answers)] if answers else []) + ([min(registered)] if registered else [])
        if heard and max(heard) <= at - SILENCE:
            silent.add(units[u])
    return {
        "totals": totals,
        "areas": {k: v for k, v in by_area.items()},
        "units": by_unit,
        "support": helping,
        "overdue": overdue,
        "due": due,
        "blockers": blocked,
        "done_in": done_in,
        "silent": silent,
    }


def seen(figures: Figures) -> dict[str, Any]:
    """The same figures, as the digest gave them."""
    return {
        "totals": figures.totals,
        "areas": {line.key: line.counts for line in figures.areas if line.counts.total},
        "units": {line.name: line.counts for line in figures.units},
        "support": {line.name: line.counts for line in figures.support},
        "overdue": [(o.task_code, o.unit, o.deadline, o.status) for o in figures.overdue],
        "due": [(d.task_code, d.unit, d.deadline, d.status) for d in figures.due_next_week],
        "blockers": [(b.since, b.task_code, b.unit, b.note) for b in figures.blockers],
        "done_in": figures.done_in,
        "silent": {s.unit for s in figures.silent},
    }


async def read_all(app: App) -> dict[str, list[Any]]:
    async with app.sessions() as s:
        return {
            name: list((await s.execute(select(model))).scalars())
            for name, model in (
                ("tasks", Task),
                ("units", Unit),
                ("people", Person),
                ("assignments", Assignment),
                ("updates", StatusUpdate),
            )
        }


@PROPERTY
@given(drawn=plans())
async def test_figures_match_a_plain_recomputation(app: App, drawn: Drawn) -> None:
    plan_id = await build(app, drawn)
    at = moment(drawn)
    period = None
    if drawn.period is not None:
        first, length = drawn.period
        start = START.date() + timedelta(days=first)
        period = ReportPeriod("2023-H1", "half", 6, 2023, start, start + timedelta(days=length))
    async with app.sessions() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        figures = await compute(s, plan=plan, at=at, tz=VN, period=period)
    want = expected(
        await read_all(app), plan_id, at, (period.start, period.end) if period else None
    )
    assert seen(figures) == want
