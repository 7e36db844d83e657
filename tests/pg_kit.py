"""A real PostgreSQL server for the tests, started from Debian's `postgresql` package.

One server per test session (per xdist worker): `initdb` in a temporary folder, `pg_ctl
start` listening on 127.0.0.1 only, on a free port, with its unix sockets in that folder;
stopped and deleted at the end. Durability is switched off (fsync, synchronous commit): a
test server that loses power loses nothing anyone wants.

Each test gets its own database, created from a template migrated once per session
(`CREATE DATABASE t TEMPLATE nhacviec_template`, made one or two tests ahead in a background
thread) and dropped afterwards.

PostgreSQL refuses to run as root: under root the server runs as the package's `postgres`
user (or `nobody`), the folder handed over to it.

Errors:
    PostgresUnavailable — the server binaries are missing or the server would not start;
    the message says why and how to fix it. Tests that need the server fail with it (they
    are never skipped: a missing server must not pass for a green run).
"""

import contextlib
import os
import pwd
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import psycopg

USER = "nhacviec"
TEMPLATE = "nhacviec_template"
_SEARCH = "/usr/lib/postgresql/*/bin"
_INSTALL_HINT = (
    "install Debian's PostgreSQL server: `scripts/debian-packages.sh postgresql` "
    "(`make test` does it)"
)


class PostgresUnavailable(RuntimeError):
    """The test PostgreSQL server cannot be started."""


def server_bin() -> Path:
    """The newest installed server's bin folder (the one with initdb and pg_ctl)."""
    found = sorted(
        (p for p in Path("/").glob(_SEARCH.lstrip("/")) if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise PostgresUnavailable(f"no PostgreSQL server under {_SEARCH}; {_INSTALL_HINT}")
    return found[-1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unprivileged() -> pwd.struct_passwd | None:
    """Who runs the server when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable("running as root and there is no `postgres` or `nobody` user")


@dataclass
class PostgresServer:
    """A throw-away cluster; `start`, then `url(name)` for databases, `stop` at the end."""

    bin: Path = field(default_factory=server_bin)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nhacviec-pg-")))
    port: int = 0
    _names: "count[int]" = field(default_factory=count)
    _ready: "queue.Queue[str | None]" = field(default_factory=lambda: queue.Queue(maxsize=2))
    _maker: threading.Thread | None = None
    _done: "queue.Queue[str]" = field(default_factory=queue.Queue)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _failure: BaseException | None = None

    @property
    def version(self) -> int:
        return int(self.bin.parent.name) if self.bin.parent.name.isdigit() else 0

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def start(self, attempts: int = 3) -> None:
        owner = _unprivileged()
        if owner is not None:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run(
            owner,
            "initdb",
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        for attempt in range(attempts):  # another worker may take the free port first
            self.port = free_port()
            try:
                self._pg_ctl(
                    owner, "start", "-w", "-t", "60", "-l", str(self.log), "-o", self._options()
                )
                break
            except PostgresUnavailable:
                if attempt == attempts - 1:
                    raise
        self._admin(f"CREATE DATABASE {TEMPLATE}")

    def _options(self) -> str:
        return " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.folder}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=100",
            ]
        )

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def template_ready(self) -> None:
        """The template is migrated: from now on copies are made ahead, in the background.

        CREATE DATABASE takes a few hundred milliseconds of the server's time and almost none
        of ours: made while the previous test runs, the next test finds its database ready."""
        self._maker = threading.Thread(target=self._make_ahead, name="pg-template", daemon=True)
        self._maker.start()

    def fresh_database(self) -> str:
        """A new database, a copy of the migrated template; its name."""
        if self._maker is None:
            return self._copy_template()
        name = self._ready.get(timeout=300)
        if name is None:
            raise PostgresUnavailable(f"copying the template database failed: {self._failure}")
        return name

    def _copy_template(self) -> str:
        name = f"t{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def _make_ahead(self) -> None:
        """Keep two copies ready; drop the databases tests are done with."""
        while not self._stopping.is_set():
            with contextlib.suppress(queue.Empty):
                self._admin(f"DROP DATABASE IF EXISTS {self._done.get(timeout=0.05)} WITH (FORCE)")
                continue
            if self._ready.full():
                continue
            try:
                self._ready.put_nowait(self._copy_template())
            except Exception as error:  # handed to the test that waits for the copy
                self._failure = error
                self._ready.put(None)
                return

    def empty_database(self) -> str:
        """A new database with no tables at all (as `createdb` makes one); its name."""
        name = f"e{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name}")
        return name

    def refuse_connections(self, name: str) -> None:
        """The database stops answering: new connections refused, open ones cut."""
        self._admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        self._admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )

    def drop_database(self, name: str) -> None:
        """Drop a database (in the background once copies are made ahead)."""
        if self._maker is None:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            self._done.put(name)

    def _admin(self, statement: str) -> None:
        dsn = f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(statement.encode())

    def stop(self) -> None:
        self._stopping.set()
        if self._maker is not None:
            self._maker.join(timeout=30)
        if self.port and self.data.is_dir():
            with contextlib.suppress(PostgresUnavailable):
                self._pg_ctl(_unprivileged(), "stop", "-m", "immediate", "-w")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pg_ctl(self, owner: pwd.struct_passwd | None, *args: str) -> None:
        self._run(owner, "pg_ctl", "-D", str(self.data), *args)

    def _run(self, owner: pwd.struct_passwd | None, program: str, *args: str) -> None:
        as_owner = (
            {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []} if owner else {}
        )
        try:
            done = subprocess.run(
                [str(self.bin / program), *args],
                capture_output=True,
                text=True,
                check=False,
                cwd=self.folder,
                **as_owner,  # type: ignore[arg-type]
            )
        except OSError as error:
            raise PostgresUnavailable(f"cannot run {self.bin / program}: {error}") from error
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.is_file() else ""
            raise PostgresUnavailable(
                f"{program} {' '.join(args[:1])} failed ({done.returncode}): "
                f"{done.stderr.strip()[-2000:]}\n{log}".strip()
            )
