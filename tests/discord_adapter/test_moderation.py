"""Moderators: the case card, its buttons (also after a restart), /queue."""

from __future__ import annotations

import re

import pytest
import simcord

from bots.bootstrap import App
from bots.discord import create_bot
from core.model import CaseStatus
from tests.discord_adapter.conftest import (
    LINK,
    SAME_LINK_OTHER_SPELLING,
    SHOWN_LINK,
    Server,
    case_posts,
    field,
    server,
    start_app,
)

CODE = re.compile(r"LD-[0-9A-Z]{6}")


async def report(s: Server, link: str = LINK) -> str:
    """A fan reports ``link`` with /report; returns the case code."""
    result = await s.fan.slash(s.general, "report", link=link)
    assert result.response is not None
    found = CODE.search(result.response.content)
    assert found
    return found.group(0)


async def test_claim_and_confirm_edit_the_card_in_place(env: simcord.Env, app: App) -> None:
    s = await server(env)
    code = await report(s)
    [card] = case_posts(s, env, code)

    claimed = await s.mod.click(card, label="Claim")

    assert claimed.acknowledged
    [after_claim] = case_posts(s, env, code)
    assert after_claim.id == card.id
    assert after_claim.embeds[0].title == f"Case {code}: claimed"
    assert field(after_claim.embeds[0], "Claimed by") == f"<@{s.mod.id}>"
    view = await app.cases.get_case(code)
    assert view is not None and view.status is CaseStatus.CLAIMED
    assert view.claimed_by == f"discord:{s.mod.id}"

    await s.mod.click(after_claim, label="Confirm")

    [after_confirm] = case_posts(s, env, code)
    assert after_confirm.id == card.id
    assert after_confirm.embeds[0].title == f"Case {code}: confirmed"
    view = await app.cases.get_case(code)
    assert view is not None and view.status is CaseStatus.CONFIRMED
    assert [a for _, a, _ in await app.cases.audit_log(code)] == ["claim", "confirm"]
    # claim and confirm no longer apply; escalate now does
    disabled = {
        c["label"]: c.get("disabled", False)
        for row in after_confirm.components
        for c in row.to_dict()["components"]
    }
    assert disabled == {"Claim": True, "Confirm": True, "Dismiss": False, "Escalate": False}


async def test_dismiss_asks_for_a_reason_in_a_modal(env: simcord.Env, app: App) -> None:
    s = await server(env)
    code = await report(s)
    [card] = case_posts(s, env, code)

    shown = await s.mod.click(card, label="Dismiss")

    assert shown.modal is not None and code in shown.modal["title"]
    await s.mod.submit_modal(shown, {"reason": "not the creator"})
    [after] = case_posts(s, env, code)
    assert after.id == card.id
    assert after.embeds[0].title == f"Case {code}: dismissed"
    assert field(after.embeds[0], "Reason") == "not the creator"
    view = await app.cases.get_case(code)
    assert view is not None and view.status is CaseStatus.DISMISSED
    audit = await app.cases.audit_log(code)
    assert audit == [(f"discord:{s.mod.id}", "dismiss", "not the creator")]


async def test_a_non_moderator_pressing_a_button_is_refused(env: simcord.Env, app: App) -> None:
    s = await server(env)
    code = await report(s)
    [card] = case_posts(s, env, code)
    with pytest.raises(simcord.SetupError):  # fans cannot even see the moderator channel
        await s.fan.click(card, label="Claim")

    result = await s.helper.click(card, label="Claim")

    assert result.ephemeral and result.response is not None
    assert "only this server's leakdesk moderators" in result.response.content
    view = await app.cases.get_case(code)
    assert view is not None and view.status is CaseStatus.OPEN
    [after] = case_posts(s, env, code)
    assert after.embeds[0].title == f"Case {code}: open"
    assert await app.cases.audit_log(code) == []


async def test_buttons_and_the_card_survive_a_restart(env: simcord.Env, app: App) -> None:
    s = await server(env)
    code = await report(s)
    [card] = case_posts(s, env, code)
    # a new process: a new app on the same database and a new bot
    app2 = await start_app(app.settings)
    try:
        await env.restart_bot(create_bot(app2.settings, app2, shard_count=1))

        await s.mod.click(card, label="Confirm")

        view = await app2.cases.get_case(code)
        assert view is not None and view.status is CaseStatus.CONFIRMED
        [after] = case_posts(s, env, code)
        assert after.id == card.id and after.embeds[0].title == f"Case {code}: confirmed"

        # a second reporter after the restart: the same card is edited, none is added
        second = s.guild.add_member(env.create_user("second fan"))
        again = await second.slash(s.general, "report", link=SAME_LINK_OTHER_SPELLING)
        assert again.response is not None and code in again.response.content
        [after] = case_posts(s, env, code)
        assert after.id == card.id
        assert field(after.embeds[0], "Reporters") == "2 (2 report(s))"
    finally:
        await app2.close()


async def test_queue_lists_cases_with_links_for_moderators_only(env: simcord.Env, app: App) -> None:
    s = await server(env)
    code = await report(s)

    listing = await s.mod.slash(s.general, "queue")
    refused = await s.fan.slash(s.general, "queue")
    confirmed_only = await s.mod.slash(s.general, "queue", status="confirmed")

    assert listing.ephemeral and listing.response is not None
    [embed] = listing.response.embeds
    assert code in (embed.description or "") and f"`{SHOWN_LINK}`" in (embed.description or "")
    assert refused.ephemeral and refused.response is not None
    assert "only this server's leakdesk moderators" in refused.response.content
    assert not refused.response.embeds
    assert confirmed_only.response is not None
    assert code not in (confirmed_only.response.embeds[0].description or "")
    every = await s.mod.slash(s.general, "queue", status="all")
    assert every.response is not None and code in (every.response.embeds[0].description or "")
