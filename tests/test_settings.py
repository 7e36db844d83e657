"""Settings: defaults, `.env`, and secrets that fail fast with a message naming them."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"


def test_defaults_need_nothing_set(tmp_path: Path) -> None:
    settings = load_settings(env={"NHACVIEC_HOME": str(tmp_path)}, env_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/data/nhacviec.db"
    assert DEFAULT_DATABASE_URL.endswith("///data/nhacviec.db")
    assert settings.data_dir == tmp_path / "data"
    assert settings.timezone == ZoneInfo("Asia/Ho_Chi_Minh")
    assert settings.telegram_bot_token is None
    assert not settings.has_channel_token


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=sqlite+aiosqlite:///x.db\nTIMEZONE=Asia/Bangkok\n")
    settings = load_settings(env={"TIMEZONE": "UTC"}, env_file=env_file)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("/x.db")
    assert settings.timezone == ZoneInfo("UTC")


@pytest.mark.parametrize("value", ["changeme", "your-token-here", "<token>", "xxxx", "..."])
def test_a_placeholder_token_fails_fast_naming_the_setting(value: str) -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is still a placeholder"):
        load_settings(env={"TELEGRAM_BOT_TOKEN": value}, env_file=None)


def test_a_malformed_token_says_where_to_get_a_real_one() -> None:
    with pytest.raises(SettingsError, match="BotFather"):
        load_settings(env={"TELEGRAM_BOT_TOKEN": "12345"}, env_file=None)


def test_an_empty_token_means_the_channel_is_off() -> None:
    assert load_settings(env={"TELEGRAM_BOT_TOKEN": ""}, env_file=None).telegram_bot_token is None


def test_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(SettingsError, match="TIMEZONE"):
        load_settings(env={"TIMEZONE": "Mars/Olympus"}, env_file=None)


def test_tokens_never_show_in_the_settings_repr() -> None:
    settings = load_settings(env={"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert settings.has_channel_token
    assert TOKEN not in repr(settings) and "***" in repr(settings)


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for name in (
        "DATABASE_URL",
        "TIMEZONE",
        "DATA_DIR",
        "LOG_LEVEL",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "TELEGRAM_FILE_BASE_URL",
        "ZALO_BOT_TOKEN",
        "ZALO_API_BASE_URL",
        "ZALO_WEBHOOK_SECRET",
        "PUBLIC_BASE_URL",
        "HTTP_HOST",
        "HTTP_PORT",
        "FILE_LINK_DAYS",
        "ZALO_RATE_PER_SECOND",
        "ZALO_RATE_PER_CHAT",
        "TELEGRAM_MODE",
        "TELEGRAM_WEBHOOK_SECRET",
        "HEALTH_CHECK",
    ):
        assert f"\n{name}=" in example
    assert load_settings(env={}, env_file=Path(__file__).parent.parent / ".env.example")


ZALO = {"ZALO_BOT_TOKEN": "3090077098889577948:abcdefghijklmnop"}


def test_zalo_defaults_are_conservative_and_polling() -> None:
    settings = load_settings(env=ZALO, env_file=None)
    assert settings.zalo_api_base_url == "https://bot-api.zaloplatforms.com"
    assert (settings.zalo_rate_per_second, settings.zalo_rate_per_chat) == (10.0, 1.0)
    assert settings.public_base_url is None and settings.file_link_days == 7


def test_a_zalo_webhook_needs_a_real_secret() -> None:
    public = {**ZALO, "PUBLIC_BASE_URL": "https://nhacviec.example.vn/"}
    with pytest.raises(SettingsError, match="ZALO_WEBHOOK_SECRET"):
        load_settings(env=public, env_file=None)
    with pytest.raises(SettingsError, match="8 to 256"):
        load_settings(env={**public, "ZALO_WEBHOOK_SECRET": "short"}, env_file=None)
    with pytest.raises(SettingsError, match="placeholder"):
        load_settings(env={**public, "ZALO_WEBHOOK_SECRET": "changeme"}, env_file=None)
    settings = load_settings(env={**public, "ZALO_WEBHOOK_SECRET": "s" * 32}, env_file=None)
    assert settings.public_base_url == "https://nhacviec.example.vn"
    assert "s" * 32 not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ZALO_RATE_PER_SECOND", "0"),
        ("ZALO_RATE_PER_CHAT", "nhanh"),
        ("HTTP_PORT", "70000"),
        ("FILE_LINK_DAYS", "0"),
        ("PUBLIC_BASE_URL", "nhacviec.vn"),
    ],
)
def test_bad_zalo_and_http_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env={**ZALO, name: value}, env_file=None)


def test_rule_files_are_read_against_the_project_home(tmp_path: Path) -> None:
    (tmp_path / "nhac.yaml").write_text("defaults: {}\n")
    (tmp_path / "lich.yaml").write_text("days_off: []\n")
    env = {"NHACVIEC_HOME": str(tmp_path), "REMINDER_CONFIG_FILE": "nhac.yaml"}
    settings = load_settings(env={**env, "CALENDAR_FILE": "lich.yaml"}, env_file=None)
    assert settings.reminder_config_file == tmp_path / "nhac.yaml"
    assert settings.calendar_file == tmp_path / "lich.yaml"


def test_telegram_polls_unless_told_to_take_a_webhook() -> None:
    settings = load_settings(env={"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert (settings.telegram_mode, settings.telegram_webhook_secret) == ("polling", None)
    assert settings.health_check is False


def test_a_telegram_webhook_needs_an_address_and_a_real_secret() -> None:
    webhook = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook"}
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        load_settings(env={**webhook, "TELEGRAM_WEBHOOK_SECRET": "a" * 32}, env_file=None)
    public = {**webhook, "PUBLIC_BASE_URL": "https://nhacviec.example.vn"}
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings(env=public, env_file=None)
    for bad in ("short", "có dấu và khoảng trắng 1234567", "y" * 257):
        with pytest.raises(SettingsError, match="16 to 256"):
            load_settings(env={**public, "TELEGRAM_WEBHOOK_SECRET": bad}, env_file=None)
    settings = load_settings(env={**public, "TELEGRAM_WEBHOOK_SECRET": "Ab_-" * 8}, env_file=None)
    assert settings.telegram_mode == "webhook" and "Ab_-" * 8 not in repr(settings)


@pytest.mark.parametrize(("name", "value"), [("TELEGRAM_MODE", "push"), ("HEALTH_CHECK", "maybe")])
def test_bad_telegram_mode_and_health_switch_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env={name: value}, env_file=None)
