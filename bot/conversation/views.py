"""Chat renderings of /status, /overdue and /tasks, from the same queries as the CLI."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime

from bot.texts import chat as t
from bot.texts import dates
from bot.texts.common import NO_AREA, STATUS, task_ref
from storage.assignments import AssignmentView
from storage.vocab import AssignmentRole
from storage.vocab import AssignmentStatus as S

PAGE = 30
DaysLate = Callable[[date, date], int]


def short(title: str, limit: int = 70) -> str:
    """A list line shows the start of a long title, visibly marked."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _dated(views: Iterable[AssignmentView]) -> list[tuple[AssignmentView, date]]:
    """The views that have a deadline, each beside it."""
    return [(v, v.deadline) for v in views if v.deadline is not None]


def counts_line(views: list[AssignmentView]) -> str:
    counts = Counter(v.status for v in views)
    return " · ".join(
        t.COUNT.format(icon=icon, status=STATUS[s], count=counts.get(s, 0))
        for s, icon in t.STATUS_ICON.items()
    )


def unit_status(
    unit: str, plans: str, views: list[AssignmentView], now: datetime, late: DaysLate
) -> str:
    today = now.date()
    head = t.UNIT_STATUS_HEAD.format(unit=unit, plans=plans, at=dates.moment(now))
    lines = [head, counts_line(views)]
    dated = _dated(views)
    overdue = sorted(((v, d) for v, d in dated if v.is_overdue(today)), key=lambda vd: vd[1])
    if overdue:
        lines.append(t.UNIT_OVERDUE_HEAD.format(count=len(overdue)))
        lines += [
            t.UNIT_OVERDUE_LINE.format(
                code=task_ref(v.task_code, v.occurrence_key),
                title=short(v.title),
                days=late(deadline, today),
            )
            for v, deadline in overdue
        ]
    soon = [(v, d) for v, d in dated if v.status != S.DONE and 0 <= (d - today).days <= 7]
    if soon:
        lines.append(t.SOON_HEAD)
        lines += [
            t.SOON_LINE.format(
                code=task_ref(v.task_code, v.occurrence_key),
                title=short(v.title),
                due=dates.day_month(deadline),
                days=(deadline - today).days,
            )
            for v, deadline in sorted(soon, key=lambda vd: vd[1])
        ]
    listed = {id(v) for v, _ in overdue} | {id(v) for v, _ in soon}
    lines += _other_open([v for v in views if v.status != S.DONE and id(v) not in listed])
    return "\n".join(lines)


def _other_open(views: list[AssignmentView], shown: int = 15) -> list[str]:
    """The rest of the unit's open tasks, each with its deadline and status."""
    if not views:
        return []
    views = sorted(views, key=lambda v: (v.deadline is None, v.deadline or date.max))
    lines = [t.OPEN_HEAD.format(count=len(views))]
    lines += [
        t.OPEN_LINE.format(
            code=task_ref(v.task_code, v.occurrence_key),
            title=short(v.title, 50),
            due=dates.day(v.deadline),
            status=STATUS[v.status],
        )
        for v in views[:shown]
    ]
    if len(views) > shown:
        lines.append(t.OPEN_MORE.format(count=len(views) - shown))
    return lines


def rollup(plans: str, views: list[AssignmentView], now: datetime) -> str:
    """Tasks (done when their lead units are), by area; lead assignments by unit; support apart."""
    today = now.date()
    lead = [v for v in views if v.role == AssignmentRole.LEAD]
    support = [v for v in views if v.role != AssignmentRole.LEAD]
    tasks = _tasks(lead)
    done = sum(all(v.status == S.DONE for v in items) for items in tasks.values())
    overdue = sum(any(v.is_overdue(today) for v in items) for items in tasks.values())
    pct = round(100 * done / len(tasks)) if tasks else 0
    lines = [
        t.ROLLUP_HEAD.format(plans=plans, at=dates.moment(now)),
        t.ROLLUP_DONE.format(done=done, total=len(tasks), pct=pct, overdue=overdue),
        t.ROLLUP_LEAD_COUNTS.format(counts=counts_line(lead)),
        t.ROLLUP_BY_AREA,
        *_area_lines(tasks, today),
        t.ROLLUP_BY_UNIT,
        *_group_lines(lead, lambda v: v.unit, today, by_overdue=True),
    ]
    if support:
        lines.append(
            t.ROLLUP_SUPPORT.format(
                total=len(support),
                units=len({v.unit for v in support}),
                done=sum(v.status == S.DONE for v in support),
            )
        )
    return "\n".join(lines)


def _tasks(lead: list[AssignmentView]) -> dict[tuple[str, str], list[AssignmentView]]:
    """Lead assignments by task (a recurring task's occurrences together)."""
    found: dict[tuple[str, str], list[AssignmentView]] = defaultdict(list)
    for view in lead:
        found[(view.plan_number, view.task_code)].append(view)
    return found


def _area_lines(tasks: dict[tuple[str, str], list[AssignmentView]], today: date) -> list[str]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for items in tasks.values():
        row = counts[items[0].area or NO_AREA]
        row[0] += all(v.status == S.DONE for v in items)
        row[1] += 1
        row[2] += any(v.is_overdue(today) for v in items)
    return [
        t.ROLLUP_AREA_LINE.format(name=name, done=done, total=total, late=late)
        for name, (done, total, late) in counts.items()
    ]


def _group_lines(
    views: list[AssignmentView],
    key: Callable[[AssignmentView], str],
    today: date,
    *,
    by_overdue: bool = False,
) -> list[str]:
    groups: dict[str, list[AssignmentView]] = defaultdict(list)
    for view in views:
        groups[key(view)].append(view)
    rows = [
        (
            name,
            sum(v.status == S.DONE for v in items),
            len(items),
            sum(v.is_overdue(today) for v in items),
        )
        for name, items in groups.items()
    ]
    if by_overdue:
        rows.sort(key=lambda r: (-r[3], r[0]))
    return [
        t.ROLLUP_LINE.format(name=name, done=done, total=total, late=late)
        for name, done, total, late in rows
    ]


def overdue_list(
    views: list[AssignmentView], today: date, late: DaysLate, *, page: int, show_unit: bool
) -> str:
    items = sorted(
        ((v, d) for v, d in _dated(views) if v.is_overdue(today)),
        key=lambda vd: (vd[1], vd[0].unit),
    )
    if not items:
        return t.NO_OVERDUE
    units = len({v.unit for v, _ in items})
    pages = (len(items) + PAGE - 1) // PAGE
    page = min(max(page, 1), pages)
    lines = [t.OVERDUE_HEAD.format(count=len(items), units=units)]
    shown = items[(page - 1) * PAGE : page * PAGE]
    for i, (v, deadline) in enumerate(shown, start=(page - 1) * PAGE + 1):
        unit = t.OVERDUE_UNIT.format(unit=v.unit) if show_unit else ""
        days = late(deadline, today)
        title = short(v.title, 60)
        lines.append(
            t.OVERDUE_LINE.format(
                n=i, code=task_ref(v.task_code, v.occurrence_key), title=title, unit=unit, days=days
            )
        )
    if page < pages:
        lines.append(t.OVERDUE_MORE.format(page=page, pages=pages, next=page + 1))
    return "\n".join(lines)
