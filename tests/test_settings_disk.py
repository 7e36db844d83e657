"""Settings and disk faults give one clear line and a non-zero exit, never a traceback."""

import logging
import stat
from pathlib import Path

import pytest

from bot.cli import main
from bot.conversation.evidence import NAME_BYTES, _safe_name
from bot.digest.service import SLUG_BYTES, slug
from bot.settings import SettingsError, load_settings
from storage import db
from tests.factories import EXAMPLES

UNITS = str(EXAMPLES / "don-vi-huong-khe.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://nv:mat-khau@db.example.vn:5432/nhacviec",
        "postgres://nv:mat-khau@db.example.vn:5432/nhacviec",
        "postgresql+psycopg://nv:mat-khau@db.example.vn:5432/nhacviec",
    ],
)
def test_a_postgresql_url_runs_on_psycopg_and_its_password_never_shows(given: str) -> None:
    settings = load_settings(env={"DATABASE_URL": given}, env_file=None)
    assert settings.database_url == "postgresql+psycopg://nv:mat-khau@db.example.vn:5432/nhacviec"
    assert "mat-khau" not in repr(settings)
    assert "postgresql+psycopg://nv:***@db.example.vn:5432/nhacviec" in repr(settings)


def test_a_bad_postgresql_url_never_shows_its_password() -> None:
    with pytest.raises(SettingsError, match="names no database") as refused:
        load_settings(env={"DATABASE_URL": "postgresql://nv:mat-khau@db/"}, env_file=None)
    assert "mat-khau" not in str(refused.value)


def test_a_plain_sqlite_url_is_taken_as_the_aiosqlite_one(tmp_path: Path) -> None:
    settings = load_settings(
        env={"NHACVIEC_HOME": str(tmp_path), "DATABASE_URL": "sqlite:///x.db"}, env_file=None
    )
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/x.db"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://u:p@localhost/nhacviec", "mysql is not supported"),
        ("postgresql+asyncpg://u:p@localhost/nhacviec", "driver asyncpg is not supported"),
        ("postgresql://u:p@localhost", "names no database"),
        ("not a url", "is not a database URL"),
        ("sqlite+aiosqlite:///", "names no database file"),
        ("sqlite://", "names no database file"),
        ("sqlite+aiosqlite:///:memory:", "names no database file"),
    ],
)
def test_a_database_url_the_service_cannot_use_is_one_line(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    says: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    code, out, err = run(capsys, "units", "list")
    assert code == 2 and out == ""
    assert says in err and "sqlite+aiosqlite:///" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_from_another_folder_the_default_database_is_the_projects(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    home, elsewhere = cli_env / "home", cli_env / "elsewhere"
    home.mkdir(), elsewhere.mkdir()
    caplog.set_level(logging.INFO, logger="bot.service")
    monkeypatch.setenv("NHACVIEC_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.chdir(elsewhere)
    assert run(capsys, "units", "import", UNITS)[0] == 0
    assert (home / "data" / "nhacviec.db").is_file() and list(elsewhere.iterdir()) == []
    assert f"database {home}/data/nhacviec.db" in caplog.text
    assert stat.S_IMODE((home / "data" / "nhacviec.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "data").stat().st_mode) == 0o700


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_a_data_dir_that_is_no_writable_folder_is_one_line(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (cli_env / "a-file").write_text("x")
    monkeypatch.setenv("DATA_DIR", str(cli_env / where))
    code, _, err = run(capsys, "units", "list")
    assert code == 2 and "DATA_DIR=" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def _with_pragma(monkeypatch: pytest.MonkeyPatch, pragma: str) -> None:
    """Every connection also runs `pragma`: SQLite itself then refuses the writes."""
    pragmas = db._sqlite_pragmas

    def more(busy_timeout_ms: int, connection: object, record: object) -> None:
        pragmas(busy_timeout_ms, connection, record)
        cursor = connection.cursor()  # type: ignore[attr-defined]
        cursor.execute(pragma)
        cursor.close()

    monkeypatch.setattr(db, "_sqlite_pragmas", more)


@pytest.mark.parametrize(
    ("pragma", "says"),
    [
        ("PRAGMA query_only=ON", "chỉ cho phép đọc"),  # SQLITE_READONLY
        ("PRAGMA max_page_count=1", "ổ đĩa đã đầy"),  # the file may not grow: SQLITE_FULL
    ],
)
def test_a_read_only_or_full_database_is_one_line(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pragma: str,
    says: str,
) -> None:
    _with_pragma(monkeypatch, pragma)
    code, _, err = run(capsys, "units", "import", UNITS)
    assert code == 1 and says in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unreachable_bot_api_at_start_is_one_line(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("TELEGRAM_FILE_BASE_URL", "http://127.0.0.1:9/file/bot")
    code, _, err = run(capsys, "run")
    assert code == 1 and "Không kết nối được Bot API của kênh nhắn tin" in err
    assert "Traceback" not in err and "AAHdqTcv" not in err


def test_an_unquoted_impossible_date_in_yaml_is_a_row_error(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "units", "import", UNITS)[0] == 0
    plan = cli_env / "p.yaml"
    plan.write_text(
        "plan:\n  number: 5/KH\n  date: 2023-02-24\n"
        "tasks:\n  - code: '1'\n    title: Việc\n    lead: Phòng Tư pháp\n    deadline: 2023-02-31\n"
    )
    code, _, err = run(capsys, "import", str(plan))
    assert code == 1 and "ngày không có thật" in err and "2023-02-31" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("stem", ["ả" * 100, "報告書" * 40, "x" * 300])
def test_an_evidence_name_is_cut_by_bytes_keeping_its_extension(stem: str) -> None:
    name = _safe_name(f"{stem}.pdf", "document", "application/pdf")
    assert name.endswith(".pdf") and len(name.encode()) <= NAME_BYTES
    assert len(f"0123456789abcdef-{name}.part".encode()) <= 255


def test_a_plan_number_of_any_length_makes_a_short_distinct_slug() -> None:
    long_a, long_b = "32/KH-UBND-" + "A" * 500, "32/KH-UBND-" + "A" * 499 + "B"
    assert len(slug(long_a)) <= SLUG_BYTES and slug(long_a) != slug(long_b)
    assert slug("32/KH-UBND") == "32-KH-UBND"


def test_settings_error_for_a_missing_home(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="NHACVIEC_HOME"):
        load_settings(env={"NHACVIEC_HOME": str(tmp_path / "none")}, env_file=None)
