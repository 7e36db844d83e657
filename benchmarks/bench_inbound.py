"""Inbound answers: 50 registered people answer 1,000 reminders at once (half by pressing the
reminder's "Hoàn thành" button, half by replying "xong" to it) through getUpdates, against
the project's fake Bot API (tests/fakes, its flood limits off); then a bare
python-telegram-bot echo bot (Application, default settings, no rate limiter) answers the
same 1,000 updates on the same fake server. Each pair runs with the fake on plain loopback
and with 150 ms added to every Bot API call (a Vietnamese server to Telegram: 100-300 ms).
`make bench`; `--runs N`, `--latency MS ...`, `--profile`; `--turns`: the conversation alone,
statements and CPU per answer of each kind.

Telegram is another machine: the fake server, the seeding and the measuring run in this
process, and each bot under test in a process of its own (started fresh for each run, so
its CPU time and peak RSS are its own). The service there is its real parts:
`TelegramChannel` (a real PTB `Application` and bot, our polling loop and chat lanes) and the
real `Conversation` on a SQLite file, as `bot.service` wires them, without the sweep and
delivery (they would add work of their own to the figures). The echo bot gets exactly the
same treatment.

Measured per update: from the moment it was queued at the fake to its answer stored (its
processed_inbound row seen by a reader in this process polling the database every 10 ms)
and to the bot's answer at the fake (answerCallbackQuery for a press, the reply message for
a reply).
"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# BENCH_TREE: the checkout whose code is measured (`--turns` of a baseline, see `turn_rows`).
sys.path.insert(0, os.environ.get("BENCH_TREE") or str(ROOT))

from results import record  # noqa: E402
from runs import baseline_commit, trees  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters  # noqa: E402

from bot.channels.telegram import build_telegram_channel  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.conversation.buttons import ButtonSigner, load_key  # noqa: E402
from bot.conversation.core import Conversation  # noqa: E402
from bot.service import App, build_deps, conversation_handler, open_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import transaction  # noqa: E402
from storage.models import Assignment, Person, ProcessedInbound  # noqa: E402
from tests import factories  # noqa: E402
from tests.fakes import Chat, FakeBotApi, User  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_PEOPLE", 50))
EACH = int(os.environ.get("BENCH_EACH", 20))  # 50 x 20: 1,000 reminders


@dataclass
class Reminder:
    user: User
    message_id: int
    data: str  # the signed "Hoàn thành" button


@dataclass
class Run:
    seconds: float
    stored: list[float] = field(default_factory=list)  # update -> stored answer, seconds
    replied: list[float] = field(default_factory=list)  # update -> answer at the fake

    @property
    def rate(self) -> float:
        return len(self.replied) / self.seconds


async def people_with_reminders(app: App, api: FakeBotApi | None) -> list[Reminder]:
    """50 focal people on the example district's units, each with 20 sent reminders (without
    a fake Bot API, `--turns`: message ids made up here)."""
    await factories.load_example(app)
    signer = ButtonSigner(load_key(app.settings.data_dir))
    async with app.sessions() as session:
        rows = (await session.execute(select(Assignment.id, Assignment.unit_id))).all()
    by_unit: dict[int, list[int]] = {}
    for assignment_id, unit_id in rows:
        by_unit.setdefault(unit_id, []).append(assignment_id)
    units = sorted(by_unit)
    reminders = []
    async with transaction(app.sessions) as session:
        for n in range(PEOPLE):
            user = User(8000 + n, f"Người {n}")
            unit = units[n % len(units)]
            person = await factories.person(
                session, user.first_name, "focal", unit, channel="telegram", user_id=str(user.id)
            )
            chat = api.add_chat(Chat.private(user)) if api else None
            for k in range(EACH):
                target = by_unit[unit][k % len(by_unit[unit])]
                data = signer.payload("done", target, person.id or 0)
                markup = {"inline_keyboard": [[{"text": "Hoàn thành", "callback_data": data}]]}
                message_id = 100_000 + n * EACH + k
                if api is not None and chat is not None:
                    sent = api.record_bot_message(chat, text=f"Nhắc việc {k}", reply_markup=markup)
                    message_id = sent.message_id
                await factories.outbox(
                    session,
                    dedupe_key=f"bench:{person.id}:{k}",
                    person_id=person.id,
                    kind="before_3d",
                    assignment_id=target,
                    status="sent",
                    message_id=str(message_id),
                    sent_at=app.clock.now(),
                    channel="telegram",
                )
                reminders.append(Reminder(user, message_id, data))
    return reminders


def queue_answers(api: FakeBotApi, reminders: list[Reminder]) -> dict[int, tuple[float, Any]]:
    """Everybody answers at once, round by round: the first half of the people by pressing
    "Hoàn thành", the others by replying "xong". The update ids, with when and how."""
    queued: dict[int, tuple[float, Any]] = {}
    for k in range(EACH):
        for n, reminder in enumerate(reminders[k::EACH]):
            if n < PEOPLE // 2:
                posted = api.user_presses(reminder.user, reminder.message_id, reminder.data)
                key: Any = ("press", posted.callback_query_id)
            else:
                posted = api.user_sends(reminder.user, None, "xong", reply_to=reminder.message_id)
                key = ("reply", reminder.user.id)
            queued[posted.update_id] = (time.monotonic(), key)
    return queued


def answer_times(api: FakeBotApi, queued: dict[int, tuple[float, Any]], since: int) -> list[float]:
    """Update -> answer at the fake: a press by its answerCallbackQuery, a reply by the
    chat's next sendMessage (a reply is answered by one message; each chat's in order)."""
    pressed: dict[str, float] = {}
    sends: dict[int, list[float]] = {}
    for call in api.calls[since:]:
        if call.status != 200:
            continue
        if call.method.lower() == "answercallbackquery":
            pressed[str(call.params.get("callback_query_id"))] = call.at
        elif call.method.lower() == "sendmessage":
            sends.setdefault(int(call.params["chat_id"]), []).append(call.at)
    taken: dict[int, int] = {}
    times = []
    for _update_id, (at, (kind, key)) in sorted(queued.items()):
        if kind == "press" and key in pressed:
            times.append(pressed[key] - at)
        elif kind == "reply":
            index = taken.get(key, 0)
            taken[key] = index + 1
            if index < len(sends.get(key, [])):
                times.append(sends[key][index] - at)
    return times


def answers_seen(api: FakeBotApi, since: int) -> int:
    """Answers at the fake so far: presses answered and messages sent (cheap to count)."""
    return sum(
        1
        for call in api.calls[since:]
        if call.status == 200 and call.method in ("answerCallbackQuery", "sendMessage")
    )


async def watch_stored(app: App, queued: dict[int, tuple[float, Any]], seen: dict[int, float]):
    """Note when each update's processed_inbound row becomes visible (read every 10 ms, only
    the rows added since the last look)."""
    wanted = {str(u) for u in queued}
    last = 0
    while len(seen) < len(wanted):
        query = select(ProcessedInbound.id, ProcessedInbound.update_id).where(
            ProcessedInbound.id > last  # type: ignore[operator]
        )
        async with app.sessions() as session:
            rows = (await session.execute(query)).all()
        now = time.monotonic()
        for row_id, update_id in rows:
            last = max(last, row_id)
            if update_id in wanted:
                seen.setdefault(int(update_id), now)
        await asyncio.sleep(0.01)


async def until_answered(
    api: FakeBotApi, queued: dict[int, tuple[float, Any]], since: int, within: float
) -> None:
    """Until every update has its answer; looked at every 0.1 s (the harness shares the
    event loop with the bot, so it must stay cheap)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + within
    while answers_seen(api, since) < len(queued) or (
        len(answer_times(api, queued, since)) < len(queued)
    ):
        if loop.time() > until:
            raise TimeoutError("not every update was answered")
        await asyncio.sleep(0.1)


