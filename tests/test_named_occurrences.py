"""Occurrences of a recurring task say which period they are for, wherever they are listed."""

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.conversation.core import Conversation
from bot.delivery.render import reminder_text
from bot.digest.text import message, text_format
from bot.digest.workbook import write_workbook
from bot.service import App
from bot.texts.common import task_ref
from bot.texts.dates import occurrence
from scheduler.digest import compute
from storage.models import Assignment, Plan, Task, Unit
from storage.vocab import PersonRole
from tests.conversation_kit import PLAIN, register, text_of
from tests.digest_kit import VN
from tests.fakes.clock import ManualClock

TP = "Phòng Tư pháp"


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("2024-Q1", "quý I/2024"),
        ("2024-Q4", "quý IV/2024"),
        ("2024-H1", "6 tháng đầu năm 2024"),
        ("2024-H2", "6 tháng cuối năm 2024"),
        ("2024-M03", "tháng 03/2024"),
        ("2024-Y", "năm 2024"),
        ("once", None),
        ("ongoing", None),
    ],
)
def test_one_function_names_every_occurrence_key(key: str, name: str | None) -> None:
    assert occurrence(key) == name
    assert task_ref("1.7", key) == (f"1.7 ({name})" if name else "1.7")


async def occurrences_of(app: App, code: str, unit: str) -> list[tuple[Assignment, Task, Unit]]:
    async with app.sessions() as session:
        query = (
            select(Assignment, Task, Unit)
            .join(Task)
            .join(Unit)
            .where(Task.code == code, Unit.name == unit)
            .order_by(Assignment.deadline)
        )
        return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def test_two_reminders_for_one_recurring_task_no_longer_look_alike(
    app: App, convo: Conversation
) -> None:
    (q1, task, unit), (h1, _, _) = (await occurrences_of(app, "1.7", TP))[:2]
    today = datetime(2023, 3, 28, tzinfo=VN).date()
    first = reminder_text("before_3d", q1, task, unit, today, lambda _a, _b: 0, VN)
    second = reminder_text("before_7d", h1, task, unit, today, lambda _a, _b: 0, VN)
    assert first.startswith("⏰ Nhắc hạn nhiệm vụ 1.7 (quý I/2023) — còn 3 ngày (hạn 31/03/2023)")
    assert second.startswith("⏰ Nhắc hạn nhiệm vụ 1.7 (6 tháng đầu năm 2023) — còn 94 ngày")


async def test_tasks_overdue_and_status_name_the_period(
    app: App, convo: Conversation, clock: ManualClock
) -> None:
    lan = await register(app, convo, "501", TP, PersonRole.FOCAL)
    tasks = text_of(await lan.send("/tasks"))
    assert "1. 1.7 (quý I/2023) Báo cáo kết quả khắc phục" in tasks
    assert "1.7 (6 tháng đầu năm 2023)" in tasks and "1.7 (quý III/2023)" in tasks
    assert "1.7 (năm 2023)" in tasks
    labels = [
        b.label for m in (await lan.send("/tasks")).messages for row in m.buttons for b in row
    ]
    assert "Cập nhật 1.7 (quý I/2023) · hạn 31/03" in labels
    clock.advance(days=40)  # 10/04/2023: the first quarter's report is late
    assert "1.7 (quý I/2023) Báo cáo kết quả" in text_of(await lan.send("/overdue"))
    assert "• 1.7 (quý I/2023) Báo cáo kết quả" in text_of(await lan.send("/status"))


async def test_the_digest_and_its_workbook_name_the_period(
    app: App, convo: Conversation, tmp_path: Path
) -> None:
    async with app.sessions() as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        figures = await compute(session, plan=plan, at=datetime(2023, 4, 14, 15, tzinfo=VN), tz=VN)
    text = "\n".join(message(figures, text_format(PLAIN)))
    assert "1.7 (quý I/2023)" in text
    book = load_workbook(write_workbook(figures, tmp_path / "digest.xlsx"))
    codes = {row[1] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)}
    assert "1.7 (quý I/2023)" in codes
