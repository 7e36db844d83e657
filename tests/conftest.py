"""Shared fixtures: a database per test copied from a migrated template, the test clock,
the fake Bot API, a lowered row limit. Data is built with tests/factories.py.

Backends: every test runs on SQLite. A module or test marked
`pytest.mark.backends("sqlite", "postgresql")` runs once on each: its `settings`, `app` and
`cli_env` get a fresh PostgreSQL database too (tests/pg_kit.py starts the server once per
worker; a server that cannot start fails the test, it is never skipped)."""

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings
from playwright.async_api import Browser, Page, async_playwright

from bot.conversation.core import Conversation
from bot.importing import sources, tables, workbook, yamlfile
from bot.service import App, open_app
from bot.settings import Settings
from storage.db import create_engine
from storage.migrate import upgrade
from storage.vocab import PersonRole
from tests import browser_kit
from tests.conversation_kit import Person as Phone
from tests.conversation_kit import make_conversation, register
from tests.factories import load_example
from tests.fakes import FakeBotApi, ManualClock
from tests.pg_kit import TEMPLATE, PostgresServer, PostgresUnavailable

# Speed is measured by the benchmarks, not by tests: on a loaded 2-core CI machine one
# example may take longer than Hypothesis's 200 ms default, which says nothing about the code.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when it builds a RetryAfter unless this opt-in is set; warnings are errors.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def api(manual_clock: ManualClock) -> AsyncIterator[FakeBotApi]:
    """The fake Telegram Bot API on 127.0.0.1, its rate limits on the manual clock."""
    async with FakeBotApi(clock=manual_clock) as server:
        yield server


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated to head once per session; each test starts from a copy.

    `open_app` still upgrades the copy: Alembic finds it at head and does nothing (about
    7 ms, against 70 ms or more for building the schema). The template is built from an
    empty file by the migrations, which tests/test_storage.py compares with the models; the
    subprocess smoke test builds its own from nothing."""
    path = tmp_path_factory.mktemp("template") / "head.db"

    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()  # checkpoints the WAL: the one file holds everything

    asyncio.run(migrate())
    return path


def fresh_db(migrated_db: Path, path: Path) -> str:
    """A copy of the migrated template at `path`, as a database URL."""
    shutil.copy(migrated_db, path)
    return f"sqlite+aiosqlite:///{path}"


BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends(*names): run the test on each database backend named"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `backends(...)` that use a database run once per backend named."""
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is None or "backend" not in metafunc.fixturenames:
        return
    unknown = set(marker.args) - set(BACKENDS)
    assert not unknown, f"unknown backend(s) {unknown}; use {BACKENDS}"
    metafunc.parametrize("backend", marker.args, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test: SQLite unless the test is marked for others."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """This worker's PostgreSQL server, its template database migrated to head."""
    try:
        server = PostgresServer()
        server.start()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL tests need a server and none could be started: {exc}")
    try:

        async def migrate() -> None:
            engine = create_engine(server.url(TEMPLATE))
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()  # CREATE DATABASE ... TEMPLATE needs it unused

        asyncio.run(migrate())
        server.template_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_database(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, migrated_db: Path
) -> Iterator[Callable[[str], str]]:
    """Makes fresh databases migrated to head on this test's backend: `new_database("x.db")`
    is the URL of a copy of the template (a SQLite file of that name in the test's folder)."""
    made: list[str] = []
    server: PostgresServer | None = None
    if backend == "postgresql":
        server = request.getfixturevalue("pg_server")

    def new(file_name: str) -> str:
        if server is None:
            return fresh_db(migrated_db, tmp_path / file_name)
        made.append(server.fresh_database())
        return server.url(made[-1])

    yield new
    for name in made:
        assert server is not None
        server.drop_database(name)


@pytest.fixture
def settings(tmp_path: Path, new_database: Callable[[str], str]) -> Settings:
    return Settings(database_url=new_database("nhacviec.db"), data_dir=tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()  # 1 March 2023, 09:00 in Hà Tĩnh


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    async with open_app(settings, clock) as opened:
        yield opened


@pytest.fixture
def cli_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_database: Callable[[str], str]
) -> Path:
    """Run the CLI in-process against a fresh database, as an operator would."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NHACVIEC_HOME", str(tmp_path))  # relative paths: here, not the checkout
    monkeypatch.setenv("DATABASE_URL", new_database("cli.db"))
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def row_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """The 5,000-row limit lowered to 20 everywhere it is checked (the message still names
    5.000): the same checks, on files of tens of rows instead of tens of thousands."""
    limit = 20
    monkeypatch.setattr(tables, "MAX_ROWS", limit)
    monkeypatch.setattr(yamlfile, "MAX_ROWS", limit)
    monkeypatch.setattr(sources, "SHEET_ROW_LIMIT", limit + sources.HEADER_SCAN_ROWS)
    monkeypatch.setattr(workbook, "SHEET_ROW_LIMIT", limit + sources.HEADER_SCAN_ROWS)
    return limit


@pytest.fixture
async def convo(app: App, tmp_path: Path) -> Conversation:
    """The conversation as the service builds it, on the example district and plan."""
    await load_example(app)
    return make_conversation(app, tmp_path)


@pytest.fixture
async def lan(app: App, convo: Conversation) -> Phone:
    """Lan, focal person of Phòng Tư pháp, registered by invite on a phone (Telegram)."""
    return await register(app, convo, "501", "Phòng Tư pháp", PersonRole.FOCAL)


# --- a real browser (tests/browser_kit.py): its tests run in the worker's session loop ------


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's headless Chromium, one per test worker."""
    async with async_playwright() as playwright:
        launched = await browser_kit.launch(playwright)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A page in a context of its own (no cookie survives the test), at desk width."""
    marker = request.node.get_closest_marker("asyncio")
    if marker is None or marker.kwargs.get("loop_scope") != "session":
        pytest.fail("a browser test module needs `pytestmark = IN_BROWSER` (browser_kit)")
    opened = await browser_kit.new_page(browser)
    try:
        yield opened
    finally:
        await opened.context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def site_app(settings: Settings, clock: ManualClock, browser: Browser) -> AsyncIterator[App]:
    """`app` for browser tests: the same App, opened in the loop the browser runs in."""
    async with open_app(settings, clock) as opened:
        yield opened