def bot_settings(folder: Path, base_url: str, token: str) -> Settings:
    """The service's settings for the benchmark's folder and the fake's address."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{folder}/nhacviec.db",
        data_dir=folder,
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
        telegram_file_base_url=base_url.replace("/bot", "/file/bot", 1),
    )


@dataclass
class Child:
    """What a bot's process says about itself when it stops."""

    cpu: float  # seconds of CPU, all its threads, from "ready" to its stop (the run itself)
    rss: float  # peak resident MiB


async def drive(which: str, latency: float, profile: bool) -> tuple[Run, Child]:
    """One bot's run: the fake server, the seeding and the measuring here; the bot in a
    child process (`--bot`), started once its data is seeded, stopped once all is answered."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        async with FakeBotApi(rate_limits=False, latency=latency) as api:
            settings = bot_settings(folder, api.base_url, api.token)
            async with open_app(settings, SystemClock()) as app:
                reminders = await people_with_reminders(app, api)
                command = [sys.executable, __file__, "--bot", which, "--folder", name]
                command += ["--api", api.base_url, "--token", api.token]
                command += ["--profile"] if profile else []
                child = await asyncio.create_subprocess_exec(
                    *command,
                    cwd=ROOT,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
                assert child.stdin is not None and child.stdout is not None
                try:
                    ready = await asyncio.wait_for(child.stdout.readline(), 120)
                    if ready.strip() != b"ready":
                        raise RuntimeError(f"the {which} bot did not start: {ready!r}")
                    since = len(api.calls)
                    start = time.monotonic()
                    queued = queue_answers(api, reminders)
                    seen: dict[int, float] = {}
                    watcher = None
                    if which == "service":
                        watcher = asyncio.create_task(watch_stored(app, queued, seen))
                    await until_answered(api, queued, since, within=600)
                    seconds = time.monotonic() - start
                    if watcher is not None:
                        await asyncio.wait_for(watcher, 30)
                    if os.environ.get("BENCH_DEBUG"):
                        methods = Counter(c.method for c in api.calls[since:])
                        sys.stdout.write(f"calls {dict(methods)}\n")
                    child.stdin.close()  # the bot stops and says what it cost
                    said = (await asyncio.wait_for(child.stdout.read(), 120)).decode()
                    await child.wait()
                finally:
                    if child.returncode is None:
                        child.kill()
                        await child.wait()
        *printed, last = said.rstrip("\n").split("\n")
        if printed:
            sys.stdout.write("\n".join(printed) + "\n")
        stored = [seen[u] - queued[u][0] for u in queued if u in seen]
        return Run(seconds, stored, answer_times(api, queued, since)), Child(**json.loads(last))


async def bot(which: str, folder: Path, base_url: str, token: str, profile: bool) -> None:
    """`--bot`: one bot polling the fake at `base_url` until stdin closes; then its CPU time
    and peak RSS as JSON on stdout's last line."""
    loop = asyncio.get_running_loop()
    stop = loop.run_in_executor(None, sys.stdin.buffer.read)  # returns at end of file
    profiler = None
    if which == "service":
        clock = SystemClock()
        settings = bot_settings(folder, base_url, token)
        async with open_app(settings, clock) as app:
            channel = build_telegram_channel(settings, clock, poll_timeout=10.0)
            conversation = Conversation(build_deps(app, [channel]))
            await channel.start(conversation_handler(conversation, channel))
            began = _cpu()
            sys.stdout.write("ready\n")
            sys.stdout.flush()
            profiler = _profiler(profile)
            await stop
            _show(profiler)
            await channel.stop()
    else:
        application = Application.builder().token(token).base_url(base_url).build()

        async def pressed(update: Update, _context: object) -> None:
            assert update.callback_query is not None
            await update.callback_query.answer("Đã ghi nhận")

        async def echo(update: Update, _context: object) -> None:
            assert update.message is not None
            await update.message.reply_text(update.message.text or "")

        application.add_handler(CallbackQueryHandler(pressed))
        application.add_handler(MessageHandler(filters.TEXT, echo))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(timeout=10)
            began = _cpu()
            sys.stdout.write("ready\n")
            sys.stdout.flush()
            profiler = _profiler(profile)
            await stop
            _show(profiler)
            await application.updater.stop()
            await application.stop()
    figures = {
        "cpu": _cpu() - began,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    sys.stdout.write("\n" + json.dumps(figures) + "\n")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _profiler(profile: bool) -> Any:
    if not profile:
        return None
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="disabled")
    profiler.start()
    return profiler


