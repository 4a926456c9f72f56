"""/escalate in Discord: a private preview, Confirm writes the packets, forms arrive privately
with Mark sent; without an agent of record the moderator learns what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import simcord

from bots.bootstrap import App
from core.escalation.agent import AgentOfRecord
from tests.discord_adapter.conftest import CREATOR, LINK, Server, bot_messages, case_posts, server

CODE = re.compile(r"LD-[0-9A-Z]{6}")
REDDIT = "https://www.reddit.com/r/x/comments/abc123/t"


@pytest.fixture(autouse=True)
def packets_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Packets go to ``./packets`` by default: run every test in its own folder."""
    monkeypatch.chdir(tmp_path)


async def confirmed_case(s: Server, env: simcord.Env, link: str = LINK) -> str:
    """A fan reports ``link`` and a moderator confirms it; returns the case code."""
    result = await s.fan.slash(s.general, "report", link=link)
    assert result.response is not None
    found = CODE.search(result.response.content)
    assert found
    [card] = case_posts(s, env, found.group(0))
    await s.mod.click(card, label="Confirm")
    return found.group(0)


async def set_agent(app: App) -> None:
    await app.escalations.set_agent(
        AgentOfRecord(CREATOR, signer="Alice Example", email="alice@example.org", jurisdiction="US")
    )


def buttons(message: simcord.ResponseMessage) -> list[str]:
    return [c["label"] for row in message.components for c in row.get("components", [])]


async def test_escalate_from_preview_to_mark_sent(
    env: simcord.Env, app: App, tmp_path: Path
) -> None:
    s = await server(env)
    await set_agent(app)
    on_x = await confirmed_case(s, env)
    on_reddit = await confirmed_case(s, env, REDDIT)

    preview = await s.mod.slash(s.general, "escalate", platform="x")

    assert preview.ephemeral and preview.response is not None
    text = preview.response.content
    assert "X: report under the US TAKE IT DOWN Act (form): 1 URL(s)" in text
    assert LINK not in text and "Reddit" not in text
    assert buttons(preview.response) == ["Confirm", "Cancel"]
    assert not list((tmp_path / "packets").glob("*/*"))  # a preview writes nothing

    confirmed = await s.mod.click(preview.response, label="Confirm")

    assert confirmed.response is not None
    summary = confirmed.response.content
    assert "Escalated 1 case(s) of alice: 1 request(s)" in summary
    assert "1 form(s) to file by hand" in summary
    [folder] = (tmp_path / "packets" / CREATOR).iterdir()
    assert (folder / "summary.json").is_file()
    assert (folder / "x-take-it-down" / "form.txt").is_file()
    form_messages = confirmed.followups
    assert form_messages and all(m.ephemeral for m in form_messages)
    form_text = "\n".join(m.content for m in form_messages)
    assert "https://help.x.com/forms/safety-and-sensitive-content/take-it-down" in form_text
    assert LINK in form_text and on_x in form_text
    labels = re.findall(r"^— (.+) —$", form_text, re.MULTILINE)
    assert labels == [
        "Full name", "Email", "Who is filing", "Statement of authority", "URLs",
        "Statement / description", "Signature",
    ]  # fmt: skip
    assert buttons(form_messages[-1]) == ["Mark sent"]
    # the links never reached a channel others can read
    assert s.mod_channel is not None
    for channel in (s.general, s.mod_channel):
        assert all(LINK not in m.content for m in bot_messages(channel, env))
    [drafted] = await app.tracker.list(CREATOR)
    assert (drafted.case_code, drafted.status) == (on_x, "drafted")

    # ephemeral: only the moderator sees it, nobody else can even press
    with pytest.raises(simcord.SetupError, match="not visible"):
        await s.fan.click(form_messages[-1], label="Mark sent")
    marked = await s.mod.click(form_messages[-1], label="Mark sent")
    again = await s.mod.click(form_messages[-1], label="Mark sent")

    assert marked.response is not None and marked.ephemeral
    assert "Marked sent: 1 escalation(s)" in marked.response.content
    assert on_x in marked.response.content
    [sent] = await app.tracker.list(CREATOR)
    assert sent.status == "sent" and sent.sent_at is not None and sent.deadline_at is not None
    assert again.response is not None and "already marked sent" in again.response.content
    case = await app.cases.get_case(on_x)
    assert case is not None and case.status.value == "escalated"
    untouched = await app.cases.get_case(on_reddit)
    assert untouched is not None and untouched.status.value == "confirmed"


async def test_escalate_button_on_a_card_previews_the_cases_platform(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    await set_agent(app)
    code = await confirmed_case(s, env, REDDIT)
    [card] = case_posts(s, env, code)

    pressed = await s.mod.click(card, label="Escalate")

    assert pressed.ephemeral and pressed.response is not None
    assert "Reddit: report non-consensual intimate media" in pressed.response.content
    assert REDDIT not in pressed.response.content
    cancelled = await s.mod.click(pressed.response, label="Cancel")
    assert cancelled.response is not None
    assert await app.tracker.list(CREATOR) == []


async def test_escalate_without_an_agent_lists_what_is_missing(
    env: simcord.Env, app: App, tmp_path: Path
) -> None:
    s = await server(env)
    await confirmed_case(s, env)

    missing = await s.mod.slash(s.general, "escalate")
    await app.escalations.set_agent(AgentOfRecord(CREATOR, signer="Alice", email="a@example.org"))
    no_country = await s.mod.slash(s.general, "escalate")
    unknown = await s.mod.slash(s.general, "escalate", platform="nowhere")
    refused = await s.fan.slash(s.general, "escalate")

    assert missing.ephemeral and missing.response is not None
    assert "agent of record" in missing.response.content
    assert "leakdesk creator set alice --signer NAME --email EMAIL" in missing.response.content
    assert not missing.response.components
    assert no_country.response is not None
    assert "jurisdiction (google_ncii)" in no_country.response.content
    assert unknown.response is not None and "no recipient known for nowhere" in (
        unknown.response.content
    )
    assert refused.response is not None and "moderators" in refused.response.content
    assert not (tmp_path / "packets").exists()
    assert await app.tracker.list(CREATOR) == []


async def test_moderators_set_the_agent_with_agent_then_escalate(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    await confirmed_case(s, env)

    refused = await s.fan.slash(s.general, "agent", signer="Mallory", email="m@example.org")
    empty = await s.mod.slash(s.general, "agent")
    bad = await s.mod.slash(s.general, "agent", signer="Alice", email="not-an-address")
    agent_without_authority = await s.mod.slash(
        s.general, "agent", signer="Ed Agent", email="ed@example.org", agent_of="Alice"
    )
    assert await app.escalations.agent(CREATOR) is None
    saved = await s.mod.slash(
        s.general, "agent", signer="Alice Example", email="alice@example.org", jurisdiction="us"
    )
    shown = await s.mod.slash(s.general, "agent")
    preview = await s.mod.slash(s.general, "escalate")

    assert refused.response is not None and "moderators" in refused.response.content
    assert empty.response is not None and "no agent of record yet" in empty.response.content
    assert bad.response is not None and "not an email address" in bad.response.content
    assert agent_without_authority.response is not None
    assert "authority" in agent_without_authority.response.content
    assert saved.ephemeral and saved.response is not None and "Saved." in saved.response.content
    assert shown.response is not None and "• jurisdiction: US" in shown.response.content
    agent = await app.escalations.agent(CREATOR)
    assert agent is not None and (agent.signer, agent.jurisdiction) == ("Alice Example", "US")
    assert preview.response is not None and "Confirm" in buttons(preview.response)
