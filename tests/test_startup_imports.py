"""What a started service has loaded: only what its channels use (issue 9: "≤ 100 MiB until a
digest is drawn"). The digest's matplotlib, openpyxl and python-docx, the web page's Jinja2 and
segno, aiohttp (no route to serve) and alembic (the schema is upgraded by a child process)
stay on disk.

Each start is a real `nhacviec run` process that prints the modules it holds when it ends.
"""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.settings import Settings
from storage.db import create_engine
from storage.migrate import at_head
from tests.factories import EXAMPLES
from tests.fakes import FakeBotApi
from tests.service_kit import any_hour

# `nhacviec run`, printing the names of the packages it loaded once it has stopped.
RUN = (
    "import atexit, sys; "
    "atexit.register(lambda: print('LOADED', *sorted({m.split('.')[0] for m in sys.modules}),"
    " file=sys.stderr)); "
    "from bot.cli.main import main; sys.exit(main(sys.argv[1:]))"
)
DIGEST_AND_WEB = {"matplotlib", "openpyxl", "docx", "jinja2", "segno"}


def environment(data: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    for name in ("PUBLIC_BASE_URL", "HEALTH_CHECK"):
        env.pop(name, None)
    return {
        **env,
        **any_hour(data),
        "DATABASE_URL": url,
        "DATA_DIR": str(data),
        "NHACVIEC_HOME": str(data),
        **extra,
    }


def loaded(stderr: str) -> set[str]:
    line = next(line for line in stderr.splitlines() if line.startswith("LOADED "))
    return set(line.split()[1:])


def console(env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, "run", "--examples", str(EXAMPLES)],
        input="/help\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return loaded(done.stderr)


async def test_the_console_service_loads_neither_the_digest_nor_a_web_server(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'run.db'}")
    first = console(env)  # creates the schema (apart) and imports the example plan
    assert not first & (DIGEST_AND_WEB | {"aiohttp", "telegram", "alembic"})
    engine = create_engine(env["DATABASE_URL"])
    try:
        assert await at_head(engine)
    finally:
        await engine.dispose()
    again = console(env)  # the schema at head: nothing to upgrade
    assert not again & (DIGEST_AND_WEB | {"aiohttp", "telegram", "alembic"})


async def test_a_polling_telegram_service_loads_no_web_server_and_no_alembic(
    tmp_path: Path, settings: Settings
) -> None:
    async with FakeBotApi() as api:
        env = environment(
            tmp_path,
            settings.database_url,  # a database already at head
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.base_url,
            TELEGRAM_FILE_BASE_URL=api.base_file_url,
        )
        service = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            RUN,
            "run",
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            await api.wait_until(lambda: api.calls_to("getUpdates"), within=60)
        finally:
            service.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(service.communicate(), timeout=60)
    assert service.returncode == 0, stderr.decode()
    modules = loaded(stderr.decode())
    assert "telegram" in modules  # the channel it runs
    assert not modules & (DIGEST_AND_WEB | {"aiohttp", "alembic"})
