"""Claims on outbox rows carry a lease and their owner: another process takes a row back only
when its lease has run out, whoever and wherever the owner is."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.delivery.worker import worker_identity
from bot.service import App
from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage
from tests import factories

pytestmark = pytest.mark.backends("sqlite", "postgresql")

LEASE = timedelta(seconds=60)


async def queued(app: App, n: int) -> list[int]:
    async with transaction(app.sessions) as session:
        person = await factories.person(
            session, "Lan", "focal", None, channel="telegram", user_id="1"
        )
        rows = [
            await factories.outbox(
                session,
                dedupe_key=f"lease:{i}",
                person_id=person.id,  # type: ignore[arg-type]
                kind="before_7d",
                assignment_id=None,
                not_before=app.clock.now(),
            )
            for i in range(n)
        ]
    return [r.id for r in rows]  # type: ignore[misc]


async def claim(app: App, worker: str, after: timedelta) -> int | None:
    async with transaction(app.sessions) as session:
        now = app.clock.now() + after
        return await outbox.claim_next(session, worker=worker, now=now, lease=LEASE)


async def test_a_live_claim_is_left_alone_and_an_expired_one_taken_back(app: App) -> None:
    (row,) = await queued(app, 1)
    first, second = worker_identity(), worker_identity()
    assert first != second  # same host, same process even: two owners
    assert await claim(app, first, timedelta(0)) == row
    assert await claim(app, second, timedelta(seconds=59)) is None  # still the first one's
    assert await claim(app, second, timedelta(seconds=61)) == row  # its owner went quiet
    async with app.sessions() as session:
        taken = (await session.execute(select(OutboxMessage))).scalar_one()
    assert (taken.status, taken.claimed_by) == ("sending", second)


async def test_a_stopping_worker_gives_back_only_its_own_rows(app: App) -> None:
    rows = await queued(app, 3)
    mine, theirs = worker_identity(), worker_identity()
    assert await claim(app, mine, timedelta(0)) == rows[0]
    assert await claim(app, theirs, timedelta(0)) == rows[1]
    async with transaction(app.sessions) as session:
        assert await outbox.release_claims(session, worker=mine) == 1
    async with app.sessions() as session:
        found = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        states = [(r.status, r.claimed_by) for r in found]
    assert states == [("pending", None), ("sending", theirs), ("pending", None)]


async def test_a_batch_claim_takes_the_oldest_due_rows_and_two_workers_never_share_one(
    app: App,
) -> None:
    rows = await queued(app, 7)
    first, second = worker_identity(), worker_identity()
    now = app.clock.now()
    async with transaction(app.sessions) as session:
        mine = await outbox.claim_due(session, worker=first, now=now, lease=LEASE, limit=4)
    async with transaction(app.sessions) as session:
        theirs = await outbox.claim_due(session, worker=second, now=now, lease=LEASE, limit=4)
    assert mine == rows[:4] and theirs == rows[4:]  # oldest first; what is left, no more
    async with app.sessions() as session:
        owners = (await session.execute(select(OutboxMessage.claimed_by))).scalars().all()
    assert owners == [first] * 4 + [second] * 3
