"""Three real `nhacviec run` processes on one PostgreSQL database and the fake Bot API, one
of them killed with SIGKILL while it sends: shared by tests/test_processes.py (a few hundred
reminders) and benchmarks/bench_processes.py (3,000).

Each process is started as the service is deployed with several processes: Telegram in
webhook mode (each process its own HTTP port; Telegram allows one getUpdates consumer per
bot), the same DATABASE_URL, DELIVERY_LEASE_SECONDS=5 so that a killed process's claims and
leases run out within seconds. The database holds `count` people, each in a private chat of
their own with one due reminder: a chat's messages are that row's deliveries.

The process that holds the sending lease is killed once a third of the chats got their
reminder. The rows it had claimed and not recorded at that moment are read from the database
right after the kill (the most that may be sent twice); then the run waits until every chat
got a message and every row is recorded as sent, the others are stopped with SIGTERM, and
the fake's log gives each chat's deliveries, the 429s and the busiest second.
"""

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, func, insert, select

from storage.db import create_engine, session_factory, transaction
from storage.models import (
    Assignment,
    ChannelIdentity,
    Lease,
    OutboxMessage,
    Person,
    Plan,
    Task,
    Unit,
)
from tests.fakes import Chat, FakeBotApi, User
from tests.service_kit import any_hour

FIRST_CHAT = 20_000_000
PROCESSES = 3
LEASE_SECONDS = 5
SENDING = "delivery"  # the sending lease's name (scheduler/jobs.SENDING)


@dataclass(frozen=True)
class Outcome:
    count: int
    killed: int  # the pid killed with SIGKILL
    in_flight: int  # rows it held (claimed, not recorded) when it was killed
    lost: int  # chats that never got their reminder
    doubled: int  # deliveries beyond the first, over all chats
    unrecorded: int  # rows not recorded as sent at the end
    rejected_429: int
    busiest_second: int  # most sendMessage calls (answered or refused) arriving in one second
    rate: float  # sends a second between the first and the last
    senders: int  # sending lease holders seen (mid-run, at the end)
    seconds: float
    exit_codes: tuple[int, ...]  # of the processes stopped with SIGTERM


