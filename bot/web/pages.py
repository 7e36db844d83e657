"""The pages that show: the overview, a unit, a task, the chart, the files, evidence."""

from aiohttp import web

from bot.texts import chat, common
from bot.texts import web as words
from bot.web import overview as ov
from bot.web.auth import EVERYONE, Viewer
from bot.web.context import Context, Route
from scheduler.digest_figures import Figures
from storage.db import find
from storage.models import Area, Plan, Task, Unit
from storage.people import active_people, channels_of
from storage.vocab import SEES_EVERY_UNIT
from storage.web import evidence_of, evidence_unit, histories, open_requests, task_work, unit_work


def routes(ctx: Context) -> list[Route]:
    every = frozenset(EVERYONE)
    overseers = frozenset(SEES_EVERY_UNIT)
    return [
        ("GET", "/web", lambda r, v: overview(ctx, r, v), every),
        ("GET", "/web/bieu-do/{key:[0-9a-f]{16}}.png", lambda r, v: chart(ctx, r, v), overseers),
        ("GET", "/web/tai/{kind:xlsx|docx}", lambda r, v: files(ctx, r, v), overseers),
        ("GET", "/web/don-vi/{id:\\d+}", lambda r, v: unit_page(ctx, r, v), every),
        ("GET", "/web/nhiem-vu/{id:\\d+}", lambda r, v: task_page(ctx, r, v), overseers),
        ("GET", "/web/minh-chung/{id:\\d+}", lambda r, v: evidence(ctx, r, v), every),
    ]


async def overview(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The plan as the digest sees it; a focal person sees their own unit instead."""
    if not viewer.sees_all:
        if viewer.unit_id is None:
            return ctx.guard.forbidden()
        return web.Response(status=303, headers={"Location": f"/web/don-vi/{viewer.unit_id}"})
    deps = ctx.deps
    now = deps.clock.now()
    today = now.astimezone(deps.timezone).date()
    async with deps.sessions() as session:
        choice = await ov.choose(session, request, today, deps.digests.cutoff_day)
        if choice is None:
            return ctx.render("overview.html", viewer, f=None, choice=None)
        figures = await ov.figures_for(session, deps.digests, choice, now)
        rows = await ov.matching_rows(session, choice, figures)
        requests, waiting = await open_requests(session, limit=ov.REQUEST_ROWS)
    values = ov.context(figures, choice, rows)
    chart_key = ctx.charts.remember(figures)
    return ctx.render(
        "overview.html", viewer, requests=requests, waiting=waiting, chart=chart_key, **values
    )


async def _figures(ctx: Context, request: web.Request) -> tuple[ov.Choice, Figures] | None:
    deps = ctx.deps
    now = deps.clock.now()
    async with deps.sessions() as session:
        today = now.astimezone(deps.timezone).date()
        choice = await ov.choose(session, request, today, deps.digests.cutoff_day)
        if choice is None:
            return None
        return choice, await ov.figures_for(session, deps.digests, choice, now)


async def chart(ctx: Context, request: web.Request, _viewer: Viewer) -> web.StreamResponse:
    """The digest's chart (PNG) of the figures an overview just showed (by their key), or of
    the figures now when the service no longer holds those."""
    figures = ctx.charts.get(request.match_info["key"])
    if figures is None:
        found = await _figures(ctx, request)
        if found is None:
            return ctx.guard.not_found()
        figures = found[1]
    async with ctx.deps.sessions() as session:
        plan = await find(session, Plan, figures.plan.id)
    if plan is None:
        return ctx.guard.not_found()
    folder = ctx.deps.digests.folder(plan, figures.today) / ov.WEB_FOLDER
    return web.FileResponse(await ov.chart_file(figures, folder))


async def files(ctx: Context, request: web.Request, _viewer: Viewer) -> web.StreamResponse:
    """The digest's Excel file, or the written report (.docx) of the chosen period."""
    found = await _figures(ctx, request)
    if found is None:
        return ctx.guard.not_found()
    choice, figures = found
    folder = ctx.deps.digests.folder(choice.plan, figures.today) / ov.WEB_FOLDER
    if request.match_info["kind"] == "xlsx":
        path = await ov.workbook_file(figures, folder)
    else:
        period = choice.period or choice.periods[0]
        if choice.period is None:
            at = ctx.deps.digests.period_end(period)
            async with ctx.deps.sessions() as session:
                figures = await ctx.deps.digests.figures(session, choice.plan, at, period)
        path = await ov.report_file(ctx.deps.digests, figures, period, folder)
    return ov.download(path) if path else ctx.guard.not_found()


async def unit_page(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """A unit: its people, its assignments with their history and evidence, its requests."""
    unit_id = int(request.match_info["id"])
    if not viewer.may_see_unit(unit_id):
        return ctx.guard.forbidden()
    async with ctx.deps.sessions() as session:
        unit = await find(session, Unit, unit_id)
        if unit is None:
            return ctx.guard.not_found()
        people = [p for p, _name in await active_people(session, unit_id=unit_id)]
        channels = await channels_of(session, person_ids=[p.id for p in people if p.id])
        work = await unit_work(session, unit_id=unit_id)
        ids = [a.id for a, _t, _n in work if a.id is not None]
        history = await histories(session, assignment_ids=ids)
        files = await evidence_of(session, assignment_ids=ids)
        requests, _waiting = await open_requests(session, unit_id=unit_id)
    return ctx.render(
        "unit.html",
        viewer,
        unit=unit,
        people=people,
        channels={
            pid: ", ".join(_channel_name(i.channel) for i in ids) for pid, ids in channels.items()
        },
        work=work,
        history=history,
        files=files,
        requests=requests,
        names={p.id: p.full_name for p in people},
        tz=ctx.deps.timezone,
        assignment_role=common.ASSIGNMENT_ROLE,
        channel_name=_channel_name,
    )


def _channel_name(channel: str | None) -> str:
    if channel == "web":
        return words.CHANNEL_WEB
    return chat.CHANNEL_NAMES.get(channel or "", channel or "—")


async def task_page(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """A task: what the plan says, and each occurrence and unit with its state."""
    async with ctx.deps.sessions() as session:
        task = await find(session, Task, int(request.match_info["id"]))
        if task is None:
            return ctx.guard.not_found()
        plan = await find(session, Plan, task.plan_id)
        area = await find(session, Area, task.area_id) if task.area_id else None
        work = await task_work(session, task_id=int(request.match_info["id"]))
    return ctx.render(
        "task.html",
        viewer,
        task=task,
        plan=plan,
        area=area,
        work=work,
        today=ctx.deps.clock.now().astimezone(ctx.deps.timezone).date(),
        assignment_role=common.ASSIGNMENT_ROLE,
    )


async def evidence(ctx: Context, request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """An evidence file, to the people of its unit and to those who see every unit."""
    async with ctx.deps.sessions() as session:
        found = await evidence_unit(session, evidence_id=int(request.match_info["id"]))
    if found is None:
        return ctx.guard.not_found()
    row, unit_id = found
    if not viewer.may_see_unit(unit_id):
        return ctx.guard.forbidden()
    root = ctx.deps.evidence_dir.resolve()
    path = (root / row.storage_path).resolve() if row.storage_path else root
    if not path.is_relative_to(root) or not path.is_file():
        return ctx.guard.not_found()
    response = ov.download(path)
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{ov.quote(row.file_name or path.name)}"
    )
    return response
