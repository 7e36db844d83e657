"""The values a handler works with: the conversation's dependencies and the current turn."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Answer, Button, Capabilities, Inbound, Outbound
from bot.clock import Clock
from bot.conversation.buttons import ButtonSigner
from bot.conversation.limits import InboundLimiter
from bot.digest.service import DigestKit
from storage.models import ChannelIdentity, Person
from storage.pending import Pending


@dataclass
class Deps:
    """What the conversation needs from the world, built by the composition root."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    timezone: ZoneInfo
    signer: ButtonSigner
    evidence_dir: Path
    days_late: Callable[[date, date], int]  # working days late: the calendar's, never a guess
    snooze_until: Callable[[datetime], datetime]  # the reminder policy's next slot
    digests: DigestKit
    invite_link: Callable[[str], str | None]  # the deep link of the first channel that has one
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

    @property
    def pending(self) -> Pending:
        """What the bot is waiting for from this person."""
        return Pending.of(self.person.pending if self.person else None)

    def remember(self, pending: Pending) -> None:
        assert self.person is not None
        self.person.pending = pending.stored()
        self.session.add(self.person)


def say(text: str, *rows: tuple[Button, ...]) -> Answer:
    return Answer(messages=[Outbound(text=text, buttons=rows)])
