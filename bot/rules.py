"""The working-day calendar and the reminder rules, loaded once from the settings."""

from dataclasses import dataclass

from bot.settings import Settings
from scheduler.calendar import WorkCalendar
from scheduler.reminder_config import ReminderConfig, ReminderSettings, load_reminder_settings


@dataclass(frozen=True)
class Rules:
    calendar: WorkCalendar
    reminders: ReminderSettings

    @classmethod
    def load(cls, settings: Settings) -> "Rules":
        calendar = WorkCalendar.load(settings.calendar_file, timezone=settings.timezone)
        return cls(calendar, load_reminder_settings(settings.reminder_config_file))

    def config(self, plan: str | None) -> ReminderConfig:
        return self.reminders.for_plan(plan) if plan else self.reminders.defaults