def _show(profiler: Any) -> None:
    if profiler is not None:
        profiler.stop()
        sys.stdout.write(profiler.output_text(color=False, show_all=False)[:12_000])


TURN_KINDS = ("done", "progress", "snooze", "reply", "status")
TURN_ROUNDS = 4  # answers of each kind per person: 50 x 4 = 200 of each


async def turns() -> dict[str, tuple[float, float, float]]:
    """`--turns`: the conversation alone, in this process (no channel, no fake server): each
    kind of answer a batch at a time, by every person; per answer of each kind, the SQL
    statements sent, the CPU ms and the wall ms."""
    from sqlalchemy import event

    from bot.channels.base import Inbound
    from bot.channels.telegram import TelegramChannel
    from bot.conversation.limits import InboundLimiter

    figures: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{folder}/nhacviec.db", data_dir=Path(folder)
        )
        async with open_app(settings, SystemClock()) as app:
            reminders = await people_with_reminders(app, None)
            # The calendar loads its holiday data once, on first use: in the service the
            # sweep's first minute has done it before any answer comes; here nothing has, so
            # it is read once for the plan's years, not inside the first measured answers.
            async with app.sessions() as session:
                first = (await session.execute(select(func.min(Assignment.deadline)))).scalar()
            today = app.clock.now().astimezone(app.settings.timezone).date()
            app.rules.days_late(first or today, today)
            deps = build_deps(app, [])
            deps.limiter = InboundLimiter(limit=1_000_000)  # every answer, none refused
            conversation = Conversation(deps)
            signer = deps.signer
            async with app.sessions() as session:
                ids = {
                    name: pid
                    for name, pid in (await session.execute(select(Person.full_name, Person.id)))
                }
            statements = 0

            def count(*args: Any) -> None:
                nonlocal statements
                statements += 1
                if shown is not None:
                    shown.append(" ".join(str(args[2]).split())[:200])

            event.listen(app.engine.sync_engine, "before_cursor_execute", count)
            update_ids = iter(range(1, 10**9))
            caps = TelegramChannel.capabilities

            async def nothing(*_args: object) -> bytes:
                raise AssertionError("no file in these answers")

            profiler = None
            shown: list[str] | None = None
            for index, kind in enumerate(TURN_KINDS):
                batch = []
                for r in range(TURN_ROUNDS):
                    for reminder in reminders[index * TURN_ROUNDS + r :: EACH]:
                        user, message = str(reminder.user.id), str(reminder.message_id)
                        fields: dict[str, Any] = {"message_id": str(next(update_ids))}
                        if kind == "reply":
                            fields = {**fields, "text": "xong", "reply_to_message_id": message}
                        elif kind == "status":
                            fields = {**fields, "text": "/status"}
                        else:
                            target = int(reminder.data.split(":")[1])
                            pid = ids[reminder.user.first_name]
                            fields = {"button_data": signer.payload(kind, target, pid)}
                            fields["message_id"] = message
                        batch.append(
                            Inbound(
                                channel="telegram",
                                update_id=str(next(update_ids)),
                                user_id=user,
                                chat_id=user,
                                display_name=reminder.user.first_name,
                                **fields,
                            )
                        )
                if os.environ.get("BENCH_PROFILE_TURNS") == kind:
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="disabled")
                    profiler.start()
                # One answer first, not measured (its statements compiled, caches warm); with
                # BENCH_SQL set, its statements are shown.
                shown = [] if os.environ.get("BENCH_SQL") else None
                await conversation.handle(batch.pop(), caps, nothing)
                if shown is not None:
                    sys.stdout.write(f"-- {kind}\n" + "\n".join(shown) + "\n")
                    shown = None
                statements = 0
                cpu, wall = time.process_time(), time.perf_counter()
                for inbound in batch:
                    answer = await conversation.handle(inbound, caps, nothing)
                    assert answer.messages or answer.toast, (kind, answer)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                if profiler is not None:
                    _show(profiler)
                    profiler = None
                n = len(batch)
                figures[kind] = (statements / n, cpu * 1000 / n, wall * 1000 / n)
    return figures


