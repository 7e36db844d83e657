"""The test PostgreSQL server: a missing or broken installation is a clear failure, never a
skip, and the server listens on 127.0.0.1 only."""

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests import pg_kit
from tests.pg_kit import PostgresServer, PostgresUnavailable


def test_no_installed_server_says_how_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_kit, "_SEARCH", "/nonexistent/postgresql/*/bin")
    with pytest.raises(PostgresUnavailable, match=r"scripts/debian-packages\.sh postgresql"):
        pg_kit.server_bin()


def test_a_server_that_cannot_start_says_why() -> None:
    # Under root the server's user runs initdb: the fake one must be where that user can read.
    broken = Path(tempfile.mkdtemp(prefix="nhacviec-broken-pg-")) / "15" / "bin"
    broken.mkdir(parents=True)
    for folder in (broken, broken.parent, broken.parent.parent):
        folder.chmod(0o755)
    (broken / "initdb").write_text("#!/bin/sh\necho 'initdb: out of disk' >&2\nexit 1\n")
    (broken / "initdb").chmod(0o755)
    server = PostgresServer(bin=broken)
    try:
        with pytest.raises(PostgresUnavailable, match="initdb .* failed.*out of disk"):
            server.start()
    finally:
        server.stop()
        shutil.rmtree(broken.parent.parent)


def test_the_server_listens_on_loopback_only(pg_server: PostgresServer) -> None:
    dsn = f"host=127.0.0.1 port={pg_server.port} user={pg_kit.USER} dbname=postgres"
    with psycopg.connect(dsn) as connection:
        listen = connection.execute("SHOW listen_addresses").fetchone()
        sockets = connection.execute("SHOW unix_socket_directories").fetchone()
    assert listen == ("127.0.0.1",)
    assert sockets == (str(pg_server.folder),)
