"""The working-day calendar and the reminder rules: what every schedule is computed from.

Errors (raised by `Rules.load`):
    CalendarError        — the calendar file is missing or malformed.
    ReminderConfigError  — the reminder rules file is missing or malformed.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.calendar import WorkCalendar
from scheduler.policy import in_window, snooze_until
from scheduler.reminder_config import ReminderConfig, ReminderSettings, load_reminder_settings

EXAMPLE_WORKING_DAYS = 10  # how far past the deadline the suggested extension date lies


@dataclass(frozen=True)
class Rules:
    calendar: WorkCalendar
    reminders: ReminderSettings

    @classmethod
    def load(
        cls, *, calendar_file: Path | None, reminder_file: Path | None, timezone: ZoneInfo
    ) -> "Rules":
        calendar = WorkCalendar.load(calendar_file, timezone=timezone)
        return cls(calendar, load_reminder_settings(reminder_file))

    def config(self, plan: str | None) -> ReminderConfig:
        return self.reminders.for_plan(plan) if plan else self.reminders.defaults

    def fingerprint(self) -> str:
        """Changes whenever the calendar or any plan's reminder rules change (see
        scheduler.jobs.recheck_if_rules_changed)."""
        return rules_fingerprint(self.calendar, self.reminders)

    def days_late(self, deadline: date, today: date) -> int:
        """Working days from the deadline to `today`: how late an open assignment is."""
        return self.calendar.working_days_between(deadline, today)

    def snooze_until(self, now: datetime) -> datetime:
        """When a reminder snoozed at `now` comes back (the next working day's send time)."""
        return snooze_until(now, self.calendar, self.reminders.defaults)

    def extension_example(self, deadline: date | None, today: date) -> date:
        """A date to suggest when asking for a new deadline: one the request would accept
        (after the current deadline and today), a working day two weeks on."""
        return self.calendar.add_working_days(max(deadline or today, today), EXAMPLE_WORKING_DAYS)

    def may_send(self, now: datetime) -> bool:
        """Whether `now` is inside the sending window (quiet hours keep everything waiting)."""
        return in_window(now, self.calendar, self.reminders.defaults)


def rules_fingerprint(calendar: WorkCalendar, reminders: ReminderSettings) -> str:
    """A digest of everything a reminder schedule is computed from."""
    plans = {number: asdict(config) for number, config in sorted(reminders.plans.items())}
    rules = {"defaults": asdict(reminders.defaults), "plans": plans}
    text = calendar.fingerprint() + json.dumps(rules, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
