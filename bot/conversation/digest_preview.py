"""/digest in the chat: the digest as of now, with its chart and Excel file (stores nothing)."""

import asyncio

from bot.channels.base import Answer, Outbound
from bot.conversation.turn import Turn, say
from bot.digest.service import DigestKit, file_paths, write_files
from bot.digest.text import message, text_format
from bot.texts import chat as c
from bot.texts import dates
from bot.texts import digest as t
from storage.models import Plan
from storage.plans import active_plans, find_plan
from storage.vocab import SEES_EVERY_UNIT

PREVIEW_FOLDER = "xem-truoc"  # beside the week's sent files, never over them
FILES = ("png", "xlsx")


async def digest_command(turn: Turn, rest: str) -> Answer:
    """/digest [SỐ KẾ HOẠCH] — coordinators and leaders see the digest now."""
    if turn.registered().role not in SEES_EVERY_UNIT:
        return say(c.NOT_ALLOWED)
    plans = await _plans(turn, rest.strip())
    if isinstance(plans, Answer):
        return plans
    kit = turn.deps.digests
    answer = Answer()
    for plan in plans:
        answer.messages += await _plan_messages(turn, kit, plan)
    return answer


async def _plans(turn: Turn, number: str) -> list[Plan] | Answer:
    if number:
        plan = await find_plan(turn.session, number=number)
        return [plan] if plan else say(c.PLAN_UNKNOWN.format(number=number))
    plans = await active_plans(turn.session, today=turn.local.date())
    return plans or say(c.NO_PLANS)


async def _plan_messages(turn: Turn, kit: DigestKit, plan: Plan) -> list[Outbound]:
    """The message parts for this channel, then the chart and the Excel file."""
    figures = await kit.figures(turn.session, plan, turn.now)
    folder = kit.folder(plan, figures.today) / PREVIEW_FOLDER
    files = file_paths(figures, folder, FILES)
    # Drawn once the turn is committed: no transaction is open for the seconds it takes.
    turn.after_commit.append(lambda: asyncio.to_thread(write_files, figures, folder, FILES))
    fmt = text_format(turn.caps)
    messages = [Outbound(text=part, html=fmt.html) for part in message(figures, fmt)]
    week = {
        "plan": plan.number,
        "first": dates.day_month(figures.week[0]),
        "last": dates.day(figures.week[1]),
    }
    if files.chart:
        messages.append(Outbound(text=t.CHART_CAPTION.format(**week), file_path=str(files.chart)))
    if files.workbook:
        caption = t.WORKBOOK_CAPTION.format(plan=plan.number, day=dates.day(figures.today))
        messages.append(Outbound(text=caption, file_path=str(files.workbook)))
    return messages
