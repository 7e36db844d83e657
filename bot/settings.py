"""One typed settings object, read once from the environment and `.env`.

Relative paths (the default `data/nhacviec.db` and `data/`, `.env`) are read against the
project's home, not the current folder, so a command run from elsewhere opens the same
database: NHACVIEC_HOME when set, else the source checkout this package runs from (the folder
with pyproject.toml), else the current folder.

Errors:
    SettingsError — a setting is missing, malformed or still a placeholder; the message
    names the variable to set (English, for the operator's log).
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from scheduler.digest_periods import ND09_CUTOFF_DAY, ScheduleError, WeeklySchedule

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/nhacviec.db"
HOME_VARIABLE = "NHACVIEC_HOME"
_URL_HINT = (
    "write it as sqlite+aiosqlite:///data/nhacviec.db (or an absolute path after ///) "
    "or postgresql+psycopg://user:password@host/database"
)
_PLACEHOLDERS = re.compile(
    r"^(|changeme|change-me|change_me|your[-_ ].*|<.*>|x+|\.\.\.|todo|token|secret|placeholder)$",
    re.IGNORECASE,
)
_TELEGRAM_TOKEN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")


class SettingsError(ValueError):
    """A setting is missing, malformed or a placeholder."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    timezone: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")
    data_dir: Path = Path("data")
    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    telegram_mode: str = "polling"  # or "webhook": updates POSTed to PUBLIC_BASE_URL
    telegram_webhook_secret: str | None = None  # Telegram sends it back in a header
    zalo_bot_token: str | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: str | None = None  # sent back by Zalo in X-Bot-Api-Secret-Token
    zalo_rate_per_second: float = 10.0  # no documented limit: a conservative one
    zalo_rate_per_chat: float = 1.0
    public_base_url: str | None = None  # set: webhooks and file links under this address
    http_host: str = "127.0.0.1"  # the in-process HTTP server (webhooks, file links)
    http_port: int = 8080
    file_link_days: int = 7  # how long a file link (digest chart, Excel) keeps working
    log_level: str = "INFO"
    reminder_config_file: Path | None = None  # per-plan reminder rules (YAML)
    calendar_file: Path | None = None  # extra days off / make-up days, merged with the shipped
    digest_schedule: str = "fri 15:00"  # weekday and local time of the weekly digest
    report_cutoff_day: int = ND09_CUTOFF_DAY  # report periods end on this day (0: month end)
    delivery_lease_seconds: int = 60  # an unrecorded claim on an outbox row expires after this
    health_check: bool = False  # serve /healthz even when nothing else needs the HTTP server

    def __repr__(self) -> str:
        # Tokens must never reach logs, even through a debug print of the settings.
        hidden = {
            "telegram_bot_token",
            "zalo_bot_token",
            "zalo_webhook_secret",
            "telegram_webhook_secret",
        }
        parts = [
            f"{name}={'***' if name in hidden and value else value!r}"
            for name, value in self.__dict__.items()
            if name != "database_url"
        ]
        parts.insert(0, f"database_url={_hidden(make_url(self.database_url))!r}")
        return f"Settings({', '.join(parts)})"

    @property
    def has_channel_token(self) -> bool:
        return bool(self.telegram_bot_token or self.zalo_bot_token)


