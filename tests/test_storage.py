"""The schema, as migrations build it, on a real SQLite file and a real PostgreSQL server."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import SQLModel

from bot.service import App
from storage.db import transaction
from storage.digests import save_digest
from storage.migrate import alembic_config, upgrade
from storage.models import Assignment, AuditLog, Digest, Plan, ProcessedInbound, Task
from storage.vocab import OutboxKind, ReminderKind

pytestmark = [pytest.mark.usefixtures("app"), pytest.mark.backends("sqlite", "postgresql")]


async def test_migrations_build_exactly_the_models(app: App) -> None:
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    async with app.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
        version = (
            await connection.execute(text("select version_num from alembic_version"))
        ).scalar()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert version == head


async def test_upgrade_twice_changes_nothing(app: App) -> None:
    await upgrade(app.engine)
    async with app.engine.connect() as connection:
        rows = (await connection.execute(text("select count(*) from alembic_version"))).scalar()
    assert rows == 1


@pytest.mark.backends("sqlite")
async def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(app: App) -> None:
    async with app.engine.connect() as connection:
        assert (await connection.execute(text("pragma journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("pragma foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("pragma busy_timeout"))).scalar() == 10_000


async def test_instants_come_back_as_the_same_moment_in_utc(app: App) -> None:
    hanoi = timezone(timedelta(hours=7))
    at = datetime(2023, 6, 30, 8, 0, tzinfo=hanoi)
    async with transaction(app.sessions) as session:
        session.add(AuditLog(at=at, actor="test", action="check"))
    async with app.sessions() as session:
        stored = (await session.execute(text("select at from audit_log"))).scalar()
        row = (await session.execute(select(AuditLog))).scalar_one()
    assert str(stored).startswith("2023-06-30 01:00:00")  # naive UTC, on either backend
    assert row.at == at and row.at.tzinfo == UTC


async def test_naive_datetimes_are_refused(app: App) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with transaction(app.sessions) as session:
            session.add(AuditLog(at=datetime(2023, 1, 1), actor="test", action="x"))  # noqa: DTZ001


async def test_foreign_keys_are_enforced(app: App) -> None:
    with pytest.raises(IntegrityError):
        async with transaction(app.sessions) as session:
            session.add(Assignment(task_id=999, unit_id=999, role="lead", occurrence_key="once"))


async def test_a_replayed_inbound_update_is_refused_by_the_database(app: App) -> None:
    async with transaction(app.sessions) as session:
        session.add(ProcessedInbound(channel="telegram", update_id="42"))
    with pytest.raises(IntegrityError):
        async with transaction(app.sessions) as session:
            session.add(ProcessedInbound(channel="telegram", update_id="42"))


async def test_task_codes_are_unique_within_a_plan(app: App) -> None:
    async with transaction(app.sessions) as session:
        plan = Plan(number="1/KH", title="t", year=2023)
        session.add(plan)
        await session.flush()
        session.add(
            Task(
                plan_id=plan.id,
                code="1.1",
                title="a",
                lead_text="x",
                deadline_spec="x",
                kind="once",
            )
        )
    with pytest.raises(IntegrityError):
        async with transaction(app.sessions) as session:
            session.add(
                Task(
                    plan_id=plan.id,
                    code="1.1",
                    title="b",
                    lead_text="x",
                    deadline_spec="x",
                    kind="once",
                )
            )


async def test_a_digest_is_stored_once_per_period_whoever_writes_it(app: App) -> None:
    at = datetime(2023, 6, 23, 8, 0, tzinfo=UTC)
    async with transaction(app.sessions) as session:
        plan = Plan(number="1/KH", title="t", year=2023)
        session.add(plan)
        await session.flush()
        period = {"plan_id": plan.id, "kind": "weekly", "period": "2023-W25", "at": at}
        first = await save_digest(session, **period, figures={"tổng": 1})
        again = await save_digest(session, **period, figures={"tổng": 2})
        other = await save_digest(session, **{**period, "period": "2023-W26"}, figures={})
    assert (first, again, other) == (True, False, True)
    async with app.sessions() as session:
        stored = (await session.execute(select(Digest).order_by(Digest.id))).scalars().all()
    assert [(d.period, d.figures) for d in stored] == [("2023-W25", {"tổng": 1}), ("2023-W26", {})]


def test_outbox_kinds_keep_their_stored_names_and_never_clash_with_reminders() -> None:
    assert {k.value for k in OutboxKind} == {
        "digest",
        "unreachable",
        "extension_request",
        "extension_decision",
        "edit",
    }
    assert not {k.value for k in OutboxKind} & {k.value for k in ReminderKind}
