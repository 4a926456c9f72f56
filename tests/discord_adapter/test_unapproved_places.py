"""Moderator commands are refused in a server the operator has not approved (or revoked)."""

from __future__ import annotations

import re

import pytest
import simcord

from bots.bootstrap import App
from core.model import CaseStatus
from tests.discord_adapter.conftest import CREATOR, LINK, case_posts, server

CODE = re.compile(r"LD-[0-9A-Z]{6}")
REFUSED = "only this server's leakdesk moderators"


@pytest.mark.leakdesk_settings(auto_approve_venues=False)
async def test_moderator_commands_are_refused_until_the_operator_approves(
    env: simcord.Env, app: App
) -> None:
    await app.creators.create(CREATOR)  # the operator's `leakdesk creator add alice`
    s = await server(env)
    reported = await s.fan.slash(s.general, "report", link=LINK)
    assert reported.response is not None
    [code] = CODE.findall(reported.response.content)

    for who in (s.mod, s.admin):  # the moderator role and Manage Server alike
        for command, options in (("queue", {}), ("escalate", {"platform": "x"})):
            result = await who.slash(s.general, command, **options)
            assert result.response is not None, command
            assert REFUSED in result.response.content, command
            assert not result.response.embeds and LINK not in result.response.content
            assert code not in result.response.content

    await app.venues.set_approved("discord", str(s.guild.id), True)
    allowed = await s.mod.slash(s.general, "queue")
    assert allowed.response is not None and code in (allowed.response.embeds[0].description or "")


@pytest.mark.leakdesk_settings(auto_approve_venues=False)
async def test_case_buttons_are_refused_once_the_operator_revokes_the_server(
    env: simcord.Env, app: App
) -> None:
    await app.creators.create(CREATOR)  # the operator's `leakdesk creator add alice`
    s = await server(env)
    await app.venues.set_approved("discord", str(s.guild.id), True)
    reported = await s.fan.slash(s.general, "report", link=LINK)
    assert reported.response is not None
    [code] = CODE.findall(reported.response.content)
    [card] = case_posts(s, env, code)
    await app.venues.set_approved("discord", str(s.guild.id), False)

    pressed = await s.mod.click(card, label="Confirm")
    listing = await s.admin.slash(s.general, "queue")

    assert pressed.response is not None and REFUSED in pressed.response.content
    assert listing.response is not None and REFUSED in listing.response.content
    view = await app.cases.get_case(code)
    assert view is not None and view.status is CaseStatus.OPEN
    assert await app.cases.audit_log(code) == []