def load_settings(
    env: dict[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Merge `.env` (lower priority) with the environment and validate."""
    environment = dict(os.environ if env is None else env)
    home = project_home(environment)
    values: dict[str, str] = {}
    if env_file is not None and (env_path := home / env_file.expanduser()).is_file():
        values.update({k: v for k, v in dotenv_values(env_path).items() if v is not None})
    values.update(environment)
    return Settings(
        database_url=database_url(values.get("DATABASE_URL") or DEFAULT_DATABASE_URL, home),
        timezone=_timezone(values.get("TIMEZONE") or "Asia/Ho_Chi_Minh"),
        data_dir=home / Path(values.get("DATA_DIR") or "data").expanduser(),
        telegram_bot_token=_secret(values, "TELEGRAM_BOT_TOKEN", _TELEGRAM_TOKEN),
        telegram_api_base_url=values.get("TELEGRAM_API_BASE_URL") or Settings.telegram_api_base_url,
        telegram_file_base_url=values.get("TELEGRAM_FILE_BASE_URL")
        or Settings.telegram_file_base_url,
        **_telegram_webhook(values),
        **_zalo(values),
        log_level=_log_level(values.get("LOG_LEVEL") or "INFO"),
        reminder_config_file=_optional_file(values, "REMINDER_CONFIG_FILE", home),
        calendar_file=_optional_file(values, "CALENDAR_FILE", home),
        digest_schedule=_schedule(values.get("DIGEST_SCHEDULE") or Settings.digest_schedule),
        report_cutoff_day=_cutoff_day(values.get("REPORT_CUTOFF_DAY")),
        delivery_lease_seconds=_lease(values.get("DELIVERY_LEASE_SECONDS")),
        health_check=_switch(values, "HEALTH_CHECK"),
    )


class _TelegramWebhook(TypedDict):
    telegram_mode: str
    telegram_webhook_secret: str | None


_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")  # Telegram allows 1-256 of these


def _telegram_webhook(values: dict[str, str]) -> _TelegramWebhook:
    """Polling (the default) or a webhook at PUBLIC_BASE_URL with a secret token."""
    mode = (values.get("TELEGRAM_MODE") or "polling").strip().lower()
    if mode not in ("polling", "webhook"):
        raise SettingsError(f"TELEGRAM_MODE={mode!r} must be polling or webhook")
    secret = _secret(values, "TELEGRAM_WEBHOOK_SECRET", None)
    if secret is not None and not _WEBHOOK_SECRET.match(secret):
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET must be 16 to 256 letters, digits, _ or - "
            "(e.g. `openssl rand -hex 32`)"
        )
    if mode == "webhook" and values.get("TELEGRAM_BOT_TOKEN", "").strip():
        if _public_url(values) is None:
            raise SettingsError(
                "TELEGRAM_MODE=webhook needs PUBLIC_BASE_URL (the HTTPS address Telegram posts to)"
            )
        if secret is None:
            raise SettingsError(
                "TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET (e.g. `openssl rand -hex 32`)"
            )
    return _TelegramWebhook(telegram_mode=mode, telegram_webhook_secret=secret)


def _public_url(values: dict[str, str]) -> str | None:
    public = (values.get("PUBLIC_BASE_URL") or "").strip().rstrip("/") or None
    if public is not None and not public.startswith(("https://", "http://")):
        raise SettingsError(f"PUBLIC_BASE_URL={public!r} must start with https://")
    return public


def _switch(values: dict[str, str], name: str) -> bool:
    text = (values.get(name) or "").strip().lower()
    if text in ("", "0", "off", "no", "false"):
        return False
    if text in ("1", "on", "yes", "true"):
        return True
    raise SettingsError(f"{name}={text!r} must be on or off")


class _ZaloSettings(TypedDict):
    zalo_bot_token: str | None
    zalo_api_base_url: str
    zalo_webhook_secret: str | None
    zalo_rate_per_second: float
    zalo_rate_per_chat: float
    public_base_url: str | None
    http_host: str
    http_port: int
    file_link_days: int


def _zalo(values: dict[str, str]) -> _ZaloSettings:
    """The Zalo channel's settings and the in-process HTTP server's (webhooks, file links)."""
    token = _secret(values, "ZALO_BOT_TOKEN", None)
    public = _public_url(values)
    secret = _secret(values, "ZALO_WEBHOOK_SECRET", None)
    if secret is not None and not 8 <= len(secret) <= 256:
        raise SettingsError("ZALO_WEBHOOK_SECRET must be 8 to 256 characters long")
    if token and public and secret is None:
        raise SettingsError(
            "ZALO_WEBHOOK_SECRET is not set; the Zalo webhook (PUBLIC_BASE_URL is set) needs one "
            "of 8 to 256 characters (e.g. `openssl rand -hex 32`)"
        )
    return _ZaloSettings(
        zalo_bot_token=token,
        zalo_api_base_url=(values.get("ZALO_API_BASE_URL") or "").strip().rstrip("/")
        or Settings.zalo_api_base_url,
        zalo_webhook_secret=secret,
        zalo_rate_per_second=_rate(values, "ZALO_RATE_PER_SECOND", Settings.zalo_rate_per_second),
        zalo_rate_per_chat=_rate(values, "ZALO_RATE_PER_CHAT", Settings.zalo_rate_per_chat),
        public_base_url=public,
        http_host=(values.get("HTTP_HOST") or "").strip() or Settings.http_host,
        http_port=_bounded(values, "HTTP_PORT", Settings.http_port, 1, 65535),
        file_link_days=_bounded(values, "FILE_LINK_DAYS", Settings.file_link_days, 1, 90),
    )


def _rate(values: dict[str, str], name: str, default: float) -> float:
    text = (values.get(name) or "").strip()
    if not text:
        return default
    try:
        rate = float(text)
    except ValueError:
        rate = 0.0
    if not 0.01 <= rate <= 100:
        raise SettingsError(f"{name}={text!r} must be messages a second, from 0.01 to 100")
    return rate


def _bounded(values: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = (values.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise SettingsError(f"{name}={text!r} must be a whole number from {low} to {high}")
    return int(text)


def project_home(environment: dict[str, str]) -> Path:
    """Where relative paths are read from (see the module's docstring)."""
    if given := environment.get(HOME_VARIABLE, "").strip():
        home = Path(given).expanduser()
        if not home.is_dir():
            raise SettingsError(f"{HOME_VARIABLE}={given!r} is not a folder")
        return home.resolve()
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


def database_url(value: str, home: Path) -> str:
    """The URL with a SQLite file path made absolute against `home`.

    `sqlite:///x.db` (what SQLAlchemy guides show) is taken as `sqlite+aiosqlite:///x.db`:
    both name the same file, and aiosqlite is the driver the service runs on, so refusing the
    plain form would only make the operator type it again; `postgresql://` (and `postgres://`)
    likewise means `postgresql+psycopg://`. A URL with no file (`sqlite://`, `:memory:`) or
    no database name is refused: everything would vanish, or land in the wrong place."""
    try:
        url = make_url(value.strip())
    except (ArgumentError, ValueError) as exc:
        raise SettingsError(f"DATABASE_URL={value!r} is not a database URL; {_URL_HINT}") from exc
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return _postgres_url(url)
    if backend != "sqlite":
        raise SettingsError(
            f"DATABASE_URL: {backend} is not supported, only SQLite and PostgreSQL; {_URL_HINT}"
        )
    if url.get_driver_name() not in ("pysqlite", "aiosqlite"):
        raise SettingsError(
            f"DATABASE_URL: the driver {url.get_driver_name()} is not supported; {_URL_HINT}"
        )
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise SettingsError(
            f"DATABASE_URL={_hidden(url)!r} names no database file (an in-memory database loses "
            f"everything when the service stops); {_URL_HINT}"
        )
    path = home / Path(url.database).expanduser()
    return _render(url.set(drivername="sqlite+aiosqlite", database=str(path)))


def _postgres_url(url: URL) -> str:
    """PostgreSQL through psycopg 3 (its async support), the one PostgreSQL driver installed."""
    driver = url.drivername.partition("+")[2]
    if driver not in ("", "psycopg"):
        raise SettingsError(
            f"DATABASE_URL: the PostgreSQL driver {driver} is not supported; {_URL_HINT}"
        )
    if not url.database:
        raise SettingsError(
            f"DATABASE_URL={_hidden(url)!r} names no database (…/nhacviec at the end); {_URL_HINT}"
        )
    return _render(url.set(drivername="postgresql+psycopg"))


def _hidden(url: URL) -> str:
    """The URL as it may be shown in a message or a log: without its password."""
    return url.render_as_string(hide_password=True)


def shown_database(database_url: str) -> str:
    """What logs and messages name as the database: the SQLite file, or the PostgreSQL URL
    without its password."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return url.database or database_url
    return _hidden(url)


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _lease(value: str | None) -> int:
    text = (value or "").strip()
    if not text:
        return Settings.delivery_lease_seconds
    if not text.isdigit() or not 5 <= int(text) <= 3600:
        raise SettingsError(f"DELIVERY_LEASE_SECONDS={text!r} must be seconds from 5 to 3600")
    return int(text)


def _schedule(value: str) -> str:
    try:
        WeeklySchedule.parse(value)
    except ScheduleError as exc:
        raise SettingsError(f"DIGEST_SCHEDULE: {exc}") from exc
    return value


def _cutoff_day(value: str | None) -> int:
    """The reporting regime's cut-off day; 0 means calendar periods ending on the month's end."""
    text = (value or "").strip()
    if not text:
        return ND09_CUTOFF_DAY
    if not text.isdigit() or int(text) > 27:
        raise SettingsError(f"REPORT_CUTOFF_DAY={text!r} must be a day from 1 to 27, or 0")
    return int(text)


def _optional_file(values: dict[str, str], name: str, home: Path) -> Path | None:
    """An unset path is None; a set one must name an existing file (a relative path is read
    against the project's home, like the database's)."""
    value = values.get(name, "").strip()
    if not value:
        return None
    path = home / Path(value).expanduser()
    if not path.is_file():
        raise SettingsError(f"{name}={value!r} is not a file; fix the path or unset {name}")
    return path


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise SettingsError(f"LOG_LEVEL={value!r} is not a log level; use DEBUG, INFO or WARNING")
    return level


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"TIMEZONE={name!r} is not a known time zone; set TIMEZONE=Asia/Ho_Chi_Minh"
        ) from exc


def _secret(values: dict[str, str], name: str, shape: re.Pattern[str] | None) -> str | None:
    """An unset secret is None (that channel is off); a placeholder is an error."""
    value = values.get(name, "").strip()
    if not value:
        return None
    if _PLACEHOLDERS.match(value):
        raise SettingsError(f"{name} is still a placeholder; set it to the real token or remove it")
    if shape is not None and not shape.match(value):
        raise SettingsError(
            f"{name} does not look like a bot token (expected digits:letters); "
            "copy it again from @BotFather"
        )
    return value
