"""When reminders go out: the defaults of PRODUCT.md, overridable per plan from a YAML file.

The file holds `defaults:` and `plans:`, each plan's block overriding only what it names::

    defaults:
      send_at: "08:00"
    plans:
      "32/KH-UBND":
        overdue_every_working_days: 3

Errors:
    ReminderConfigError — the file is missing, not YAML, has an unknown key or a bad value;
    the message names the file, the plan and the key (English, for logs; the CLI shows it).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

import yaml

MAX_DAYS_BEFORE = 60  # the sweep looks this far ahead for deadlines
# Largest accepted value of each count; 30 working days before still fits in 60 days.
_LIMITS = {
    "first_days_before": MAX_DAYS_BEFORE,
    "second_days_before": MAX_DAYS_BEFORE,
    "working_days_before": 30,
    "overdue_every_working_days": 60,
    "escalate_after_working_days": 60,
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class Supporting:
    """How units that "phối hợp" (support) hear about a task; the lead unit answers for it."""

    REMIND = "remind"  # the unit's whole track, like the lead (never escalated)
    INFORM_ONCE = "inform_once"  # one notice when the task first comes into reminding range
    NONE = "none"  # nothing

    ALL = (REMIND, INFORM_ONCE, NONE)


class ReminderConfigError(ValueError):
    """The reminder settings file cannot be used as it is."""


@dataclass(frozen=True)
class ReminderConfig:
    """One plan's reminder rules; None turns a reminder off."""

    send_at: time = time(8, 0)  # local time of every reminder slot
    first_days_before: int | None = 7  # kind before_7d: calendar days before the deadline
    second_days_before: int | None = 3  # kind before_3d
    working_days_before: int | None = 1  # kind before_1wd
    on_deadline: bool = True  # kind due_today
    overdue_every_working_days: int | None = 2
    escalate_after_working_days: int | None = 5
    monthly_checkin: bool = True  # ongoing tasks, first working day of each month
    window_start: time = time(7, 30)  # nothing is sent outside [window_start, window_end)
    window_end: time = time(17, 30)
    # PRODUCT.md: supporting units "are told", not chased; the lead is reminded and escalated.
    supporting: str = Supporting.INFORM_ONCE


@dataclass(frozen=True)
class ReminderSettings:
    defaults: ReminderConfig = ReminderConfig()
    plans: Mapping[str, ReminderConfig] = field(default_factory=dict)

    def for_plan(self, number: str) -> ReminderConfig:
        return self.plans.get(_plan_key(number), self.defaults)


def load_reminder_settings(path: Path | None) -> ReminderSettings:
    """Read the settings file; None means the defaults for every plan."""
    if path is None:
        return ReminderSettings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReminderConfigError(
            f"reminder settings {path} cannot be read: {exc.strerror}"
        ) from exc
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2027-02-30
        raise ReminderConfigError(f"reminder settings {path} is not valid YAML: {exc}") from exc
    return parse_reminder_settings(data, str(path))


def parse_reminder_settings(data: Any, source: str) -> ReminderSettings:
    """Check parsed YAML; every problem names where it is."""
    if data is None:
        return ReminderSettings()
    if not isinstance(data, dict):
        raise ReminderConfigError(f"{source}: expected a mapping with 'defaults' and 'plans'")
    _no_unknown(data, {"defaults", "plans"}, source)
    defaults = _config(ReminderConfig(), data.get("defaults") or {}, f"{source}: defaults")
    plans = data.get("plans") or {}
    if not isinstance(plans, dict):
        raise ReminderConfigError(f"{source}: plans must map a plan number to its settings")
    by_plan = {
        _plan_key(str(number)): _config(defaults, block or {}, f"{source}: plan {number!r}")
        for number, block in plans.items()
    }
    return ReminderSettings(defaults, by_plan)


def _plan_key(number: str) -> str:
    return " ".join(number.split()).casefold()


def _no_unknown(block: dict[Any, Any], known: set[str], where: str) -> None:
    if unknown := set(block) - known:
        names = ", ".join(sorted(map(str, unknown)))
        raise ReminderConfigError(
            f"{where}: unknown key(s) {names}; known: {', '.join(sorted(known))}"
        )


def _config(base: ReminderConfig, block: Any, where: str) -> ReminderConfig:
    if not isinstance(block, dict):
        raise ReminderConfigError(f"{where}: expected a mapping of settings")
    _no_unknown(block, {f.name for f in fields(ReminderConfig)}, where)
    changes = {key: _value(key, value, f"{where}: {key}") for key, value in block.items()}
    config = replace(base, **changes)
    _check_window(config, where)
    return config


def _value(key: str, value: Any, where: str) -> Any:
    if key in {"send_at", "window_start", "window_end"}:
        return _time(value, where)
    if key == "supporting":
        if value not in Supporting.ALL:
            raise ReminderConfigError(
                f"{where}: expected one of {', '.join(Supporting.ALL)}, got {value!r}"
            )
        return value
    if key in {"on_deadline", "monthly_checkin"}:
        if not isinstance(value, bool):
            raise ReminderConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    return _count(value, _LIMITS[key], where)


def _count(value: Any, limit: int, where: str) -> int | None:
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise ReminderConfigError(
            f"{where}: expected a whole number from 1 to {limit}, or false to turn it off; "
            f"got {value!r}"
        )
    return value


def _time(value: Any, where: str) -> time:
    # Unquoted 17:30 is a base-60 integer (1050) in YAML 1.1: ask for quotes, don't guess.
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ReminderConfigError(f'{where}: expected a time in quotes like "08:00", got {value!r}')
    return time(int(match.group(1)), int(match.group(2)))


def _check_window(config: ReminderConfig, where: str) -> None:
    if not config.window_start < config.window_end:
        raise ReminderConfigError(f"{where}: window_start must be before window_end")
    if not config.window_start <= config.send_at < config.window_end:
        raise ReminderConfigError(f"{where}: send_at must be inside the sending window")
