"""Sending the digest: the weekly job's outbox rows, /digest in the chat, and `nhacviec digest`."""

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.conversation.buttons import ButtonSigner
from bot.delivery.render import render
from bot.digest.send import send_weekly_digest
from bot.service import App, Jobs, build_delivery, build_deps, build_scheduler
from bot.settings import SettingsError, load_settings
from storage.db import create_engine, session_factory
from storage.models import Digest, OutboxMessage, Person
from storage.vocab import PersonRole
from tests.conversation_kit import PLAIN, make_conversation, register, text_of
from tests.digest_kit import FORMATS, VN, WEEK1, WEEK2, build, local
from tests.factories import EXAMPLES, load_example

pytestmark = pytest.mark.backends("sqlite", "postgresql")


async def outbox(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list((await session.execute(query)).scalars())


async def stored(app: App) -> list[tuple[str, str]]:
    async with app.sessions() as session:
        rows = (await session.execute(select(Digest.kind, Digest.period).order_by(Digest.id))).all()
    return [(kind, period) for kind, period in rows]


def is_file(path: str | None, suffix: str) -> bool:
    return path is not None and Path(path).suffix == suffix and Path(path).is_file()


@pytest.fixture
async def world(app: App):
    return await build(app)


async def test_the_weekly_job_writes_each_row_once(app: App, world) -> None:
    minh, ninh = world.people["Phạm Minh"], world.people["Ngô Xuân Ninh"]
    added = await send_weekly_digest(
        app.sessions, app.digests, now=local(2023, 6, 23, 15, 1), formats=FORMATS
    )
    rows = await outbox(app)
    assert added == len(rows) == 8
    by_person = {
        pid: [r.dedupe_key.split(":", 4)[-1] for r in rows if r.person_id == pid]
        for pid in (minh, ninh)
    }
    # The half-year's data closed on 14/06: its written report goes with this week's digest.
    assert by_person == {
        minh: ["text:1", "png", "xlsx", "docx"],
        ninh: ["text:1", "png", "xlsx", "docx"],
    }
    telegram, zalo = rows[0].payload, rows[4].payload
    assert telegram["html"] is True and telegram["text"].startswith(
        "<b>📋 TỔNG HỢP TUẦN 19/06–23/06/2023"
    )
    assert zalo["html"] is False and zalo["text"].startswith("📋 TỔNG HỢP TUẦN 19/06–23/06/2023")
    files = [Path(r.payload["file_path"]) for r in rows[1:4]]
    assert [f.suffix for f in files] == [".png", ".xlsx", ".docx"] and all(
        f.is_file() for f in files
    )
    assert (
        files[0].parent
        == (app.settings.data_dir / "digests" / "32-KH-UBND" / "2023-06-23").resolve()
    )
    assert {r.kind for r in rows} == {"digest"}
    assert await stored(app) == [("weekly", "2023-W25"), ("report", "2023-H1")]
    assert (
        await send_weekly_digest(
            app.sessions, app.digests, now=local(2023, 6, 23, 15, 6), formats=FORMATS
        )
        == 0
    )
    assert len(await outbox(app)) == 8


async def test_next_week_shows_the_change_and_no_second_report(app: App, world) -> None:
    await send_weekly_digest(app.sessions, app.digests, now=WEEK1, formats=FORMATS)
    await send_weekly_digest(app.sessions, app.digests, now=WEEK2, formats=FORMATS)
    rows = [r for r in await outbox(app) if ":2023-W26:" in r.dedupe_key]
    assert [r.dedupe_key.rsplit(":", 1)[-1] for r in rows] == ["1", "png", "xlsx"] * 2
    assert "Hoàn thành 0/4 nhiệm vụ (0%, +0 so với tuần trước)" in rows[0].payload["text"]
    assert await stored(app) == [
        ("weekly", "2023-W25"),
        ("report", "2023-H1"),
        ("weekly", "2023-W26"),
    ]


async def test_the_job_waits_for_its_slot_and_catches_up_after_downtime(app: App, world) -> None:
    assert (
        await send_weekly_digest(
            app.sessions, app.digests, now=local(2023, 6, 23, 14, 59), formats=FORMATS
        )
        == 0
    )  # last slot 16/06: too old
    assert await outbox(app) == []
    # Down from Friday to Monday morning: the week's digest still goes, once.
    assert (
        await send_weekly_digest(
            app.sessions, app.digests, now=local(2023, 6, 19, 9), formats=FORMATS
        )
        > 0
    )
    assert await stored(app) == [("weekly", "2023-W24"), ("report", "2023-H1")]


async def test_a_digest_row_renders_with_its_file_and_html(app: App, world) -> None:
    await send_weekly_digest(app.sessions, app.digests, now=WEEK1, formats=FORMATS)
    rows = await outbox(app)
    async with app.sessions() as session:
        person = await session.get(Person, rows[0].person_id)
        signer = ButtonSigner(b"k" * 32)
        text = await render(session, rows[0], person, signer, WEEK1, VN, app.rules.days_late)  # type: ignore[arg-type]
        chart = await render(session, rows[1], person, signer, WEEK1, VN, app.rules.days_late)  # type: ignore[arg-type]
    assert text.html and text.file_path is None and "TỔNG HỢP TUẦN" in text.text
    assert not chart.html and chart.file_path == rows[1].payload["file_path"]
    assert chart.text.startswith("Biểu đồ tiến độ — Kế hoạch 32/KH-UBND")


async def test_digest_in_the_chat_for_coordinators_and_leaders_only(
    app: App, tmp_path: Path
) -> None:
    await load_example(app)
    convo = make_conversation(app, tmp_path)
    coordinator = await register(app, convo, "701", None, PersonRole.COORDINATOR)
    answer = await coordinator.send("/digest")
    text, chart, workbook = answer.messages
    assert text.html and text.text.startswith(
        "<b>📋 TỔNG HỢP TUẦN 27/02–03/03/2023 — Kế hoạch 32/KH-UBND</b>"
    )
    assert is_file(chart.file_path, ".png") and is_file(workbook.file_path, ".xlsx")
    assert "xem-truoc" in workbook.file_path  # type: ignore[operator]
    leader = await register(app, convo, "702", None, PersonRole.LEADER)
    assert "TỔNG HỢP TUẦN" in text_of(await leader.send("/digest 32/KH-UBND"))
    assert text_of(await leader.send("/digest 99/KH-UBND")) == "Không có kế hoạch số '99/KH-UBND'."
    focal = await register(app, convo, "703", "Phòng Tư pháp", PersonRole.FOCAL)
    assert text_of(await focal.send("/digest")) == "Anh/chị không có quyền thực hiện thao tác này."
    assert await outbox(app) == [] and await stored(app) == []


def test_the_command_line_writes_files_and_sends_nothing(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["units", "import", str(EXAMPLES / "don-vi-huong-khe.yaml")]) == 0
    assert main(["import", str(EXAMPLES / "ke-hoach-32-KH-UBND-2023.yaml")]) == 0
    capsys.readouterr()
    out = cli_env / "out"
    args = [
        "digest",
        "--at",
        "2023-06-30T15:00",
        "--out",
        str(out),
        "--format",
        "text,png,xlsx,docx",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("📋 TỔNG HỢP TUẦN 26/06–30/06/2023 — Kế hoạch 32/KH-UBND\n")
    assert sorted(p.name for p in out.iterdir()) == [
        "bao-cao-32-KH-UBND-2023-H1.docx",
        "tong-hop-32-KH-UBND-2023-06-30.png",
        "tong-hop-32-KH-UBND-2023-06-30.xlsx",
    ]
    assert asyncio.run(rows_in(os.environ["DATABASE_URL"])) == (0, 0)  # outbox, digests
    with pytest.raises(SystemExit):
        main(["digest", "--format", "pdf"])


def test_digest_settings_are_checked_at_start() -> None:
    settings = load_settings(env={}, env_file=None)
    assert (settings.digest_schedule, settings.report_cutoff_day) == ("fri 15:00", 14)
    assert load_settings(env={"REPORT_CUTOFF_DAY": "0"}, env_file=None).report_cutoff_day == 0
    for env in ({"DIGEST_SCHEDULE": "someday"}, {"REPORT_CUTOFF_DAY": "31"}):
        with pytest.raises(SettingsError):
            load_settings(env=env, env_file=None)


async def test_the_service_schedules_the_digest_job(app: App) -> None:
    delivery = build_delivery(app, build_deps(app, []), [])
    job = build_scheduler(app, delivery, Jobs()).get_job("digest")
    assert job is not None
    kit = {"sessions": app.sessions, "now": app.clock.now, "kit": app.digests, "formats": {}}
    assert job.kwargs == kit


async def test_the_digest_is_shaped_for_the_channel_delivery_will_use(app: App, world) -> None:
    minh, ninh = world.people["Phạm Minh"], world.people["Ngô Xuân Ninh"]
    only_telegram = {"telegram": FORMATS["telegram"]}
    await send_weekly_digest(app.sessions, app.digests, now=WEEK1, formats=only_telegram)
    rows = await outbox(app)
    # Ninh is on Zalo only, which is not running: nothing is written that nobody could send.
    assert {r.person_id for r in rows} == {minh} and ninh != minh
    assert rows[0].payload["html"] is True


async def test_a_channel_without_files_is_told_where_the_files_are(
    app: App, tmp_path: Path
) -> None:
    await load_example(app)
    convo = make_conversation(app, tmp_path)
    coordinator = await register(app, convo, "704", None, PersonRole.COORDINATOR)
    coordinator.caps = PLAIN  # no files, no HTML: the terminal or a plain-text messenger
    text, chart, workbook = (await coordinator.send("/digest")).messages
    assert not text.html and text.text.startswith("📋 TỔNG HỢP TUẦN 27/02–03/03/2023")
    for message, suffix in ((chart, ".png"), (workbook, ".xlsx")):
        assert message.file_path is None
        path = message.text.rsplit("\nTệp: ", 1)[1]
        assert is_file(path, suffix)


async def rows_in(url: str) -> tuple[int, int]:
    """Rows in the outbox and the digests table of the database at `url`."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            counts = [
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (OutboxMessage, Digest)
            ]
    finally:
        await engine.dispose()
    return counts[0], counts[1]
