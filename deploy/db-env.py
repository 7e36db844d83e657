"""Print shell assignments for the database in DATABASE_URL (used by backup.sh and restore.sh).

`db-env.py copy SOURCE TARGET` instead copies one SQLite file to another with the sqlite3
backup API (consistent while the service writes) and checks the copy's integrity.

SQLite:     KIND=sqlite  DB_FILE=/absolute/path.db  (a relative path is read against
            NHACVIEC_HOME, as the service does)
PostgreSQL: KIND=postgresql and libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, so
            that pg_dump and pg_restore get the password from their environment, never from
            their command line (which every local user can read in `ps`).
"""

import os
import shlex
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def main() -> int:
    url = os.environ.get("DATABASE_URL", "").strip() or "sqlite:///data/nhacviec.db"
    home = Path(os.environ.get("NHACVIEC_HOME") or ".")
    scheme, _, rest = url.partition("://")
    backend = scheme.split("+")[0]
    if backend == "sqlite":
        path = Path(rest[1:] if rest.startswith("/") else rest).expanduser()
        sys.stdout.write(f"KIND=sqlite\nDB_FILE={shlex.quote(str(home / path))}\n")
        return 0
    if backend not in ("postgresql", "postgres"):
        sys.stderr.write(f"DATABASE_URL: {backend} is neither sqlite nor postgresql\n")
        return 2
    parts = urlsplit("postgresql://" + rest)
    query = parse_qs(parts.query)
    values = {
        "PGHOST": query.get("host", [parts.hostname or ""])[0],
        "PGPORT": str(parts.port or ""),
        "PGUSER": unquote(parts.username or ""),
        "PGPASSWORD": unquote(parts.password or ""),
        "PGDATABASE": unquote(parts.path.lstrip("/")),
    }
    lines = ["KIND=postgresql"]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in values.items() if value]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def copy(source: str, target: str) -> int:
    """SQLite SOURCE to TARGET with the backup API, then PRAGMA integrity_check on TARGET."""
    import sqlite3

    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        sys.stderr.write(f"integrity check of {target} failed: {check}\n")
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["copy"] and len(sys.argv) == 4:
        sys.exit(copy(sys.argv[2], sys.argv[3]))
    sys.exit(main())
