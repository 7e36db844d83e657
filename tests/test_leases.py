"""One process at a time does the sweep, the digest and the sending: leases taken, renewed,
lost when not renewed and given back on the way out (storage/leases.py, scheduler/jobs.py);
and what else several processes on one PostgreSQL database need: the schema upgraded by one
of them at a time, a lock waited out in vain counted as "locked"."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.service import App
from scheduler.jobs import SENDING, SWEEP_JOB, Leases, only_with_lease
from storage import leases
from storage.db import create_engine, is_locked, session_factory, transaction
from storage.migrate import current_revision, head_revision, upgrade
from tests import factories
from tests.fakes.clock import ManualClock
from tests.pg_kit import PostgresServer

TTL = timedelta(seconds=30)


async def take(app: App, holder: str) -> bool:
    async with transaction(app.sessions) as session:
        return await leases.take(
            session, name=SWEEP_JOB, holder=holder, now=app.clock.now(), ttl=TTL
        )


@pytest.mark.backends("sqlite", "postgresql")
async def test_a_lease_has_one_holder_until_it_expires_and_then_another_takes_it(
    app: App, clock: ManualClock
) -> None:
    assert await take(app, "a")
    assert not await take(app, "b")
    clock.advance(seconds=29)
    assert await take(app, "a")  # renewed: another 30 s from now
    clock.advance(seconds=29)
    assert not await take(app, "b")
    clock.advance(seconds=2)  # "a" went quiet 31 s ago
    assert await take(app, "b")
    assert not await take(app, "a")
    async with app.sessions() as session:
        assert await leases.holders(session, now=clock.now()) == {SWEEP_JOB: "b"}


@pytest.mark.backends("sqlite", "postgresql")
async def test_a_process_stops_acting_before_its_lease_can_pass_on_and_gives_it_back(
    app: App, clock: ManualClock
) -> None:
    first = Leases(app.sessions, holder="first", now=clock.now, ttl=TTL)
    second = Leases(app.sessions, holder="second", now=clock.now, ttl=TTL)
    await first.renew()
    await second.renew()
    assert first.holds(SWEEP_JOB) and first.holds(SENDING)
    assert not second.holds(SWEEP_JOB) and not second.holds(SENDING)
    ran: list[str] = []

    async def sweep() -> None:
        ran.append("swept")

    await only_with_lease(second, SWEEP_JOB, sweep)()
    assert ran == []  # a standby process does not sweep
    await only_with_lease(first, SWEEP_JOB, sweep)()
    assert ran == ["swept"]

    clock.advance(seconds=20)  # no renewal for two thirds of the lease: it stops acting
    assert not first.holds(SWEEP_JOB)
    await second.renew()
    assert not second.holds(SWEEP_JOB)  # but the lease is not free until it expires
    await first.give_up()  # stopping: given back at once
    await second.renew()
    assert second.holds(SWEEP_JOB) and second.holds(SENDING)


@pytest.mark.backends("postgresql")
async def test_many_takers_at_once_get_one_holder(backend: str, app: App) -> None:
    engines = [create_engine(app.settings.database_url) for _ in range(6)]
    try:

        async def attempt(n: int) -> bool:
            async with transaction(session_factory(engines[n])) as session:
                return await leases.take(
                    session, name=SENDING, holder=f"p{n}", now=app.clock.now(), ttl=TTL
                )

        got = await asyncio.gather(*(attempt(n) for n in range(len(engines))))
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(got) == 1


async def test_processes_starting_at_once_upgrade_the_schema_one_after_the_other(
    pg_server: PostgresServer,
) -> None:
    name = pg_server.empty_database()
    engines = [create_engine(pg_server.url(name)) for _ in range(3)]
    try:
        # Unserialized, they deadlock or trip over each other's tables: bounded, not hung.
        await asyncio.wait_for(asyncio.gather(*(upgrade(engine) for engine in engines)), 120)
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for engine in engines:
            await engine.dispose()
        pg_server.drop_database(name)


@pytest.mark.backends("postgresql")
async def test_a_lock_waited_out_on_postgresql_counts_as_locked(backend: str, app: App) -> None:
    async with transaction(app.sessions) as session:
        person = await factories.person(session, "Lan", "focal", None)
    impatient = create_engine(app.settings.database_url, busy_timeout_ms=200)
    try:
        async with app.sessions() as holder, holder.begin():
            await holder.execute(
                text("SELECT id FROM people WHERE id = :id FOR UPDATE"), {"id": person.id}
            )
            with pytest.raises(DBAPIError) as caught:
                async with transaction(session_factory(impatient)) as waiter:
                    update = text("UPDATE people SET full_name = 'Lan 2' WHERE id = :id")
                    # Without the engine's lock timeout it would wait for ever: bounded here.
                    await asyncio.wait_for(waiter.execute(update, {"id": person.id}), 30)
    finally:
        await impatient.dispose()
    assert is_locked(caught.value)
