"""A real PostgreSQL server for the tests, started from Debian's `postgresql` package.

One server per test session (per xdist worker): `initdb` in a temporary folder, `pg_ctl
start` listening on 127.0.0.1 only, on a free port, with its unix sockets in that folder;
stopped and deleted at the end. Durability is switched off (fsync, synchronous commit): a
test server that loses power loses nothing anyone wants.

Each test gets its own database, created from a template migrated once per session
(`CREATE DATABASE t TEMPLATE nhacviec_template`) and dropped afterwards.

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
import shutil
import socket
import subprocess
import tempfile
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

    def fresh_database(self) -> str:
        """A new database, a copy of the migrated template; its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        # A plain file copy is faster than logging each page for a template this small (15+).
        strategy = " STRATEGY FILE_COPY" if self.version >= 15 else ""
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}{strategy}")
        return name

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
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, statement: str) -> None:
        dsn = f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(statement.encode())

    def stop(self) -> None:
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
        done = subprocess.run(
            [str(self.bin / program), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.folder,
            **as_owner,  # type: ignore[arg-type]
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.is_file() else ""
            raise PostgresUnavailable(
                f"{program} {' '.join(args[:1])} failed ({done.returncode}): "
                f"{done.stderr.strip()[-2000:]}\n{log}".strip()
            )
