"""Start-up skips alembic when the schema is current: the shortcut must agree with alembic."""

from pathlib import Path

from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import at_head, head_on_disk, head_revision, upgrade


def test_the_head_read_off_the_files_is_alembics_head() -> None:
    assert head_on_disk() == head_revision()


async def test_only_a_database_at_head_skips_the_upgrade(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}")
    try:
        assert not await at_head(engine)  # never migrated
        await upgrade(engine, "0004")
        assert not await at_head(engine)  # behind: the service must upgrade
        await upgrade(engine)
        assert await at_head(engine)
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'zzzz'"))
        assert not await at_head(engine)  # a stamp the files do not know: alembic decides
    finally:
        await engine.dispose()
