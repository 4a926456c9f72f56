"""The moderator group: /bind, case posts (once, edited in place), buttons, dismiss, escalate
previews (the whole escalation flow: test_escalation.py)."""

from __future__ import annotations

from typing import Any

from bots.bootstrap import build_app
from core.escalation.agent import AgentOfRecord
from core.model import Actor, CaseStatus, Origin, ReporterRef
from handlers import IncomingMessage, ReportReceived
from tests.telegram_adapter.conftest import (
    ADMIN,
    FAN,
    FAN2,
    FAN3,
    GROUP,
    MOD,
    OUTSIDER,
    bind_mod_group,
    codes_in,
    running_bot,
)
from tests.telegram_adapter.fake_bot_api import Call, FakeBotApi
from tests.telegram_adapter.updates import (
    callback,
    group_chat,
    message,
    private_chat,
    update_message,
    user,
)

LEAK = "https://leak.example/c/3"


def dm(user_id: int, text: str) -> dict[str, Any]:
    """``user_id`` writes ``text`` to the bot privately."""
    return update_message(message(private_chat(user_id), user(user_id), text))


def in_mod_group(user_id: int, text: str, **extra: Any) -> dict[str, Any]:
    """``user_id`` writes ``text`` in the moderator group."""
    return update_message(message(group_chat(MOD, "Mods"), user(user_id), text, **extra))


def buttons(call: Call) -> dict[str, str]:
    """Button label -> callback_data of a sent or edited message."""
    rows = (call.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def report_and_get_post(fake: FakeBotApi, user_id: int = FAN,
                              link: str = LEAK) -> tuple[str, Call]:
    """A fan reports ``link`` privately; the case code and its post in the moderator group."""
    before = len(fake.calls_to("sendMessage", chat_id=user_id))
    await fake.push(dm(user_id, link))
    reply = await fake.wait_call("sendMessage", count=before + 1, chat_id=user_id)
    (code,) = codes_in(reply[-1]["text"])
    posts = await fake.wait_for(lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                         if code in c["text"]])
    return code, posts[0]


async def test_bind_needs_a_group_admin_and_protects_an_existing_moderator_group(
    fake, bot, sqlite_app
):
    other = -1003000
    fake.members[(MOD, ADMIN)] = "administrator"
    fake.members[(other, OUTSIDER)] = "creator"
    await fake.push(in_mod_group(OUTSIDER, "/bind alice"))
    refusal = (await fake.wait_call("sendMessage", chat_id=MOD))[0]["text"]
    assert "Only this group's admins" in refusal
    assert await sqlite_app.venues.get("telegram", str(MOD)) is None

    await fake.push(in_mod_group(ADMIN, "/bind@leakdesk_test_bot alice"))
    bound = (await fake.wait_call("sendMessage", count=2, chat_id=MOD))[-1]["text"]
    assert "alice's moderator group" in bound and "t.me/leakdesk_test_bot?start=alice" in bound
    venue = await sqlite_app.venues.get("telegram", str(MOD))
    assert venue is not None and venue.is_mod_venue and venue.mod_channel_id == str(MOD)
    assert venue.creator == "alice"

    await fake.push(update_message(message(group_chat(other), user(OUTSIDER), "/bind alice")))
    taken = (await fake.wait_call("sendMessage", chat_id=other))[0]["text"]
    assert "already has a moderator group" in taken
    assert await sqlite_app.venues.get("telegram", str(other)) is None


async def test_new_case_is_posted_once_with_link_and_keyboard_then_edited_even_after_restart(
    fake, sqlite_app
):
    await bind_mod_group(sqlite_app, fake)
    async with running_bot(fake, sqlite_app):
        code, post = await report_and_get_post(fake, FAN)

        assert LEAK in post["text"] and "1 reporter " in post["text"]
        assert post.get("protect_content") is True
        assert post["link_preview_options"] == {"is_disabled": True}
        keys = buttons(post)
        assert set(keys) == {"Claim", "Confirm", "Dismiss", "Escalate"}
        assert all(d.startswith("ld:") and len(d.encode()) <= 64 and code in d
                   for d in keys.values())

        await fake.push(dm(FAN2, LEAK + "?utm_source=share"))
        edits = await fake.wait_call("editMessageText", chat_id=MOD)
        assert edits[-1]["message_id"] == post.result["message_id"]
        assert "2 reporters" in edits[-1]["text"] and LEAK in edits[-1]["text"]

    # a restart: a new process with its own App on the same database
    restarted_app = await build_app(sqlite_app.settings, migrate=False)
    try:
        async with running_bot(fake, restarted_app):
            await fake.push(dm(FAN3, LEAK))
            edits = await fake.wait_call("editMessageText", count=2, chat_id=MOD)
    finally:
        await restarted_app.close()
    assert "3 reporters" in edits[-1]["text"]
    assert edits[-1]["message_id"] == post.result["message_id"]
    assert len(fake.calls_to("sendMessage", chat_id=MOD)) == 1


