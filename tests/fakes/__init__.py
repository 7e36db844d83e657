"""Fakes that stand in for the outside world in tests: a real local Telegram Bot API server."""

from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi
from tests.fakes.bot_api_objects import BotMessage, Chat, Posted, User
from tests.fakes.clock import ManualClock

__all__ = ["DEFAULT_TOKEN", "BotMessage", "Chat", "FakeBotApi", "ManualClock", "Posted", "User"]
