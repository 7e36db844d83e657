"""`nhacviec db copy`: a SQLite deployment moved to PostgreSQL keeps every row, and the
digest computed on the copy is the digest computed on the original."""

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.service import App, open_app
from bot.settings import Settings
from scheduler.calendar import WorkCalendar
from scheduler.digest import compute
from storage.db import create_engine, transaction
from storage.digests import save_digest
from storage.models import AuditLog, Plan
from storage.transfer import row_counts
from storage.vocab import DigestKind, PersonRole
from tests import factories
from tests.digest_kit import VN, WEEK1, WEEK2, add_support, build
from tests.pg_kit import PostgresServer

CALENDAR = WorkCalendar.load()


@pytest.fixture
def empty_pg(pg_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database as `createdb` leaves it: no tables yet."""
    name = pg_server.empty_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
async def deployment(app: App) -> App:
    """A SQLite deployment that has run a while: a plan with answers, people on two
    channels, a stored weekly digest, queued and sent messages, an audit trail."""
    world = await build(app)
    await add_support(app, world)
    async with transaction(app.sessions) as session:
        await factories.outbox(
            session,
            dedupe_key="copy-1",
            person_id=world.people["Phạm Minh"],
            assignment_id=None,
            kind="digest",
        )
        session.add(AuditLog(at=WEEK1, actor="test", action="check", detail={"ý": "nghĩa"}))
    figures = await digest(app, WEEK1)
    async with transaction(app.sessions) as session:
        await save_digest(
            session,
            plan_id=figures.plan.id,
            kind=DigestKind.WEEKLY,
            period="2023-W25",
            at=figures.at,
            figures=figures.stored(),
        )
    return app


async def digest(app: App, at):
    async with app.sessions() as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        return await compute(
            session, plan=plan, at=at, tz=VN, working_days=CALENDAR.working_days_between
        )


async def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(row_counts)
    finally:
        await engine.dispose()


async def copy(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The command as typed at a terminal (its own event loop, here in a thread)."""
    code = await asyncio.to_thread(main, ["db", "copy", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_sqlite_to_postgresql_keeps_every_row_and_the_digest(
    deployment: App, empty_pg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = deployment.settings.database_url
    before = await counts(source)
    digest_before = (await digest(deployment, WEEK2)).stored()
    assert before["assignments"] > 10 and before["status_updates"] > 5 and before["digests"] == 1

    code, out, err = await copy(capsys, "--from", source, "--to", empty_pg)

    assert (code, err) == (0, "")
    assert await counts(empty_pg) == before
    assert f"Đã chép từ {source.removeprefix('sqlite+aiosqlite:///')}" in out
    for table, rows in before.items():
        assert re.search(rf"^  {table} +{rows} dòng$", out, re.MULTILINE), table
    assert f"Tổng: {sum(before.values())} dòng trong {len(before)} bảng." in out
    async with open_app(Settings(database_url=empty_pg, data_dir=tmp_path)) as copied:
        assert (await digest(copied, WEEK2)).stored() == digest_before
        async with transaction(copied.sessions) as session:  # ids go on past the copied ones
            newcomer = await factories.person(session, "Người mới", PersonRole.FOCAL)
            session.add(AuditLog(at=WEEK2, actor="test", action="after-copy"))
        assert newcomer.id == before["people"] + 1


async def test_a_target_with_data_is_refused_unless_replaced(
    deployment: App, empty_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = deployment.settings.database_url
    assert (await copy(capsys, "--from", source, "--to", empty_pg))[0] == 0
    code, out, err = await copy(capsys, "--from", source, "--to", empty_pg)
    assert code == 1 and out == ""
    assert "đã có dữ liệu" in err and "--replace" in err and "Không chép gì" in err
    assert await counts(empty_pg) == await counts(source)
    code, out, _ = await copy(capsys, "--from", source, "--to", empty_pg, "--replace")
    assert code == 0 and "Tổng:" in out
    assert await counts(empty_pg) == await counts(source)


async def test_postgresql_back_to_a_new_sqlite_file(
    deployment: App, empty_pg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await copy(capsys, "--from", deployment.settings.database_url, "--to", empty_pg))[
        0
    ] == 0
    back = f"sqlite+aiosqlite:///{tmp_path / 'back.db'}"
    assert (await copy(capsys, "--from", empty_pg, "--to", back))[0] == 0
    assert await counts(back) == await counts(deployment.settings.database_url)


async def test_a_missing_source_file_is_one_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "khong-co.db"
    target = f"sqlite+aiosqlite:///{tmp_path / 'dich.db'}"
    code, out, err = await copy(capsys, "--from", f"sqlite+aiosqlite:///{missing}", "--to", target)
    assert (code, out) == (1, "") and f"Không có tệp cơ sở dữ liệu nguồn {missing}" in err
    assert not missing.exists() and not (tmp_path / "dich.db").exists()


async def test_copying_a_database_onto_itself_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    code, _, err = await copy(capsys, "--from", url, "--to", url)
    assert code == 1 and "cùng một cơ sở dữ liệu" in err


async def test_a_url_that_is_no_database_is_refused_before_anything_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"sqlite+aiosqlite:///{tmp_path / 'dich.db'}"
    code, out, err = await copy(capsys, "--from", "mysql://u@h/x", "--to", target)
    assert (code, out) == (2, "") and "mysql is not supported" in err
    assert not (tmp_path / "dich.db").exists()
