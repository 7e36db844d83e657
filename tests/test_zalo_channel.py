"""The Zalo channel's pieces: reading updates, the run command's choice of channels, file
links, and polling that cannot resume."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.base import ChannelDown, Inbound
from bot.channels.zalo_mapping import Unsupported, to_inbound, unwrap
from bot.cli.run import token_channels
from bot.service import App, build_web_server
from bot.web.links import FileLinks
from storage.vocab import PersonRole
from tests.factories import invite_code, load_example
from tests.fakes.clock import ManualClock
from tests.fakes.zalo_api import FakeZaloApi, ZaloUser
from tests.zalo_kit import running_zalo

LAN = ZaloUser("zl-7001", "Nguyễn Thị Lan")

ANH = ZaloUser("u1", "Anh", name_key="first_name")


def test_updates_become_inbound_values() -> None:
    api = FakeZaloApi()
    text = to_inbound(api.update(ANH, "message.text.received", text="xong", message_id="m1"))
    assert isinstance(text, Inbound)
    assert (text.update_id, text.user_id, text.display_name, text.text) == (
        "m1",
        "u1",
        "Anh",
        "xong",
    )
    group = to_inbound(api.update(ANH, "message.text.received", text="x", chat_type="GROUP"))
    assert isinstance(group, Inbound) and group.chat_type == "group"
    sticker = to_inbound(api.update(ANH, "message.sticker.received", sticker="s"))
    assert isinstance(sticker, Inbound) and sticker.sticker
    photo = to_inbound(api.update(ANH, "message.image.received", photo="https://p/1.jpg"))
    assert (
        isinstance(photo, Inbound)
        and photo.attachment
        and photo.attachment.file_id.endswith("1.jpg")
    )
    assert to_inbound(api.update(ANH, "message.unsupported.received")) == Unsupported(
        "u1", "message.unsupported.received"
    )
    assert to_inbound({"event_name": "message.text.received"}) == Unsupported(
        None, "message.text.received"
    )
    assert unwrap({"ok": True, "result": {"event_name": "x"}}) == {"event_name": "x"}


def test_run_picks_the_channels_whose_tokens_are_set(app: App) -> None:
    zalo_only = replace(app, settings=replace(app.settings, zalo_bot_token="1:zalo-token"))
    [only] = token_channels(zalo_only, build_web_server(zalo_only.settings))
    assert only.name == "zalo" and not only.capabilities.files
    both = replace(
        zalo_only,
        settings=replace(
            zalo_only.settings,
            telegram_bot_token="123456789:AAFakeTokenForTestsOnly-abcdefghijklmn",
        ),
    )
    assert [c.name for c in token_channels(both, build_web_server(both.settings))] == [
        "telegram",
        "zalo",
    ]


def test_links_only_name_files_under_the_digest_folder(tmp_path: Path) -> None:
    root = tmp_path / "digests"
    root.mkdir()
    (root / "a.png").write_bytes(b"png")
    links = FileLinks(
        key=b"k" * 32,
        root=root,
        base_url="https://x.vn",
        clock=ManualClock(),
        ttl=timedelta(days=7),
    )
    assert links.link(str(root / "a.png")).startswith("https://x.vn/tep/")  # type: ignore[union-attr]
    assert links.link(str(tmp_path / "button.key")) is None
    assert links.link(str(root / ".." / "button.key")) is None


async def test_polling_with_a_revoked_token_takes_the_channel_down(
    app: App, clock: ManualClock
) -> None:
    async with running_zalo(app, clock) as bot:
        bot.api.revoke_token()
        with pytest.raises(ChannelDown, match="cannot resume"):
            await bot.channel.watch()


async def test_polling_errors_are_logged_and_polling_goes_on(
    app: App, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await load_example(app)
    async with running_zalo(app, clock) as bot:
        bot.api.fail_polls(502, 429, "drop", 500)
        started = clock.now()
        code = await invite_code(app, "Phòng Tư pháp", PersonRole.FOCAL)
        await bot.api.user_sends(LAN, code)
        [welcome] = await bot.api.next_messages(LAN.id, within=30)
        assert "Phòng Tư pháp" in welcome  # polling came back after every fault
        assert clock.now() > started  # and it backed off (on the test clock) between them
    failures = [r for r in caplog.records if r.name.startswith("bot.channels.zalo")]
    assert len([r for r in failures if r.levelname == "WARNING"]) >= 4
