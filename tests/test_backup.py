"""deploy/backup.sh and deploy/restore.sh, run as the backup timer and an operator run them:
a backup, then changes and losses, then a restore that brings back exactly what was backed
up — on SQLite and on PostgreSQL."""

import asyncio
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.service import App
from storage.db import create_engine, transaction
from storage.models import AuditLog, StatusUpdate, Unit
from storage.transfer import row_counts
from tests.digest_kit import WEEK2, build

pytestmark = pytest.mark.backends("sqlite", "postgresql")
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def script(name: str, app: App, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": app.settings.database_url,
        "DATA_DIR": str(app.settings.data_dir),
        "NHACVIEC_HOME": str(home),
    }
    return subprocess.run(
        ["bash", str(DEPLOY / name), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


async def snapshot(url: str) -> tuple[dict[str, int], list[str], list[str]]:
    """Rows per table, the units' names and the status notes, read afresh."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            counts = await connection.run_sync(row_counts)
            units = list(
                (await connection.execute(select(Unit.name).order_by(Unit.name))).scalars()
            )
            notes = await connection.execute(select(StatusUpdate.note).order_by(StatusUpdate.id))
            return counts, units, [str(n) for n in notes.scalars()]
    finally:
        await engine.dispose()


async def test_a_restore_brings_back_everything_the_backup_had(app: App, tmp_path: Path) -> None:
    await build(app)
    evidence = app.settings.data_dir / "minh-chung" / "1" / "quyet-dinh.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 quyet dinh")
    before = await snapshot(app.settings.database_url)
    backups = tmp_path / "backups"

    made = await asyncio.to_thread(script, "backup.sh", app, tmp_path, str(backups))

    assert made.returncode == 0, made.stderr
    [database] = [p for p in backups.iterdir() if p.name.startswith("nhacviec-")]
    [archive] = backups.glob("data-*.tar.gz")
    assert database.suffix == (".db" if app.engine.dialect.name == "sqlite" else ".dump")
    assert oct(database.stat().st_mode & 0o777) == "0o600"

    async with transaction(app.sessions) as session:  # a bad day: rows lost, rows added
        await session.execute(delete(StatusUpdate))
        session.add(AuditLog(at=WEEK2, actor="test", action="after-backup"))
    evidence.unlink()
    await app.engine.dispose()  # the service is stopped for a restore

    restored = await asyncio.to_thread(
        script, "restore.sh", app, tmp_path, str(database), str(archive)
    )

    assert restored.returncode == 0, restored.stderr
    assert await snapshot(app.settings.database_url) == before
    assert before[0]["status_updates"] > 5 and "chưa có kinh phí" in before[2]
    assert evidence.read_bytes() == b"%PDF-1.4 quyet dinh"


async def test_a_restore_refuses_a_backup_of_the_other_kind(app: App, tmp_path: Path) -> None:
    wrong = tmp_path / ("x.dump" if app.engine.dialect.name == "sqlite" else "x.db")
    wrong.write_bytes(b"not a backup")
    done = await asyncio.to_thread(script, "restore.sh", app, tmp_path, str(wrong))
    assert done.returncode == 1 and "is not a" in done.stderr
