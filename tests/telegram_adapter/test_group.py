"""Groups: reply /report to a message; private answers, deletions, the Forbidden fallback."""

from __future__ import annotations

import logging
import re

from core.model import CaseStatus
from db.venues import VenueConfig
from tests.telegram_adapter.conftest import FAN, GROUP, codes_in, report_rows
from tests.telegram_adapter.updates import (
    group_chat,
    message,
    text_link,
    update_message,
    url_entities,
    user,
)

LEAK = "https://leak.example/b/2"
MEGA = "https://mega.nz/file/AbC123#secretkey"


def leaked_post() -> dict[str, object]:
    """A group message whose caption carries a plain link and a text_link."""
    caption = f"new pics {LEAK} more inside"
    return message(group_chat(GROUP), user(3001, "Poster"), caption=caption,
                   caption_entities=[*url_entities(caption, LEAK),
                                     text_link(caption, "inside", MEGA)])


async def test_reply_report_deletes_command_and_reported_post_and_answers_privately(
    fake, bot, sqlite_app
):
    await sqlite_app.venues.bind(VenueConfig(platform="telegram", venue_id=str(GROUP),
                                             creator="bob", delete_reported=True))
    leaked = leaked_post()
    command = message(group_chat(GROUP), user(FAN, "Reporter"),
                      "/report@leakdesk_test_bot seen in 3 groups", reply_to_message=leaked)
    await fake.push(update_message(command))

    private = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    codes = codes_in(private)
    assert len(codes) == 2 and LEAK not in private and "mega.nz" not in private
    deleted = {c["message_id"] for c in fake.calls_to("deleteMessage", chat_id=GROUP)}
    assert deleted == {command["message_id"], leaked["message_id"]}
    assert not fake.calls_to("sendMessage", chat_id=GROUP)

    cases = await sqlite_app.cases.list_cases("bob", list(CaseStatus))
    assert sorted(c.code for c in cases) == sorted(codes)
    assert {link.url for c in cases for link in c.links} == {LEAK, MEGA}
    rows = await report_rows(sqlite_app)
    assert {(r.origin, r.note) for r in rows} == {("group", "seen in 3 groups")}


async def test_reporter_who_never_started_the_bot_gets_a_group_reply_without_the_link(
    fake, bot, sqlite_app
):
    fake.forbidden.add(FAN)
    leaked = leaked_post()
    command = message(group_chat(GROUP), user(FAN, "Reporter"), "/report", reply_to_message=leaked)
    await fake.push(update_message(command))

    notice = (await fake.wait_call("sendMessage", chat_id=GROUP))[0]["text"]
    assert fake.calls_to("sendMessage", chat_id=FAN), "a private answer was tried first"
    assert LEAK not in notice and "mega" not in notice and "leak.example" not in notice
    assert "Reporter" not in notice
    assert "t.me/leakdesk_test_bot?start=default" in notice
    codes = codes_in(notice)
    assert len(codes) == 2
    cases = await sqlite_app.cases.list_cases("default", list(CaseStatus))
    assert sorted(c.code for c in cases) == sorted(codes)
    deleted = [c["message_id"] for c in fake.calls_to("deleteMessage", chat_id=GROUP)]
    assert deleted == [command["message_id"]], "the reported post stays: group did not opt in"


async def test_report_that_replies_to_nothing_explains_privately(fake, bot, sqlite_app):
    command = message(group_chat(GROUP), user(FAN), "/report")
    await fake.push(update_message(command))

    answer = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    assert answer.startswith("⚠") and "reply /report" in answer
    assert await sqlite_app.cases.count_cases() == {}


async def test_protect_binds_a_group_for_admins_only(fake, bot, sqlite_app):
    fake.members[(GROUP, 42)] = "creator"
    await fake.push(update_message(message(group_chat(GROUP), user(FAN), "/protect carol delete")))
    refusal = (await fake.wait_call("sendMessage", chat_id=GROUP))[0]["text"]
    assert "admins" in refusal
    assert await sqlite_app.venues.get("telegram", str(GROUP)) is None

    await fake.push(update_message(message(group_chat(GROUP), user(42), "/protect carol delete")))
    await fake.wait_call("sendMessage", count=2, chat_id=GROUP)
    venue = await sqlite_app.venues.get("telegram", str(GROUP))
    assert venue is not None and venue.creator == "carol" and venue.delete_reported
    assert not venue.is_mod_venue


async def test_a_command_the_bot_cannot_delete_gets_no_case_code_in_the_group(
    fake, bot, sqlite_app, caplog
):
    caplog.set_level(logging.INFO)
    fake.forbidden.add(FAN)
    fake.fail("deleteMessage", 400, "Bad Request: message can't be deleted")
    leaked = leaked_post()
    command = message(group_chat(GROUP), user(FAN, "Reporter"), "/report", reply_to_message=leaked)
    await fake.push(update_message(command))

    notice = (await fake.wait_call("sendMessage", chat_id=GROUP))[0]["text"]
    assert codes_in(notice) == [], "the visible /report would tie the reporter to the case"
    assert "A report was received" in notice and "t.me/leakdesk_test_bot" in notice
    assert LEAK not in notice and "mega" not in notice
    cases = await sqlite_app.cases.list_cases("default", list(CaseStatus))
    assert len(cases) == 2  # recorded all the same
    # none of our log lines names the reporter (a private chat's id is the user's id)
    ours = [r for r in caplog.records if r.name.startswith(("bots.", "core.", "handlers.", "db."))]
    assert any("private chat does not accept" in r.getMessage() for r in ours)
    assert not [r for r in ours if re.search(rf"(?<![-\d]){FAN}(?!\d)", r.getMessage())]


async def test_anonymous_admins_are_not_one_reporter_their_reports_are_sent_privately(
    fake, bot, sqlite_app
):
    anonymous = user(1087968824, "Group")  # GroupAnonymousBot: every anonymous admin
    for n in range(2):
        leaked = leaked_post()
        command = message(group_chat(GROUP), anonymous, "/report", reply_to_message=leaked,
                          sender_chat=group_chat(GROUP))
        await fake.push(update_message(command))
        await fake.wait_call("sendMessage", count=n + 1, chat_id=GROUP)

    notices = [c["text"] for c in fake.calls_to("sendMessage", chat_id=GROUP)]
    assert all("anonymous admin" in t and "t.me/leakdesk_test_bot" in t for t in notices)
    assert all(codes_in(t) == [] and LEAK not in t for t in notices)
    assert await sqlite_app.cases.count_cases() == {}
    assert not fake.calls_to("sendMessage", chat_id=1087968824)
