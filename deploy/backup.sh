#!/usr/bin/env bash
# Nightly backup of Nhắc việc: the database and the data folder (evidence files, digests, the
# keys that sign buttons and file links). Run by deploy/nhacviec-backup.timer; by hand:
#   sudo systemctl start nhacviec-backup.service        (or, as the service's user:)
#   sudo /opt/nhacviec/deploy/nhacviec-admin /opt/nhacviec/deploy/backup.sh /var/backups/nhacviec
#
# PostgreSQL: pg_dump (custom format, consistent while the service runs).
# SQLite: Python's sqlite3 backup API (`.backup`: a consistent copy while the service runs).
# Files older than KEEP_DAYS (default 14) are removed. Writes BACKUP_DIR/nhacviec-STAMP.dump
# (or .db) and BACKUP_DIR/data-STAMP.tar.gz, each written under a temporary name first.
set -euo pipefail
umask 077
here="$(cd "$(dirname "$0")" && pwd)"
backup_dir="${1:-${BACKUP_DIR:-/var/backups/nhacviec}}"
keep_days="${KEEP_DAYS:-14}"
python="${PYTHON:-python3}"
home="${NHACVIEC_HOME:-$(dirname "$here")}"
export NHACVIEC_HOME="$home"
stamp="$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$backup_dir"

eval "$("$python" "$here/db-env.py")"
case "$KIND" in
sqlite)
    [ -f "$DB_FILE" ] || { echo "backup: no database file $DB_FILE" >&2; exit 1; }
    out="$backup_dir/nhacviec-$stamp.db"
    "$python" "$here/db-env.py" copy "$DB_FILE" "$out.tmp"
    ;;
postgresql)
    out="$backup_dir/nhacviec-$stamp.dump"
    pg_dump --format=custom --no-owner --no-privileges --file="$out.tmp"
    ;;
esac
mv "$out.tmp" "$out"
echo "backup: database -> $out"

data_dir="${DATA_DIR:-data}"
case "$data_dir" in /*) ;; *) data_dir="$home/$data_dir" ;; esac
if [ -d "$data_dir" ]; then
    archive="$backup_dir/data-$stamp.tar.gz"
    # The SQLite database (if it lives here) is in the backup above, copied consistently.
    tar -czf "$archive.tmp" -C "$data_dir" \
        --exclude='*.db' --exclude='*.db-wal' --exclude='*.db-shm' --exclude='.write-test-*' .
    mv "$archive.tmp" "$archive"
    echo "backup: data folder -> $archive"
fi

find "$backup_dir" -maxdepth 1 -type f \( -name 'nhacviec-*' -o -name 'data-*.tar.gz' \) \
    -mtime +"$keep_days" -delete