async def test_admin_confirm_button_edits_the_post_and_writes_the_audit_log(fake, app):
    async with running_bot(fake, app):
        await bind_mod_group(app, fake)
        code, post = await report_and_get_post(fake)
        await fake.push(callback(user(ADMIN), post.result, buttons(post)["Confirm"]))

        answered = (await fake.wait_call("answerCallbackQuery"))[0]
        edit = (await fake.wait_call("editMessageText", chat_id=MOD))[-1]
    assert answered["text"] == f"{code} confirmed" and not answered.get("show_alert")
    assert edit["message_id"] == post.result["message_id"]
    assert "confirmed" in edit["text"] and LEAK in edit["text"]
    assert set(buttons(edit)) == {"Escalate", "Dismiss"}
    case = await app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.CONFIRMED
    assert await app.cases.audit_log(code) == [(f"telegram:{ADMIN}", "confirm", None)]


async def test_non_admin_button_press_is_refused_and_changes_nothing(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    code, post = await report_and_get_post(fake)
    await fake.push(callback(user(OUTSIDER), post.result, buttons(post)["Confirm"]))

    answered = (await fake.wait_call("answerCallbackQuery"))[0]
    assert answered["show_alert"] is True and "Only this group's admins" in answered["text"]
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.OPEN
    assert await sqlite_app.cases.audit_log(code) == []
    assert not fake.calls_to("editMessageText")


async def test_same_link_from_telegram_and_console_is_one_case_with_two_reporters(fake, app):
    async with running_bot(fake, app):
        await bind_mod_group(app, fake)
        code, post = await report_and_get_post(fake)
        console = Actor(ReporterRef("console", "ops"), creator="default")
        reply = await app.handlers.report(
            IncomingMessage(actor=console, text=f"seen at {LEAK}", origin=Origin.CONSOLE)
        )
        edit = (await fake.wait_call("editMessageText", chat_id=MOD))[-1]
    assert isinstance(reply, ReportReceived) and reply.outcomes[0].case_code == code
    assert edit["message_id"] == post.result["message_id"] and "2 reporters" in edit["text"]
    cases = await app.cases.list_cases(None, list(CaseStatus))
    assert [(c.code, c.reporters) for c in cases] == [(code, 2)]
    assert len(fake.calls_to("sendMessage", chat_id=MOD)) == 1


async def test_dismiss_button_asks_for_a_reason_given_by_replying(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    code, post = await report_and_get_post(fake)
    await fake.push(callback(user(ADMIN), post.result, buttons(post)["Dismiss"]))
    prompt = await fake.wait_for(lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                          if c["text"].startswith(f"✏️ {code} · Dismiss:")])
    assert prompt[0]["reply_markup"]["force_reply"] is True

    await fake.push(in_mod_group(OUTSIDER, "not her", reply_to_message=prompt[0].result))
    refusal = await fake.wait_for(lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                           if "Only this group's admins" in c["text"]])
    assert refusal
    assert (await sqlite_app.cases.get_case(code)).status is CaseStatus.OPEN

    await fake.push(in_mod_group(ADMIN, "fan edit, not her", reply_to_message=prompt[0].result))
    edit = (await fake.wait_call("editMessageText", chat_id=MOD))[-1]
    assert "dismissed" in edit["text"] and "reason: fan edit, not her" in edit["text"]
    assert set(buttons(edit)) == {"Reopen"}
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.DISMISSED
    assert await sqlite_app.cases.audit_log(code) == [
        (f"telegram:{ADMIN}", "dismiss", "fan edit, not her")
    ]
    await fake.wait_call("deleteMessage", message_id=prompt[0].result["message_id"])


