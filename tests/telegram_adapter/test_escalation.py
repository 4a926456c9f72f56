"""/escalate in Telegram: a preview (counts, no links) with Confirm in the moderator group, mails
sent to a loopback SMTP server, each form in a DM to the moderator with Mark sent; without an
agent of record the group learns what is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bots.bootstrap import App
from bots.telegram.callbacks import encode
from core.escalation.agent import AgentOfRecord
from tests.escalation.smtp_server import SmtpServer
from tests.telegram_adapter.conftest import ADMIN, FAN, MOD, OUTSIDER, bind_mod_group, codes_in
from tests.telegram_adapter.fake_bot_api import Call, FakeBotApi
from tests.telegram_adapter.updates import (
    callback,
    group_chat,
    message,
    private_chat,
    update_message,
    user,
)

ON_X = "https://x.com/leaker/status/4242"
ON_TELEGRAM = "https://t.me/leakchannel/77"
CREATOR = "default"


@pytest.fixture(autouse=True)
def packets_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Packets go to ``./packets`` by default: run every test in its own folder."""
    monkeypatch.chdir(tmp_path)


def in_mod_group(user_id: int, text: str) -> dict[str, Any]:
    return update_message(message(group_chat(MOD, "Mods"), user(user_id, "Mo"), text))


def buttons(call: Call) -> dict[str, str]:
    rows = (call.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def said(fake: FakeBotApi, chat_id: int, start: str) -> list[Call]:
    """Messages to ``chat_id`` beginning with ``start`` (waits for the first)."""
    return await fake.wait_for(
        lambda: [c for c in fake.calls_to("sendMessage", chat_id=chat_id)
                 if c["text"].startswith(start)]
    )  # fmt: skip


async def confirmed(fake: FakeBotApi, link: str) -> str:
    """A fan reports ``link`` privately and the admin confirms it; the case code."""
    before = len(fake.calls_to("sendMessage", chat_id=FAN))
    await fake.push(update_message(message(private_chat(FAN), user(FAN), link)))
    reply = await fake.wait_call("sendMessage", count=before + 1, chat_id=FAN)
    (code,) = codes_in(reply[-1]["text"])
    # the new-case card (with its link) reaches the group asynchronously: let it land first
    await fake.wait_for(
        lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD) if code in c["text"]]
    )
    await fake.push(in_mod_group(ADMIN, f"/confirm {code}"))
    await said(fake, MOD, f"confirmed: {code}")
    return code


async def set_agent(app: App) -> None:
    await app.escalations.set_agent(
        AgentOfRecord(CREATOR, signer="Dee Fault", email="dee@example.org", jurisdiction="US")
    )


async def test_escalate_sends_mail_and_dms_forms_until_marked_sent(
    fake: FakeBotApi, bot: Any, sqlite_app: App, tmp_path: Path
) -> None:
    await bind_mod_group(sqlite_app, fake)
    await set_agent(sqlite_app)
    x_case = await confirmed(fake, ON_X)
    tg_case = await confirmed(fake, ON_TELEGRAM)

    with SmtpServer() as smtp:
        sqlite_app.settings.smtp_url = smtp.url
        await fake.push(in_mod_group(ADMIN, "/escalate"))
        [preview] = await said(fake, MOD, "Escalating 2 confirmed case(s) of default")
        text = preview["text"]
        assert "Telegram: abuse mail (public channels and groups only) (email): 1 URL(s)" in text
        assert "X: report under the US TAKE IT DOWN Act (form): 1 URL(s)" in text
        assert "Google Search: remove non-consensual explicit images (form): 2 URL(s)" in text
        assert ON_X not in text and ON_TELEGRAM not in text
        assert set(buttons(preview)) == {"Confirm", "Cancel"}

        await fake.push(callback(user(OUTSIDER), preview.result, buttons(preview)["Confirm"]))
        refusal = await fake.wait_call("answerCallbackQuery")
        assert "moderators" in refusal[0]["text"] and refusal[0]["show_alert"]
        assert await sqlite_app.tracker.list(CREATOR) == []

        await fake.push(callback(user(ADMIN, "Mo"), preview.result, buttons(preview)["Confirm"]))
        await said(fake, MOD, "2 form(s) sent to Mo privately")
        assert len(smtp.inbox.messages) == 1

    [mail] = smtp.inbox.messages
    assert mail["To"] == "abuse@telegram.org" and ON_TELEGRAM in mail.get_payload()
    summary = fake.calls_to("editMessageText", chat_id=MOD)[-1]
    assert summary["text"].startswith("Escalated 2 case(s) of default: 3 request(s)")
    assert "Mail: 1 sent, 0 to retry, 0 refused." in summary["text"]
    assert not buttons(summary)  # no second Confirm
    [folder] = (tmp_path / "packets" / CREATOR).iterdir()
    assert len(json.loads((folder / "summary.json").read_text())["requests"]) == 3
    group_calls = fake.calls_to("sendMessage", chat_id=MOD)
    since_preview = [*group_calls[group_calls.index(preview) :], summary]
    for call in since_preview:  # the links go to the moderator privately, not to the group
        assert ON_X not in call["text"] and ON_TELEGRAM not in call["text"]

    forms = [c for c in fake.calls_to("sendMessage", chat_id=ADMIN) if "Mark sent" in buttons(c)]
    assert len(forms) == 2 and all(c["protect_content"] for c in forms)
    x_form = next(c for c in forms if c["text"].startswith("X: report"))
    assert "open https://help.x.com/forms/safety-and-sensitive-content/take-it-down" in (
        x_form["text"]
    )
    assert ON_X in x_form["text"] and ON_TELEGRAM not in x_form["text"]
    assert x_form["text"].index("— Full name —") < x_form["text"].index("— Signature —")
    by_recipient = {e.recipient: e for e in await sqlite_app.tracker.list(CREATOR)}
    assert by_recipient["telegram-abuse"].status == "sent"  # the mail went out
    assert by_recipient["x-take-it-down"].status == "drafted"

    await fake.push(callback(user(ADMIN), x_form.result, buttons(x_form)["Mark sent"]))
    [marked] = await said(fake, ADMIN, "Marked sent: 1 escalation(s)")
    assert x_case in marked["text"] and ON_X not in marked["text"]
    by_recipient = {e.recipient: e for e in await sqlite_app.tracker.list(CREATOR)}
    assert by_recipient["x-take-it-down"].status == "sent"
    assert [e.status for e in await sqlite_app.tracker.list(CREATOR)].count("drafted") == 2
    case = await sqlite_app.cases.get_case(x_case)
    assert case is not None and case.status.value == "escalated"
    assert tg_case in {e.case_code for e in by_recipient.values()}

    fake.members[(MOD, ADMIN)] = "member"  # no longer an admin: the button refuses
    await fake.push(callback(user(ADMIN), x_form.result, buttons(x_form)["Mark sent"]))
    await fake.wait_for(
        lambda: [c for c in fake.calls_to("answerCallbackQuery") if "moderators" in c["text"]][1:]
    )


