"""Chat renderings of /status, /overdue and /tasks, from the same queries as the CLI."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime

from bot.texts import STATUS
from storage.assignments import AssignmentView
from storage.vocab import AssignmentStatus as S

PAGE = 30
ICONS = {
    S.DONE: "✅",
    S.IN_PROGRESS: "🔄",
    S.BLOCKED: "⚠️",
    S.NOT_STARTED: "⏳",
    S.EXTENSION_REQUESTED: "📅",
}
DaysLate = Callable[[date, date], int]


def short(title: str, limit: int = 70) -> str:
    """A list line shows the start of a long title, visibly marked."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _dated(views: Iterable[AssignmentView]) -> list[tuple[AssignmentView, date]]:
    """The views that have a deadline, each beside it."""
    return [(v, v.deadline) for v in views if v.deadline is not None]


def counts_line(views: list[AssignmentView]) -> str:
    counts = Counter(v.status for v in views)
    return " · ".join(f"{ICONS[s]} {STATUS[s]}: {counts.get(s, 0)}" for s in ICONS)


def unit_status(
    unit: str, plans: str, views: list[AssignmentView], now: datetime, late: DaysLate
) -> str:
    today = now.date()
    lines = [f"{unit} — {plans} (cập nhật {now:%d/%m/%Y %H:%M})", counts_line(views)]
    dated = _dated(views)
    overdue = sorted(((v, d) for v, d in dated if v.is_overdue(today)), key=lambda vd: vd[1])
    if overdue:
        lines.append(f"Quá hạn ({len(overdue)}):")
        lines += [
            f"• {v.task_code} {short(v.title)} — quá hạn {late(deadline, today)} ngày làm việc"
            for v, deadline in overdue
        ]
    soon = [(v, d) for v, d in dated if v.status != S.DONE and 0 <= (d - today).days <= 7]
    if soon:
        lines.append("Sắp đến hạn (7 ngày tới):")
        lines += [
            f"• {v.task_code} {short(v.title)} — hạn {deadline:%d/%m} "
            f"(còn {(deadline - today).days} ngày)"
            for v, deadline in sorted(soon, key=lambda vd: vd[1])
        ]
    return "\n".join(lines)


def rollup(plans: str, views: list[AssignmentView], now: datetime) -> str:
    today = now.date()
    done = sum(v.status == S.DONE for v in views)
    overdue = sum(v.is_overdue(today) for v in views)
    pct = round(100 * done / len(views)) if views else 0
    lines = [
        f"Tổng hợp — {plans} (cập nhật {now:%d/%m/%Y %H:%M})",
        f"Hoàn thành {done}/{len(views)} ({pct}%) · Quá hạn {overdue}",
        counts_line(views),
        "Theo lĩnh vực:",
        *_group_lines(views, lambda v: v.area or "Chưa phân lĩnh vực", today),
        "Theo đơn vị (quá hạn nhiều trước):",
        *_group_lines(views, lambda v: v.unit, today, by_overdue=True),
    ]
    return "\n".join(lines)


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
        f"• {name}: {done}/{total} hoàn thành, {late} quá hạn" for name, done, total, late in rows
    ]


def overdue_list(
    views: list[AssignmentView], today: date, late: DaysLate, *, page: int, show_unit: bool
) -> str:
    items = sorted(
        ((v, d) for v, d in _dated(views) if v.is_overdue(today)),
        key=lambda vd: (vd[1], vd[0].unit),
    )
    if not items:
        return "Không có nhiệm vụ quá hạn."
    units = len({v.unit for v, _ in items})
    pages = (len(items) + PAGE - 1) // PAGE
    page = min(max(page, 1), pages)
    lines = [f"Nhiệm vụ quá hạn: {len(items)} ({units} đơn vị)"]
    shown = items[(page - 1) * PAGE : page * PAGE]
    for i, (v, deadline) in enumerate(shown, start=(page - 1) * PAGE + 1):
        unit = f" — {v.unit}" if show_unit else ""
        days = late(deadline, today)
        lines.append(f"{i}. {v.task_code} {short(v.title, 60)}{unit} — quá {days} ngày làm việc")
    if page < pages:
        lines.append(f"Trang {page}/{pages}. Gõ /overdue {page + 1} để xem tiếp.")
    return "\n".join(lines)
