"""Pictures reported from Discord: read into memory with a size cap, never reposted.

The tests of picture-only reports need image intake in the core (being integrated): until
then the core answers "no link found in the report" and they fail on the case-code check.
"""

from __future__ import annotations

import io
import random
import re

import pytest
import simcord
from PIL import Image

from bots.bootstrap import App
from tests.discord_adapter.conftest import LINK, bot_messages, server

CODE = re.compile(r"LD-[0-9A-Z]{6}")


def picture(seed: int = 1) -> bytes:
    """A small, real, textured PNG, as a fan's screenshot would be (deterministic per seed)."""
    rng = random.Random(seed)
    blocks = Image.new("RGB", (16, 16))
    blocks.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(16 * 16)])
    out = io.BytesIO()
    blocks.resize((256, 256), Image.Resampling.BILINEAR).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.leakdesk_settings(fetch_max_bytes=1000)
async def test_oversized_and_non_media_files_are_skipped_and_said_so(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    posted = await s.fan.send(
        s.general,
        f"leak {LINK}",
        attachments=[("big.png", b"\x89PNG" + b"0" * 5000), ("notes.txt", b"hello")],
    )

    shown = await s.mod.context_menu(s.general, "Report leak", posted)
    result = await s.mod.submit_modal(shown, {})

    assert result.ephemeral and result.response is not None
    text = result.response.content
    assert CODE.search(text)
    assert "2 file(s) not checked" in text and "larger than" in text
    assert "not a picture or video" in text


async def test_report_command_with_only_a_picture(env: simcord.Env, app: App) -> None:
    s = await server(env)

    result = await s.fan.slash(s.general, "report", image=("leak.png", picture()))

    assert result.ephemeral and result.response is not None
    assert CODE.search(result.response.content), result.response.content
    assert bot_messages(s.general, env) == []


async def test_report_leak_menu_on_a_message_with_only_a_picture(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    posted = await s.fan.send(s.general, "", attachments=[("leak.png", picture(2))])

    shown = await s.mod.context_menu(s.general, "Report leak", posted)
    assert shown.modal is not None
    result = await s.mod.submit_modal(shown, {"note": "reposted from a forum"})

    assert result.ephemeral and result.response is not None
    assert CODE.search(result.response.content), result.response.content


async def test_dm_with_only_a_picture(env: simcord.Env, app: App) -> None:
    fan = env.create_user("dm fan")
    # simcord's send_dm takes stored attachment payloads (no public upload helper for DMs)
    files = env.backend.store_attachments(fan.dm_channel.id, [("leak.png", picture(3))])
    await fan.send_dm("", attachments=files)

    reply = fan.dm_channel.last_message
    assert reply is not None and reply.author.id == env.bot.user.id
    assert CODE.search(reply.content), reply.content
