"""Fit an answer to what the channel can show: buttons, or numbered choices where there are none."""

from collections.abc import Callable
from dataclasses import replace

from bot.channels.base import Capabilities, Outbound
from bot.texts import chat as t

FileLink = Callable[[str], str | None]  # a file's signed download link, if it can have one


def no_links(_path: str) -> str | None:
    return None


def present(
    message: Outbound, caps: Capabilities, file_link: FileLink = no_links
) -> tuple[Outbound, list[str]]:
    """The message as this channel shows it, and the button payloads numbered 1..n (if any).

    A file the channel cannot carry becomes a link to it, or, without a public address, the
    place where the service wrote it."""
    if message.file_path and not caps.files:
        link = file_link(message.file_path)
        if link:
            text = t.FILE_LINK.format(text=message.text, link=link)
        else:
            text = t.FILE_AT.format(text=message.text, path=message.file_path)
        message = replace(message, text=text, file_path=None)
    if caps.buttons or not message.buttons:
        return message, []
    flat = [button for row in message.buttons for button in row]
    if all(b.data.startswith(("open:", "pick:")) for b in flat):
        hint = t.PICK_BY_NUMBER.format(last=len(flat))  # the list above is already numbered
    else:
        choices = " · ".join(f"{i} {b.label}" for i, b in enumerate(flat, start=1))
        hint = t.NUMBERED_HINT.format(choices=choices)
    if any(b.data.startswith(("done:", "progress:")) for b in flat):
        hint += "\n" + t.FREE_TEXT_HINT
    return replace(message, text=f"{message.text}\n{hint}", buttons=()), [b.data for b in flat]