async def test_dismiss_command_needs_a_reason(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    code, _ = await report_and_get_post(fake)
    await fake.push(in_mod_group(ADMIN, f"/dismiss {code}"))
    usage = await fake.wait_for(lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                         if "usage: /dismiss" in c["text"]])
    assert usage[0]["text"].startswith("⚠")
    assert (await sqlite_app.cases.get_case(code)).status is CaseStatus.OPEN

    await fake.push(in_mod_group(ADMIN, f"/dismiss {code} reposted meme"))
    await fake.wait_call("editMessageText", chat_id=MOD)
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.DISMISSED
    assert case.reason == "reposted meme"


async def test_escalate_previews_the_platform_and_queue_shows_links(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    await sqlite_app.escalations.set_agent(
        AgentOfRecord("default", signer="Dee", email="dee@example.org", jurisdiction="US")
    )
    reddit_a, _ = await report_and_get_post(fake, FAN, "https://www.reddit.com/r/x/comments/abc1/t/")
    reddit_b, _ = await report_and_get_post(fake, FAN, "https://redd.it/abc2")
    x_case, _ = await report_and_get_post(fake, FAN, "https://x.com/u/status/99")
    open_reddit, post = await report_and_get_post(fake, FAN2, "https://reddit.com/comments/abc3")
    for code in (reddit_a, reddit_b, x_case):
        await fake.push(in_mod_group(ADMIN, f"/confirm {code}"))
    await fake.wait_for(lambda: len([c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                     if c["text"].startswith("confirmed:")]) == 3)

    await fake.push(in_mod_group(ADMIN, "/escalate reddit"))
    start = "Escalating 2 confirmed case(s) of default on reddit"
    preview = await fake.wait_for(lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                           if c["text"].startswith(start)])
    text = preview[0]["text"]
    assert "Reddit: report non-consensual intimate media (Rule 3) (form): 2 URL(s)" in text
    assert "X:" not in text and "reddit.com" not in text and "redd.it" not in text
    assert not await sqlite_app.tracker.list("default")  # a preview writes nothing

    await fake.push(callback(user(ADMIN), post.result, buttons(post)["Escalate"]))
    refused = (await fake.wait_call("answerCallbackQuery"))[0]
    assert open_reddit in refused["text"] and "confirm it first" in refused["text"]

    await fake.push(in_mod_group(ADMIN, "/queue confirmed"))
    queue = await fake.wait_for(lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                         if c["text"].startswith("Queue (confirmed)")])
    assert "x.com/i/status/99" in queue[0]["text"]  # canonical form

    await fake.push(update_message(message(group_chat(GROUP), user(ADMIN), "/escalate reddit")))
    elsewhere = (await fake.wait_call("sendMessage", chat_id=GROUP))[0]["text"]
    assert "moderator group" in elsewhere and reddit_a not in elsewhere


async def test_outsider_commands_in_the_moderator_group_are_refused(fake, bot, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    code, _ = await report_and_get_post(fake)
    await fake.push(in_mod_group(OUTSIDER, f"/confirm {code}"))
    refusal = await fake.wait_for(lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD)
                                           if c["text"].startswith("⚠")])
    assert "moderators" in refusal[0]["text"]
    assert (await sqlite_app.cases.get_case(code)).status is CaseStatus.OPEN


async def test_configured_moderator_who_is_not_an_admin_may_press_confirm(fake, sqlite_app):
    async with running_bot(fake, sqlite_app, telegram_moderators=f" {OUTSIDER}, 42 "):
        await bind_mod_group(sqlite_app, fake)
        code, post = await report_and_get_post(fake)
        await fake.push(callback(user(OUTSIDER), post.result, buttons(post)["Confirm"]))
        answered = (await fake.wait_call("answerCallbackQuery"))[0]
    assert answered.get("show_alert") is not True and code in answered["text"]
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.CONFIRMED
    assert await sqlite_app.cases.audit_log(code) == [(f"telegram:{OUTSIDER}", "confirm", None)]


def test_configured_moderators_setting_is_a_comma_separated_id_list():
    from bots.telegram.chats import configured_moderators

    assert configured_moderators("") == frozenset()
    assert configured_moderators("12, 34,,x, -100") == frozenset({12, 34, -100})
