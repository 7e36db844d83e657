"""Print shell assignments for the database in DATABASE_URL (used by backup.sh and restore.sh).

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


if __name__ == "__main__":
    sys.exit(main())
