"""Driving the conversation as people would (PTB's build_messages style); data comes from
tests/factories.py."""

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bot.channels.base import Answer, Attachment, Capabilities, Inbound, Outbound
from bot.conversation.core import Conversation
from bot.service import App, build_deps
from storage.db import transaction
from storage.models import Assignment, Task, Unit
from storage.vocab import PersonRole
from tests import factories
from tests.factories import invite_code

PHONE = Capabilities(
    buttons=True, max_text=4096, files=True, html=True, replies=True, edits=True
)  # Telegram
PLAIN = Capabilities(buttons=False, max_text=2000, files=False)
# Zalo as the conversation sees it: no buttons, no replies, no files, 2,000 characters.
ZALO_CAPS = Capabilities(buttons=False, max_text=2000, files=False, html=False)
_ids = itertools.count(1000)


def make_conversation(app: App, tmp_path: Path) -> Conversation:
    """The conversation as the service builds it: the real calendar, snooze and digest kit."""
    return Conversation(build_deps(app, []))


@dataclass
class Person:
    """A person on a phone, talking to the conversation."""

    conversation: Conversation
    user_id: str
    name: str = "Nguyễn Thị Lan"
    caps: Capabilities = PHONE
    files: dict[str, bytes] = field(default_factory=dict)
    channel: str = "telegram"

    def inbound(self, **fields: object) -> Inbound:
        values = {
            "channel": self.channel,
            "update_id": str(next(_ids)),
            "user_id": self.user_id,
            "chat_id": self.user_id,
            "display_name": self.name,
            "message_id": str(next(_ids)),
            **fields,
        }
        return Inbound(**values)  # type: ignore[arg-type]

    async def send(self, text: str | None = None, **fields: object) -> Answer:
        return await self.conversation.handle(
            self.inbound(text=text, **fields), self.caps, self._download
        )

    async def press(self, data: str, **fields: object) -> Answer:
        return await self.send(button_data=data, **fields)

    async def choose(self, answer: Answer, number: int) -> Answer:
        """The `number`-th choice of an answer: its button where there are buttons, else the
        number typed (as the answer's numbered hint says)."""
        if not self.caps.buttons:
            return await self.send(str(number))
        flat = [b for m in answer.messages for row in m.buttons for b in row]
        return await self.press(flat[number - 1].data)

    async def send_file(self, data: bytes, name: str, **fields: object) -> Answer:
        file_id = f"f{next(_ids)}"
        self.files[file_id] = data
        attachment = Attachment(
            file_id=file_id,
            kind="document",
            file_name=name,
            mime_type="application/pdf",
            size=len(data),
        )
        return await self.send(attachment=attachment, **fields)

    async def _download(self, attachment: Attachment, limit: int) -> bytes:
        data = self.files[attachment.file_id]
        assert len(data) <= limit
        return data


def text_of(answer: Answer) -> str:
    """What the person reads as new messages (edits of earlier ones left out)."""
    return "\n".join(m.text for m in answer.messages if m.edit_message_id is None)


def edits_of(answer: Answer) -> list[Outbound]:
    """The earlier messages the answer rewrites."""
    return [m for m in answer.messages if m.edit_message_id is not None]


def button(answer: Answer, label: str) -> str:
    for message in answer.messages:
        for row in message.buttons:
            for b in row:
                if b.label == label:
                    return b.data
    raise AssertionError(f"no button {label!r} in {answer}")


async def register(
    app: App, conversation: Conversation, user_id: str, unit: str | None, role: PersonRole
) -> Person:
    person = Person(conversation, user_id)
    answer = await person.send(f"/start {await invite_code(app, unit, role)}")
    assert "đã được đăng ký" in text_of(answer)
    return person


async def assignment_of(app: App, code: str, unit: str) -> Assignment:
    async with app.sessions() as session:
        query = (
            select(Assignment)
            .join(Task)
            .join(Unit)
            .where(Task.code == code, Unit.name == unit)
            .order_by(Assignment.deadline)
        )
        return (await session.execute(query)).scalars().first()  # type: ignore[return-value]


async def deliver_reminder(
    app: App,
    assignment: Assignment,
    person_id: int,
    message_id: str,
    channel: str | None = None,
) -> None:
    """As if the delivery worker had sent a reminder (now) that the person can reply to."""
    async with transaction(app.sessions) as session:
        await factories.outbox(
            session,
            dedupe_key=f"test:{assignment.id}:{message_id}",
            person_id=person_id,  # type: ignore[arg-type]
            kind="before_3d",
            assignment_id=assignment.id,
            status="sent",
            message_id=message_id,
            sent_at=app.clock.now(),
            channel=channel,
        )
