"""The console channel: the same conversation in a terminal, buttons as numbered choices."""

import asyncio
import sys
import uuid
from typing import TextIO

from bot.channels.base import (
    Attachment,
    Capabilities,
    ChannelError,
    Inbound,
    InboundHandler,
    NotStored,
    Outbound,
    Sent,
)
from bot.texts import chat as words

QUIT = ("/thoat", "/quit", "/exit")


class ConsoleChannel:
    name = "console"
    capabilities = Capabilities(buttons=False, max_text=100_000, files=False, edits=True)

    def __init__(
        self,
        user_id: str,
        display_name: str,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.user_id, self.display_name = user_id, display_name
        # Looked up when the channel is made, not when this module was imported.
        self._in, self._out = stdin or sys.stdin, stdout or sys.stdout
        self._task: asyncio.Task[None] | None = None
        self._sent = 0
        self.finished = asyncio.Event()

    def invite_link(self, code: str) -> str | None:  # noqa: ARG002 (the protocol's signature)
        return None  # a terminal has no links: the person types `/start CODE`

    def is_group(self, chat_id: str) -> bool:  # noqa: ARG002 (the protocol's signature)
        return False  # one person at one terminal

    async def start(self, handler: InboundHandler) -> None:
        self._task = asyncio.create_task(self._read(handler))

    async def watch(self) -> None:
        """Never ends by itself: the end of input sets `finished`, which stops the service."""
        await asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.finished.set()

    async def send(self, chat_id: str, message: Outbound) -> Sent:  # noqa: ARG002
        self._sent += 1
        self._show(message)
        if message.edit_message_id:
            return Sent(message_id=message.edit_message_id)
        return Sent(message_id=f"console-{uuid.uuid4().hex[:12]}")

    async def download(self, attachment: Attachment, limit: int) -> bytes:  # noqa: ARG002
        raise ChannelError("the console cannot receive files")

    async def _read(self, handler: InboundHandler) -> None:
        try:
            while True:
                line = await asyncio.to_thread(self._in.readline)
                if not line or line.strip() in QUIT:
                    return
                if not line.strip():
                    continue
                try:
                    answer = await handler(self._inbound(line.rstrip("\n")))
                except NotStored:  # no platform here to offer it again: the person retypes it
                    self._write(words.NOT_STORED_TYPE_AGAIN)
                    continue
                for message in answer.messages:
                    self._show(message)
        finally:
            self.finished.set()

    def _inbound(self, text: str) -> Inbound:
        return Inbound(
            channel=self.name,
            update_id=uuid.uuid4().hex,
            user_id=self.user_id,
            chat_id=self.user_id,
            display_name=self.display_name,
            text=text,
            message_id=uuid.uuid4().hex[:12],
        )

    def _show(self, message: Outbound) -> None:
        """A terminal cannot change what it printed: an edit is printed again, marked."""
        edited = message.edit_message_id is not None
        self._write(words.EDITED.format(text=message.text) if edited else message.text)

    def _write(self, text: str) -> None:
        self._out.write(text + "\n\n")
        self._out.flush()