def ms(values: list[float], q: float) -> str:
    if not values:
        return "—"
    cut = statistics.quantiles(values, n=100, method="inclusive")
    return f"{cut[int(q) - 1] * 1000:.0f}"


NOTES = """\
50 people answer 20 reminders each, all 1,000 updates queued at once (half presses of the
reminder's button, half replies "xong"); the fake Bot API's flood limits are off. "Added per
call": none (loopback, the fake answers at once) or 150 ms per Bot API call, half each way
(what a Vietnamese server sees of Telegram: 100-300 ms). The fake server, the seeding and the
measuring run in the driver process (Telegram is another machine: its work is not charged
to the bot); each bot runs in a fresh process of its own, the same way for both, so its CPU
time (from ready to stop, all threads, divided by the answers) and peak RSS are its own.
The service is the real `TelegramChannel` (PTB `Application`, our polling and chat lanes)
and the real `Conversation` on SQLite, without sweep and delivery, so that only inbound work
is measured; "stored" is when the update's processed_inbound row is visible to the driver's
own connection (read every 10 ms), "reply" when the press was answered (answerCallbackQuery)
or the reply's message reached the fake. "stored / echo" compares the service's stored
answers per second with the echo bot's answers per second. The echo bot is
python-telegram-bot's default `Application` (no rate limiter, updates handled one at a
time, its default) answering a press and echoing a text: one call per update.

Reading it:
- Loopback: the service's process is busy all the time it stores (CPU-bound, one event loop):
  per stored answer the conversation's turn (2.5-3 ms of CPU, table below), the button's
  answerCallbackQuery for a press, PTB building the update, the lanes, and the replies the
  pacer lets out meanwhile. The echo bot's whole answer costs a fraction of that (CPU
  column), so it answers faster than the service stores. Both rates, and most of all the
  echo bot's (bound by the fake server's process as much as by its own), fall when other
  sessions' work shares the two cores (the load column): compare ratios within a row, and
  rows at a similar load. Both bots of a row run back to back.
- 150 ms: the echo bot answers one update at a time, each waiting for its own round trip:
  about 6 a second. The service handles chats at once and stores many times faster. Its
  process is idle most of the time (its CPU per answer is about loopback's): what bounds it
  is waiting on the network in the channel (bot/channels: telegram.py, telegram_polling.py),
  not the database. A press waits for its answerCallbackQuery (a round trip) before its
  chat's next update; a poll while updates are in flight repeats every 0.2 s plus a round
  trip and reaches at most 100 updates past the oldest one still being handled; 32 chats
  are handled at once. How those waits line up varies from run to run, hence the spread.
- Replies (both latencies): every answer is two messages (the reminder edited, a
  confirmation sent), and the channel's pacer keeps Telegram's limits (30 a second overall
  less 5 %, one a second per chat): 2,000 messages need 70 s at least, 20 answers in one
  chat 42 s. The echo bot has no limiter (Telegram would refuse it with 429s) and sends one
  message per update."""

