"""The web page at province scale: 1,000 units, 50,000 assignments (bench_digest's data).

A plain script (not a test): it builds the SQLite file, starts the service's HTTP server with
the page on a free loopback port, signs in through a real one-time link, and times each
page three times against the digest's own figures (compute) on the same data: what a view
costs beyond the figures is the page's own. `make bench`.
"""

import asyncio
import re
import socket
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import aiohttp
from bench_digest import AT, VN, peak_rss_mib, populate
from sqlalchemy import select

from bot.clock import FixedClock
from bot.service import build_deps, build_web_server, listening, mount_web_page, open_app
from bot.settings import Settings
from bot.web.signin import new_secret, secret_hash
from scheduler.calendar import WorkCalendar
from scheduler.digest import compute
from storage.db import transaction
from storage.models import Person, Plan
from storage.web import add_login_token

RUNS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def line(label: str, seconds: list[float], extra: str = "") -> None:
    times = " / ".join(f"{s:5.2f}" for s in seconds)
    sys.stdout.write(f"{label:<34} {times} s {extra}  peak RSS {peak_rss_mib():5.0f} MiB\n")


async def fetch(http: aiohttp.ClientSession, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    async with http.get(path) as response:
        body = await response.read()
        assert response.status == 200, (path, response.status)
    return time.perf_counter() - start, len(body)


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    port = free_port()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        data_dir=folder,
        public_base_url=f"http://127.0.0.1:{port}",
        http_port=port,
    )
    async with open_app(settings, FixedClock(AT)) as app:
        await populate(app)
        calendar = WorkCalendar.load()
        async with app.sessions() as session:
            plan = (await session.execute(select(Plan))).scalar_one()
            took = []
            for _ in range(RUNS):
                start = time.perf_counter()
                await compute(
                    session, plan=plan, at=AT, tz=VN, working_days=calendar.working_days_between
                )
                took.append(time.perf_counter() - start)
        line("figures (compute) alone", took)
        async with transaction(app.sessions) as session:
            person = Person(full_name="Điều phối", role="coordinator")
            session.add(person)
            await session.flush()
            token = new_secret()
            await add_login_token(
                session,
                token_hash=secret_hash(token),
                person_id=person.id or 0,
                now=AT,
                ttl=timedelta(minutes=10),
            )
        app = replace(app, settings=settings)
        web = build_web_server(settings)
        mount_web_page(app, build_deps(app, []), web)
        async with listening(web):
            await pages(settings.public_base_url or "", token)


async def pages(base: str, token: str) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as http:
        async with http.post("/web/vao", data={"token": token}) as response:
            assert response.status == 200, response.status
        for label, path in (
            ("overview page (HTML)", "/web"),
            ("overview filtered to overdue", "/web?status=overdue"),
            ("chart (unknown key: figures again)", "/web/bieu-do/0123456789abcdef.png"),
            ("unit page", "/web/don-vi/1"),
        ):
            runs = [await fetch(http, path) for _ in range(RUNS)]
            line(label, [t for t, _ in runs], f"({runs[0][1] // 1024} KiB)")
        async with http.get("/web") as response:
            chart = re.search(r'<img class="chart" src="([^"?]+)', await response.text())
        assert chart
        runs = [await fetch(http, chart.group(1)) for _ in range(RUNS)]
        line("chart the page shows (draw, reuse)", [t for t, _ in runs])


if __name__ == "__main__":
    asyncio.run(main())
