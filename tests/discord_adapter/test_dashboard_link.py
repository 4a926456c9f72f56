"""/dashboard in Discord: a one-time sign-in link shown only to the moderator who asked."""

from __future__ import annotations

import re

import pytest
import simcord

from bots.bootstrap import App
from db.web_auth import SqlWebAuth
from tests.discord_adapter.conftest import CREATOR, bot_messages, server

LINK = re.compile(r"https://desk\.example\.org/signin\?token=([\w-]+)")


async def test_a_moderator_gets_a_private_one_time_link(
    env: simcord.Env, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKDESK_WEB_URL", "https://desk.example.org/")
    s = await server(env)
    asked = await s.mod.slash(s.general, "dashboard")
    assert asked.ephemeral and asked.response is not None
    found = LINK.search(asked.response.content)
    assert found, asked.response.content
    moderator, creator = await SqlWebAuth(app.engine).peek_link(found.group(1))
    assert (moderator, creator) == (f"discord:{s.mod.user.id}", CREATOR)
    for channel in (s.general, s.mod_channel):
        assert channel is not None
        assert not any(found.group(1) in m.content for m in bot_messages(channel, env))

    fan = await s.fan.slash(s.general, "dashboard")
    assert fan.ephemeral and fan.response is not None
    assert "moderators" in fan.response.content and "token=" not in fan.response.content


async def test_without_a_dashboard_url_the_moderator_is_told(
    env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEAKDESK_WEB_URL", raising=False)
    monkeypatch.delenv("LEAKDESK_WEB_PORT", raising=False)
    s = await server(env)
    asked = await s.mod.slash(s.general, "dashboard")
    assert asked.response is not None and "LEAKDESK_WEB_URL" in asked.response.content
    assert "token=" not in asked.response.content