async def seed(url: str, count: int) -> None:
    """`count` people with a chat each and one due reminder each; deadlines far away, so the
    service's own sweep adds nothing."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with transaction(session_factory(engine)) as s:
            plan = Plan(number="1/KH-PROC", title="Nhiều tiến trình", year=now.year)
            unit = Unit(name="Phòng Tư pháp", kind="department")
            s.add_all([plan, unit])
            await s.flush()
            task = Task(
                plan_id=plan.id, code="1.1", title="Rà soát thủ tục hành chính", lead_text="x",
                deadline_spec="d", kind="once",
            )  # fmt: skip
            s.add(task)
            await s.flush()
            assignment = Assignment(
                task_id=task.id, unit_id=unit.id, deadline=date(now.year + 1, 12, 31),
                role="lead", occurrence_key="once",
            )  # fmt: skip
            s.add(assignment)
            await s.flush()
            await s.execute(
                insert(Person),
                [
                    {"full_name": f"Người {n}", "role": "focal", "unit_id": None}
                    for n in range(count)
                ],
            )
            ids = list((await s.execute(select(Person.id).order_by(Person.id))).scalars())
            await s.execute(
                insert(ChannelIdentity),
                [
                    {"person_id": pid, "channel": "telegram", "user_id": str(FIRST_CHAT + n),
                     "chat_id": str(FIRST_CHAT + n)}
                    for n, pid in enumerate(ids)
                ],
            )  # fmt: skip
            due = now - timedelta(minutes=1)
            await s.execute(
                insert(OutboxMessage),
                [
                    {"dedupe_key": f"proc:{pid}", "person_id": pid, "kind": "before_7d",
                     "assignment_id": assignment.id, "payload": {}, "not_before": due,
                     "created_at": due}
                    for pid in ids
                ],
            )  # fmt: skip
    finally:
        await engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(api: FakeBotApi, url: str, data: Path) -> subprocess.Popen[bytes]:
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        **os.environ,
        **any_hour(data),
        "DATABASE_URL": url,
        "DATA_DIR": str(data),
        "NHACVIEC_HOME": str(data),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_SECRET": secrets.token_hex(16),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "LOG_LEVEL": "INFO",
        "DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "PTB_TIMEDELTA": "true",
    }
    program = ["-c", "import sys; from bot.cli.main import main; sys.exit(main(['run']))"]
    with (data / "service.log").open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, *program], env=env, cwd=data, stdout=log, stderr=log
        )


async def run(
    url: str,
    folder: Path,
    count: int,
    *,
    latency: float = 0.0,
    processes: int = PROCESSES,
    kill: bool = True,
) -> Outcome:
    """The whole run, bounded in time: it fails rather than waits past `count / 10 + 120` s.
    `processes=1, kill=False` is the baseline: one process, nothing killed."""
    await seed(url, count)
    within = count / 10 + 120
    async with FakeBotApi(latency=latency) as api:
        chats = range(FIRST_CHAT, FIRST_CHAT + count)
        for chat_id in chats:
            api.add_chat(Chat.private(User(chat_id, f"Người {chat_id}")))
        delivered = lambda: sum(1 for c in chats if api.sent_to(c))  # noqa: E731
        began = time.monotonic()
        services = [start(api, url, folder / f"p{n}") for n in range(processes)]
        holders: set[str] = set()
        victim: subprocess.Popen[bytes] | None = None
        in_flight = 0
        try:
            await api.wait_until(lambda: delivered() >= count // 3, within=within)
            holders.add(sender := await _sender(url))
            if kill:
                victim = next(s for s in services if s.pid == _pid(sender))
                victim.send_signal(signal.SIGKILL)
                await asyncio.to_thread(victim.wait, 30)
                in_flight = await _count(
                    url,
                    (OutboxMessage.status == "sending") & (OutboxMessage.claimed_by == sender),
                )
            await api.wait_until(lambda: delivered() >= count, within=within)
            deadline = time.monotonic() + 60
            while await _count(url, OutboxMessage.status == "sent") < count:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            holders.add(await _sender(url))
        finally:
            for service in services:
                if service.poll() is None:
                    service.send_signal(signal.SIGTERM)
            others = [s for s in services if s is not victim]
            codes = tuple(await asyncio.gather(*(asyncio.to_thread(s.wait, 30) for s in others)))
        seconds = time.monotonic() - began
        recorded = await _count(url, OutboxMessage.status == "sent")
        per_chat = [len(api.sent_to(c)) for c in chats]
        moments = sorted(c.at for c in api.calls_to("sendMessage") if c.status == 200)
        # Every call, refused ones too: two processes sending at once would show ~60 here.
        arrivals = sorted(c.at for c in api.calls_to("sendMessage"))
    return Outcome(
        count=count,
        killed=victim.pid if victim else 0,
        in_flight=in_flight,
        lost=sum(1 for n in per_chat if n == 0),
        doubled=sum(n - 1 for n in per_chat if n > 1),
        unrecorded=count - recorded,
        rejected_429=api.rejected_429,
        busiest_second=_busiest(arrivals, 1.0),
        rate=(len(moments) - 1) / (moments[-1] - moments[0]) if len(moments) > 1 else 0.0,
        senders=len(holders),
        seconds=seconds,
        exit_codes=codes,
    )


async def _sender(url: str) -> str:
    """Who holds the sending lease now."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as s:
            query = select(Lease.holder).where(Lease.name == SENDING)
            return str((await s.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def _count(url: str, where: ColumnElement[bool]) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as s:
            return int((await s.execute(select(func.count()).where(where))).scalar_one())
    finally:
        await engine.dispose()


def _pid(holder: str) -> int:
    return int(holder.split(":")[-2])  # host:pid:random (bot/delivery/worker.worker_identity)


def _busiest(moments: list[float], span: float) -> int:
    """The most moments in any `span` seconds."""
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= span:
            first += 1
        most = max(most, last - first + 1)
    return most