async def test_escalate_without_an_agent_says_what_is_missing(
    fake: FakeBotApi, bot: Any, sqlite_app: App, tmp_path: Path
) -> None:
    await bind_mod_group(sqlite_app, fake)
    await confirmed(fake, ON_X)

    await fake.push(in_mod_group(ADMIN, "/escalate x"))
    [blocked] = await said(fake, MOD, "Cannot escalate yet")

    assert "agent of record" in blocked["text"]
    assert "leakdesk creator set default --signer NAME --email EMAIL" in blocked["text"]
    assert not buttons(blocked)
    assert not (tmp_path / "packets").exists()


async def test_cancel_writes_nothing_and_the_case_button_previews_its_platform(
    fake: FakeBotApi, bot: Any, sqlite_app: App, tmp_path: Path
) -> None:
    await bind_mod_group(sqlite_app, fake)
    await set_agent(sqlite_app)
    code = await confirmed(fake, ON_X)
    post = next(c for c in fake.calls_to("sendMessage", chat_id=MOD) if code in c["text"])

    await fake.push(callback(user(ADMIN), post.result, encode("escalate", code)))
    [preview] = await said(fake, MOD, "Escalating 1 confirmed case(s) of default on x")
    await fake.push(callback(user(ADMIN), preview.result, buttons(preview)["Cancel"]))
    await fake.wait_for(
        lambda: [c for c in fake.calls_to("editMessageText", chat_id=MOD)
                 if c["text"].startswith("Escalation cancelled")]
    )  # fmt: skip

    assert await sqlite_app.tracker.list(CREATOR) == []
    assert not (tmp_path / "packets").exists()


async def test_agent_command_sets_the_agent_of_record(
    fake: FakeBotApi, bot: Any, sqlite_app: App
) -> None:
    await bind_mod_group(sqlite_app, fake)

    await fake.push(in_mod_group(OUTSIDER, "/agent signer=Mallory email=m@example.org"))
    await said(fake, MOD, "⚠")
    await fake.push(in_mod_group(ADMIN, '/agent signer="Dee Fault" email=dee@example.org '
                                        "jurisdiction=us owns_content=yes"))  # fmt: skip
    [saved] = await said(fake, MOD, "Saved. Agent of record of default")
    await fake.push(in_mod_group(ADMIN, "/agent signer"))
    [usage] = await said(fake, MOD, "⚠ usage: /agent")

    assert "• signer: Dee Fault" in saved["text"] and "• jurisdiction: US" in saved["text"]
    assert "owns_content: True" in saved["text"] and usage
    agent = await sqlite_app.escalations.agent(CREATOR)
    assert agent is not None
    assert (agent.signer, agent.email, agent.owns_content) == ("Dee Fault", "dee@example.org", True)
