"""The values a handler works with: the conversation's dependencies and the current turn."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Answer, Button, Capabilities, Inbound, Outbound
from bot.clock import Clock
from bot.conversation.buttons import ButtonSigner
from bot.conversation.limits import InboundLimiter
from storage.models import ChannelIdentity, Person


def calendar_days_late(deadline: date, today: date) -> int:
    return (today - deadline).days


def next_weekday_morning(now: datetime, tz: ZoneInfo) -> datetime:
    day = now.astimezone(tz).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=tz)


@dataclass
class Deps:
    """What the conversation needs from the world, built by the composition root."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    timezone: ZoneInfo
    signer: ButtonSigner
    evidence_dir: Path
    days_late: Callable[[date, date], int] = calendar_days_late
    snooze_until: Callable[[datetime, ZoneInfo], datetime] = next_weekday_morning
    invite_link: Callable[[str], str | None] = lambda _code: None
    limiter: InboundLimiter = field(default_factory=InboundLimiter)


@dataclass
class Turn:
    """One inbound being handled, inside its transaction."""

    deps: Deps
    session: AsyncSession
    inbound: Inbound
    caps: Capabilities
    person: Person | None
    identity: ChannelIdentity | None
    now: datetime
    evidence: bytes | None = None

    @property
    def local(self) -> datetime:
        return self.now.astimezone(self.deps.timezone)


def say(text: str, *rows: tuple[Button, ...]) -> Answer:
    return Answer(messages=[Outbound(text=text, buttons=rows)])
