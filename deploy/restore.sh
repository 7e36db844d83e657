#!/usr/bin/env bash
# Restore Nhắc việc from deploy/backup.sh's files. STOP THE SERVICE FIRST:
#   sudo systemctl stop nhacviec
#   sudo /opt/nhacviec/deploy/nhacviec-admin /opt/nhacviec/deploy/restore.sh \
#       /var/backups/nhacviec/nhacviec-STAMP.dump [/var/backups/nhacviec/data-STAMP.tar.gz]
#   sudo systemctl start nhacviec      # upgrades the schema if the backup is older
#
# PostgreSQL: pg_restore --clean in one transaction (all or nothing) into DATABASE_URL's database.
# SQLite: the backup copied over the database file (the old one kept as FILE.before-restore).
# With a data archive, the data folder's files are put back (files added since stay).
set -euo pipefail
umask 077
here="$(cd "$(dirname "$0")" && pwd)"
backup="${1:?usage: restore.sh BACKUP_FILE [DATA_ARCHIVE]}"
archive="${2:-}"
python="${PYTHON:-python3}"
home="${NHACVIEC_HOME:-$(dirname "$here")}"
export NHACVIEC_HOME="$home"
[ -f "$backup" ] || { echo "restore: no file $backup" >&2; exit 1; }
if command -v systemctl >/dev/null && systemctl is-active --quiet nhacviec 2>/dev/null; then
    echo "restore: the nhacviec service is running; stop it first (systemctl stop nhacviec)" >&2
    exit 1
fi

eval "$("$python" "$here/db-env.py")"
case "$KIND" in
sqlite)
    [ "${backup##*.}" = "db" ] || { echo "restore: $backup is not a SQLite backup (.db)" >&2; exit 1; }
    mkdir -p "$(dirname "$DB_FILE")"
    [ -f "$DB_FILE" ] && cp -p "$DB_FILE" "$DB_FILE.before-restore"
    "$python" "$here/db-env.py" copy "$backup" "$DB_FILE.restoring"
    rm -f "$DB_FILE-wal" "$DB_FILE-shm"
    mv "$DB_FILE.restoring" "$DB_FILE"
    ;;
postgresql)
    [ "${backup##*.}" = "dump" ] || { echo "restore: $backup is not a pg_dump file (.dump)" >&2; exit 1; }
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
        --exit-on-error --dbname="$PGDATABASE" "$backup"
    ;;
esac
echo "restore: database <- $backup"

if [ -n "$archive" ]; then
    data_dir="${DATA_DIR:-data}"
    case "$data_dir" in /*) ;; *) data_dir="$home/$data_dir" ;; esac
    mkdir -p "$data_dir"
    tar -xzf "$archive" -C "$data_dir"
    echo "restore: data folder <- $archive"
fi
