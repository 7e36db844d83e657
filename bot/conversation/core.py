"""The conversation: one inbound value in, an answer out, whatever the channel.

Every inbound update is recorded (by channel and update id) in the same transaction as the
change it causes, and committed before the answer goes back, so a replayed update changes
nothing and an answered update is never lost. The record is written last, by an insert that
ignores a key already there: SQLite takes its write lock at a transaction's first write, so
a turn that only reads (/status, /digest and its drawing) holds the lock for the commit
alone, and an update handled before is found by that same insert (its turn is rolled back
and answers nothing). When the lock stays taken past the busy timeout the handler raises
NotStored, and the channel offers the update again later.

Channels hand in updates from different chats at once; their transactions take turns here
(`_turns`), one at a time in this process, as SQLite has a single writer anyway. What is
slow and needs no database, the download of a file before and the sending of the answer
after, runs outside that turn, so one chat's slow network holds up nobody else.
"""

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import (
    Answer,
    Attachment,
    Capabilities,
    FileTooLarge,
    Inbound,
    NotStored,
    Outbound,
)
from bot.conversation import commands, evidence, replies
from bot.conversation.present import present
from bot.conversation.turn import Deps, Turn, say
from bot.texts import chat as t
from storage.db import is_locked, transaction
from storage.inbound import record_update
from storage.people import identity_of, sender_of
from storage.textnorm import clean_text

log = logging.getLogger(__name__)
MAX_TEXT = 4096
MAX_FILE_BYTES = 20 * 1024 * 1024
Download = Callable[[Attachment, int], Awaitable[bytes]]


class _Duplicate(Exception):
    """The update was handled before: its turn is rolled back."""


class Conversation:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._turns = asyncio.Lock()  # one transaction at a time (see the module's note)

    async def handle(self, inbound: Inbound, caps: Capabilities, download: Download) -> Answer:
        """Answer one inbound; the same update twice is answered once.

        Raises NotStored when the database stayed locked: nothing was stored or answered.
        """
        now = self.deps.clock.now()
        # Text from people is made safe once, here: no control or zero-width characters.
        text, name = inbound.text and clean_text(inbound.text), clean_text(inbound.display_name)
        inbound = replace(inbound, text=text, display_name=name)
        early = self._refuse_early(inbound, caps, now)
        if early is not None:
            return early
        data = await self._fetch_evidence(inbound, download)
        if isinstance(data, Answer):
            return data
        try:
            return await self._answer(inbound, caps, now, data)
        except IntegrityError:
            # Two workers raced on the same update id: the other one answered it.
            log.info("duplicate inbound %s:%s ignored", inbound.channel, inbound.update_id)
            return Answer()
        except OperationalError as exc:
            if not is_locked(exc):
                raise
            self.deps.limiter.forget_last(_sender(inbound))  # it comes again; count it then
            raise NotStored(f"{inbound.channel} update {inbound.update_id}") from exc

    async def _answer(
        self, inbound: Inbound, caps: Capabilities, now: datetime, data: bytes | None
    ) -> Answer:
        """The turn and the record that it was handled, in one transaction."""
        channel, update_id = inbound.channel, inbound.update_id
        async with self._turns:
            try:
                async with transaction(self.deps.sessions) as session:
                    turn = await self._turn(session, inbound, caps, now, data)
                    answer = await route(turn)
                    await _remember_choices(turn, answer)
                    turn.settle()
                    if not await record_update(
                        session, channel=channel, update_id=update_id, now=now
                    ):
                        raise _Duplicate
            except _Duplicate:
                log.info("inbound %s:%s was handled before; ignored", channel, update_id)
                return Answer()
        for work in turn.after_commit:  # drawn after the commit, outside the writers' turn
            await work()
        return answer

    def _refuse_early(self, inbound: Inbound, caps: Capabilities, now: datetime) -> Answer | None:
        verdict = self.deps.limiter.check(_sender(inbound), now)
        if verdict != "ok":
            return say(t.SLOW_DOWN) if verdict == "warn" else Answer()
        if inbound.chat_type != "private":
            return say(t.GROUP_NOT_SET_UP)
        if inbound.sticker:
            return say(t.STICKER)
        if inbound.text and len(inbound.text) > min(MAX_TEXT, caps.max_text or MAX_TEXT):
            return say(t.TOO_LONG.format(length=len(inbound.text), limit=MAX_TEXT))
        return None

    async def _fetch_evidence(self, inbound: Inbound, download: Download) -> bytes | Answer | None:
        # Downloading happens before the transaction: no session is held across the network.
        attachment = inbound.attachment
        if attachment is None:
            return None
        if attachment.size is not None and attachment.size > MAX_FILE_BYTES:
            return say(t.FILE_TOO_BIG.format(size=math.ceil(attachment.size / 2**20), limit=20))
        async with self.deps.sessions() as session:
            if await identity_of(session, channel=inbound.channel, user_id=inbound.user_id) is None:
                return say(t.NOT_REGISTERED)
        try:
            return await download(attachment, MAX_FILE_BYTES)
        except FileTooLarge as exc:
            return say(t.FILE_TOO_BIG.format(size=math.ceil(exc.size / 2**20), limit=20))
        except Exception as exc:  # any failed download gets the same answer
            log.warning("download of an attachment failed: %s", type(exc).__name__)
            return say(t.DOWNLOAD_FAILED)

    async def _turn(
        self,
        session: AsyncSession,
        inbound: Inbound,
        caps: Capabilities,
        now: datetime,
        data: bytes | None,
    ) -> Turn:
        found = await sender_of(session, channel=inbound.channel, user_id=inbound.user_id)
        identity, person, unit = found if found else (None, None, None)
        if person is not None and not person.active:
            person = None
        if person is not None and person.unreachable_at is not None:
            person.unreachable_at = None  # they wrote to us, so messages reach them again
            session.add(person)
        if person is not None and person.last_channel != inbound.channel:
            # Where they are now is where reminders go, unless they chose with /kenh. Written
            # only on a change, so a read-only turn still takes no write lock early.
            person.last_channel = inbound.channel
            session.add(person)
        return Turn(
            self.deps, session, inbound, caps, person, identity, now, data, unit=unit, settles=True
        )


def _sender(inbound: Inbound) -> str:
    return f"{inbound.channel}:{inbound.user_id}"


async def route(turn: Turn) -> Answer:
    """Send the inbound to the handler for what it is."""
    inbound = turn.inbound
    text = (inbound.text or "").strip()
    if turn.person is None:
        return await commands.unregistered(turn, text)
    if inbound.button_data is not None:
        return await replies.choose(turn, inbound.button_data)
    if inbound.attachment is not None:
        return await evidence.evidence(turn)
    if text.startswith("/"):
        return await commands.command(turn, text)
    return await replies.free_text(turn, text)


async def _remember_choices(turn: Turn, answer: Answer) -> None:
    """Where a channel has no buttons, keep the numbered choices the person was offered."""
    if turn.person is None:
        return
    shown: list[Outbound] = []
    choices: list[str] = []
    for message in answer.messages:
        fitted, offered = present(message, turn.caps, turn.deps.file_link)
        shown.append(fitted)
        choices = offered or choices
    answer.messages = shown
    if choices:
        turn.remember(turn.pending.offering(choices))
