"""Issue 11 abuse controls through discord.py and simcord: a server's own rate window, the
creators' allow-list, and ``/leakdesk setup`` never creating a creator."""

from __future__ import annotations

import re

import pytest
import simcord

from bots.bootstrap import App
from core.allowlist import allowed_page
from tests.discord_adapter.conftest import CREATOR, server

CODE = re.compile(r"LD-[0-9A-Z]{6}")
OWN = "https://onlyfans.com/alicecreates"


@pytest.mark.leakdesk_settings(place_rate="1/minute")
async def test_a_server_over_its_window_is_refused_whoever_reports(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    first = await s.fan.slash(s.general, "report", link="https://x.com/a/status/1")
    second = await s.helper.slash(s.general, "report", link="https://x.com/a/status/2")

    assert first.response is not None and CODE.search(first.response.content)
    assert second.ephemeral and second.response is not None
    text = second.response.content
    assert "A lot of reports are coming from this server or group" in text
    assert "try again in 60 s" in text and not CODE.search(text)
    assert not text.startswith("Slow down")  # not the fan's own limit
    assert sum((await app.cases.count_cases(CREATOR)).values()) == 1


async def test_the_creators_own_page_gets_a_kind_word_and_no_case(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    await app.creators.create(CREATOR, "Alice")
    assert app.allowlist_store is not None and app.allowlist is not None
    await app.allowlist_store.add(allowed_page(CREATOR, OWN))
    await app.allowlist.refresh(force=True)

    result = await s.fan.slash(s.general, "report", link=f"{OWN}/posts/3")

    assert result.ephemeral and result.response is not None
    assert result.response.content.startswith(
        "That is one of Alice's own official pages, not a leak"
    )
    assert not CODE.search(result.response.content)
    assert await app.cases.count_cases(CREATOR) == {}


@pytest.mark.leakdesk_settings(auto_approve_venues=False)
async def test_setup_never_creates_a_creator(env: simcord.Env, app: App) -> None:
    s = await server(env, creator="mallory")

    response = s.setup_result.response
    assert response is not None and s.setup_result.ephemeral
    assert "There is no creator called **mallory** here, so nothing was set up" in (
        response.content
    )
    assert "`leakdesk creator add mallory`" in response.content
    assert not await app.creators.exists("mallory")
    assert await app.venues.get("discord", str(s.guild.id)) is None

    # once the operator created it, the same setup binds and waits for approval
    await app.creators.create("mallory")
    again = await s.admin.slash(s.general, "leakdesk setup", creator="mallory", mod_role=s.mod_role)
    assert again.response is not None and "this server protects **mallory**" in (
        again.response.content
    )
    venue = await app.venues.get("discord", str(s.guild.id))
    assert venue is not None and venue.creator == "mallory" and not venue.approved
