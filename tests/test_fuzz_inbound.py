"""Anything a chat can send: odd, huge, forged or half-missing updates never crash the bot and
never change a unit the sender does not belong to."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Update

from bot.channels.base import Attachment, Inbound
from bot.channels.telegram_mapping import to_inbound
from bot.conversation.core import Conversation
from bot.service import App
from storage.models import Assignment, StatusUpdate, Unit
from storage.vocab import PersonRole
from tests.conversation_kit import PHONE, PLAIN, make_conversation, register
from tests.factories import load_example

UNIT = "Phòng Tư pháp"
FOCAL, STRANGER = "9001", "9002"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ids = st.integers(min_value=-(2**40), max_value=2**40)
words = st.sampled_from(
    ["/status", "/overdue", "/tasks", "/tasks 2", "/update 2.1 xong", "/xong", "/help", "/digest",
     "/invite", "/start", "/start abc", "1", "2", "2.1 xong", "1.1 đang làm 60%", "xong",
     "vướng: chưa có kinh phí", "xin gia hạn 31/12/2023", "1/1/1990", "/khong-co"]
)  # fmt: skip
texts = st.one_of(
    st.none(),
    words,
    st.text(max_size=300),
    st.builds(lambda w, t: f"{w} {t}", words, st.text(max_size=50)),
    st.integers(min_value=4000, max_value=20_000).map(lambda n: "x" * n),
)
forged = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda action, a, p, sig: f"{action}:{a}:{p}:{sig}",
        st.sampled_from(
            [
                "done",
                "progress",
                "blocked",
                "extend",
                "snooze",
                "fix",
                "open",
                "approve",
                "refuse",
                "pick",
            ]
        ),  # fmt: skip
        ids,
        ids,
        st.text(alphabet="0123456789abcdef", max_size=16),
    ),
)
attachments = st.one_of(
    st.none(),
    st.builds(
        Attachment,
        file_id=st.just("f1"),
        kind=st.sampled_from(["photo", "document", "video"]),
        file_name=st.one_of(st.none(), st.text(max_size=300)),
        mime_type=st.one_of(st.none(), st.text(max_size=30)),
        size=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**9)),
    ),
)


@st.composite
def inbounds(draw: st.DrawFn) -> Inbound:
    return Inbound(
        channel="telegram",
        update_id=str(draw(ids)),
        user_id=draw(st.sampled_from([FOCAL, STRANGER])),
        chat_id=draw(st.sampled_from([FOCAL, STRANGER, "-100123"])),
        chat_type=draw(st.sampled_from(["private", "private", "group"])),
        display_name=draw(st.text(max_size=40)),
        text=draw(texts),
        button_data=draw(st.one_of(st.none(), forged)),
        message_id=draw(st.one_of(st.none(), ids.map(str))),
        reply_to_message_id=draw(st.one_of(st.none(), ids.map(str))),
        attachment=draw(attachments),
        sticker=draw(st.booleans()),
    )


async def updates_by_unit(app: App) -> dict[str, int]:
    query = (
        select(Unit.name, func.count(StatusUpdate.id))
        .join(Assignment, Assignment.id == StatusUpdate.assignment_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .group_by(Unit.name)
    )
    async with app.sessions() as session:
        return {name: n for name, n in (await session.execute(query)).all()}


@pytest.fixture
async def convo(app: App, tmp_path: Path) -> Conversation:
    await load_example(app)
    conversation = make_conversation(app, tmp_path)
    await register(app, conversation, FOCAL, UNIT, PersonRole.FOCAL)
    return conversation


@FUZZ
@given(inbound=inbounds(), plain=st.booleans())
async def test_no_inbound_crashes_or_reaches_another_unit(
    app: App, convo: Conversation, inbound: Inbound, plain: bool
) -> None:
    before = await updates_by_unit(app)

    async def download(attachment: Attachment, limit: int) -> bytes:
        return b"%PDF-1.4 fuzz"[: max(limit, 0)]

    answer = await convo.handle(inbound, PLAIN if plain else PHONE, download)
    assert all(isinstance(m.text, str) for m in answer.messages)
    after = await updates_by_unit(app)
    changed = {name for name in after if after[name] != before.get(name, 0)}
    assert changed <= ({UNIT} if inbound.user_id == FOCAL else set())


@FUZZ
@given(inbound=inbounds())
async def test_the_same_update_twice_changes_nothing_more(
    app: App, convo: Conversation, inbound: Inbound
) -> None:
    async def download(attachment: Attachment, limit: int) -> bytes:
        return b"x"

    first = await updates_by_unit(app)
    await convo.handle(inbound, PHONE, download)
    before = await updates_by_unit(app)
    again = await convo.handle(inbound, PHONE, download)
    assert await updates_by_unit(app) == before
    if before != first:  # it was recorded: the replay is not even answered
        assert again.messages == []


def users() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"id": ids, "is_bot": st.booleans(), "first_name": st.text(max_size=20)},
        optional={"last_name": st.text(max_size=20), "username": st.text(max_size=20)},
    )


def chats() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"id": ids, "type": st.sampled_from(["private", "group", "supergroup", "channel"])}
    )


def messages() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"message_id": ids, "date": st.integers(0, 2**31), "chat": chats()},
        optional={
            "from": users(),
            "text": st.text(max_size=200),
            "caption": st.text(max_size=50),
            "photo": st.lists(
                st.fixed_dictionaries(
                    {
                        "file_id": st.text(min_size=1, max_size=10),
                        "file_unique_id": st.just("u"),
                        "width": st.integers(0, 5000),
                        "height": st.integers(0, 5000),
                    },  # fmt: skip
                    optional={"file_size": st.integers(0, 10**9)},
                ),
                max_size=3,
            ),
            "document": st.fixed_dictionaries(
                {"file_id": st.text(min_size=1, max_size=10), "file_unique_id": st.just("u")},
                optional={"file_name": st.text(max_size=50), "file_size": st.integers(0, 10**9)},
            ),
            "sticker": st.fixed_dictionaries(
                {
                    "file_id": st.just("s"),
                    "file_unique_id": st.just("u"),
                    "type": st.just("regular"),
                    "width": st.just(1),
                    "height": st.just(1),
                    "is_animated": st.just(False),
                    "is_video": st.just(False),
                }  # fmt: skip
            ),
        },
    )


raw_updates = st.fixed_dictionaries(
    {"update_id": ids},
    optional={
        "message": messages(),
        "edited_message": messages(),
        "channel_post": messages(),
        "callback_query": st.fixed_dictionaries(
            {"id": st.text(max_size=10), "from": users(), "chat_instance": st.just("c")},
            optional={"data": st.text(max_size=100), "message": messages()},
        ),
        "poll": st.just({"id": "p"}),  # a type the bot does not take: ignored
    },
)


@settings(max_examples=300, deadline=None)
@given(data=raw_updates)
def test_any_update_telegram_can_send_maps_or_is_ignored(data: dict[str, Any]) -> None:
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError):
        return  # PTB itself refuses a shape Telegram never sends
    inbound = to_inbound(update)
    if inbound is not None:
        assert inbound.update_id == str(data["update_id"]) and inbound.user_id
