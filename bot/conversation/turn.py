"""The values a handler works with: the conversation's dependencies and the current turn."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Answer, Button, Capabilities, Inbound, Outbound
from bot.clock import Clock
from bot.conversation.buttons import ButtonSigner
from bot.conversation.limits import InboundLimiter
from bot.conversation.present import FileLink, no_links
from bot.digest.service import DigestKit
from storage.db import stored_id
from storage.models import ChannelIdentity, Person, Unit
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
    # A date to suggest for an extension (deadline, today): valid, a working day, later on.
    extension_example: Callable[[date | None, date], date]
    limiter: InboundLimiter = field(default_factory=InboundLimiter)
    file_link: FileLink = no_links  # for channels without files (bot/web/links.py)
    web_base: str | None = None  # where the web page is (PUBLIC_BASE_URL); None: no page


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
    # Work that needs no database, run once the turn is committed and before the answer goes
    # out: drawing the files /digest sends, so no transaction stays open while it draws.
    after_commit: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    # The sender's unit, read with them: kept here, the session answers a look-up of it (a
    # reminder's rewrite, /status) from memory instead of asking the database again.
    unit: Unit | None = None
    # The conversation writes what the bot now waits for once, as the turn ends (`settle`):
    # an answer often changes it twice (forgotten, then the next question), and each change
    # written at once would cost an UPDATE. A Turn built elsewhere (the web page) writes at once.
    settles: bool = False
    _pending: Pending | None = None

    @property
    def local(self) -> datetime:
        return self.now.astimezone(self.deps.timezone)

    @property
    def pending(self) -> Pending:
        """What the bot is waiting for from this person."""
        if self._pending is not None:
            return self._pending
        return Pending.of(self.person.pending if self.person else None)

    def registered(self) -> Person:
        """The sender, in a handler that only a registered person reaches (see `route`)."""
        if self.person is None:
            raise RuntimeError("this handler is for registered people only")
        return self.person

    @property
    def person_id(self) -> int:
        """The registered sender's id."""
        return stored_id(self.registered())

    def remember(self, pending: Pending) -> None:
        self.registered()
        self._pending = pending
        if not self.settles:
            self.settle()

    def settle(self) -> None:
        """Write what the turn remembered to the person, if it changed (flushed with the
        turn's last statement)."""
        if self.person is None or self._pending is None:
            return
        stored = self._pending.stored()
        if stored != self.person.pending:
            self.person.pending = stored
            self.session.add(self.person)


def say(text: str, *rows: tuple[Button, ...]) -> Answer:
    return Answer(messages=[Outbound(text=text, buttons=rows)])