TURNS_NOTES = """\
The conversation alone (`--turns`): the real `Conversation` on a SQLite file, no channel, 50
people × 4 answers of each kind, one answer of each kind first unmeasured (with the
calendar's holiday data read first, as the service's sweep does before any answer comes);
SQL statements and CPU ms per answer (all threads: aiosqlite's worker thread included), each
run a fresh process, the code before and after alternating. The fractions of statements: a
person's first answer also writes where they wrote from, and a supporting unit's reminder
names its lead units (one more read)."""

TURNS_AFTER = """\
What went, per answer: every statement of an everyday answer was built again each time
(about as much CPU as running it: building the clauses and their cache key); they are now
built once with bound parameters. Each statement was four trips to aiosqlite's worker
thread (open a cursor, execute, fetch, close), now one (storage/sqlite_driver.py, given to
SQLAlchemy as the dialect's DBAPI module: about 30 thread hand-overs per answer became 10).
The reminder to rewrite is one row of three columns chosen by the database (was every
delivered reminder of the task as ORM objects); a reply's task is read with the message it
replies to in one statement (was two); the history row is a plain INSERT (was a validated
model and the unit of work), and the task's UPDATE goes out with the turn's other changes
in one flush. The calendar was not re-read per answer: its years are cached; before,
`--turns` charged its first read (importing the holiday data, ≈ 90 ms) to the first
measured answers."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--latency", type=float, nargs="+", default=[0, 150], help="ms added per Bot API call"
    )
    parser.add_argument("--profile", action="store_true", help="pyinstrument the service's run")
    parser.add_argument("--bot", choices=("service", "echo"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--turns", action="store_true", help="only the conversation: statements, CPU per answer"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.turns:
        figures = asyncio.run(turns())
        if args.json:
            sys.stdout.write("\n" + json.dumps(figures) + "\n")
            return
        sys.stdout.write("| answer | statements | CPU ms | wall ms |\n|---|---|---|---|\n")
        for kind, (count, cpu, wall) in figures.items():
            sys.stdout.write(f"| {kind} | {count:.1f} | {cpu:.2f} | {wall:.2f} |\n")
        return
    if args.bot:
        asyncio.run(bot(args.bot, args.folder, args.api, args.token, args.profile))
        return
    lines = [
        "| added per call | run | echo bot: answers/s | service: answers stored/s | "
        "service: replies/s | stored / echo | stored p50 / p95 ms | reply p50 / p95 ms | "
        "echo reply p50 / p95 ms | CPU ms per answer, service / echo | "
        "peak RSS service / echo MiB | load (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for latency in args.latency:
        added = "none (loopback)" if not latency else f"{latency:.0f} ms"
        for n in range(1, args.runs + 1):
            echo, echo_bot = asyncio.run(drive("echo", latency / 1000, False))
            service, service_bot = asyncio.run(drive("service", latency / 1000, args.profile))
            stored_rate = len(service.stored) / max(service.stored) if service.stored else 0.0
            answers = len(service.replied) or 1
            line = (
                f"| {added} | {n} | {echo.rate:.1f} | {stored_rate:.1f} | {service.rate:.1f} | "
                f"{stored_rate / echo.rate:.2f} | "
                f"{ms(service.stored, 50)} / {ms(service.stored, 95)} | "
                f"{ms(service.replied, 50)} / {ms(service.replied, 95)} | "
                f"{ms(echo.replied, 50)} / {ms(echo.replied, 95)} | "
                f"{service_bot.cpu * 1000 / answers:.1f} / "
                f"{echo_bot.cpu * 1000 / (len(echo.replied) or 1):.1f} | "
                f"{service_bot.rss:.0f} / {echo_bot.rss:.0f} | {os.getloadavg()[0]:.1f} |"
            )
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            lines.append(line)
    turns_table = turn_rows(args.runs)
    sys.stdout.write("\n".join(turns_table) + "\n")
    body = [*lines, "", NOTES, "", TURNS_NOTES, "", *turns_table, "", TURNS_AFTER]
    record("Inbound answers (bench_inbound.py)", "\n".join(body))


def turn_rows(runs: int) -> list[str]:
    """`--turns` in fresh processes, `runs` times, alternating the baseline (BENCH_BASELINE,
    when set) and this tree: statements and CPU ms per answer of each kind."""
    found: dict[str, list[dict[str, list[float]]]] = {}
    for _ in range(runs):
        for label, tree in trees():
            command = [sys.executable, __file__, "--turns", "--json"]
            env = {**os.environ, "BENCH_TREE": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, cwd=tree, check=True
            )
            found.setdefault(label, []).append(json.loads(done.stdout.strip().splitlines()[-1]))
    before = found.get("before")
    after = found["after"]
    name = f"before ({baseline_commit() or 'baseline'})"
    head = "| answer | statements | CPU ms per answer (runs) |"
    if before:
        head = f"| answer | statements {name} → after | CPU ms {name} | CPU ms after |"
    rows = [head, "|---|---|---|---|" if before else "|---|---|---|"]
    for kind in TURN_KINDS:
        cpu_after = ", ".join(f"{run[kind][1]:.2f}" for run in after)
        if before:
            cpu_before = ", ".join(f"{run[kind][1]:.2f}" for run in before)
            count = f"{before[0][kind][0]:.1f} → {after[0][kind][0]:.1f}"
            rows.append(f"| {LABELS[kind]} | {count} | {cpu_before} | {cpu_after} |")
        else:
            rows.append(f"| {LABELS[kind]} | {after[0][kind][0]:.1f} | {cpu_after} |")
    return rows


LABELS = {
    "done": 'button "Hoàn thành"',
    "progress": 'button "Đang thực hiện"',
    "snooze": 'button "Nhắc lại sau"',
    "reply": 'reply "xong"',
    "status": "/status",
}


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
