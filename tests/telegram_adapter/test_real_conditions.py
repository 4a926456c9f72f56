"""Real conditions: two bots on one database, restarts, and evidence kept when not all recorded."""

from __future__ import annotations

import io

from PIL import Image

from bots.bootstrap import build_app
from core.model import CaseStatus
from db.venues import VenueConfig
from tests.conftest import make_settings
from tests.telegram_adapter.conftest import (
    FAN,
    FAN2,
    GROUP,
    add_creators,
    codes_in,
    report_rows,
    running_bot,
)
from tests.telegram_adapter.fake_bot_api import FakeBotApi
from tests.telegram_adapter.updates import (
    group_chat,
    message,
    photo,
    private_chat,
    update_message,
    url_entities,
    user,
)

LEAK_A = "https://leak.example/a/1"
LEAK_B = "https://leak.example/b/2"


def dm(user_id: int, text: str, **extra: object) -> dict[str, object]:
    """An update: ``user_id`` writes to the bot privately."""
    return update_message(message(private_chat(user_id), user(user_id), text, **extra))


def link_dm(user_id: int, link: str) -> dict[str, object]:
    """A private message carrying one link (with its url entity, as Telegram sends it)."""
    text = f"please remove {link}"
    return dm(user_id, text, entities=url_entities(text, link))


def png_bytes() -> bytes:
    """A small real picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 130, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_two_bots_on_one_database_with_colliding_update_ids_record_two_reports(
    database_url,
):
    """The same fan, the same update id, two bots (two processes) on one database."""
    first, second = FakeBotApi(token="111:first-bot"), FakeBotApi(token="222:second-bot")
    apps = [await build_app(make_settings(database_url)) for _ in range(2)]
    try:
        for fake in (first, second):
            await fake.start()
        await add_creators(apps[0], "alice", "bob")
        async with running_bot(first, apps[0]), running_bot(second, apps[1]):
            await first.push({"update_id": 50, **dm(FAN, "/start alice")})
            await second.push({"update_id": 50, **dm(FAN, "/start bob")})
            await first.wait_call("sendMessage", chat_id=FAN)
            await second.wait_call("sendMessage", chat_id=FAN)
            assert "moderators of alice" in first.calls_to("sendMessage")[0]["text"]
            assert "moderators of bob" in second.calls_to("sendMessage")[0]["text"]
            await first.push({"update_id": 51, **link_dm(FAN, LEAK_A)})
            await second.push({"update_id": 51, **link_dm(FAN, LEAK_B)})
            reply_a = (await first.wait_call("sendMessage", count=2, chat_id=FAN))[-1]["text"]
            reply_b = (await second.wait_call("sendMessage", count=2, chat_id=FAN))[-1]["text"]
        [code_a], [code_b] = codes_in(reply_a), codes_in(reply_b)
        assert code_a != code_b
        alice = await apps[0].cases.list_cases("alice", list(CaseStatus))
        bob = await apps[0].cases.list_cases("bob", list(CaseStatus))
        assert [(c.code, [link.url for link in c.links]) for c in alice] == [(code_a, [LEAK_A])]
        assert [(c.code, [link.url for link in c.links]) for c in bob] == [(code_b, [LEAK_B])]
        assert "moderators of alice" in reply_a and "moderators of bob" in reply_b
        tokens = sorted(r.token.split("#")[0] for r in await report_rows(apps[0]))
        assert tokens == [f"telegram:111:{FAN}:{FAN}:51", f"telegram:222:{FAN}:{FAN}:51"]
    finally:
        for app in apps:
            await app.close()
        for fake in (first, second):
            await fake.stop()


async def test_deep_link_creator_and_anonymous_survive_a_restart(fake, database_url):
    settings = make_settings(database_url)
    before = await build_app(settings)
    await add_creators(before, "alice")
    try:
        async with running_bot(fake, before):
            await fake.push(dm(FAN, "/start alice"))
            welcome = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
            await fake.push(dm(FAN, "/anonymous on"))
            await fake.wait_call("sendMessage", count=2, chat_id=FAN)
    finally:
        await before.close()
    assert "goes to the moderators of alice" in welcome

    after = await build_app(settings)  # a new process: new App, new PTB Application
    try:
        async with running_bot(fake, after):
            await fake.push(link_dm(FAN, LEAK_A))
            reply = (await fake.wait_call("sendMessage", count=3, chat_id=FAN))[-1]["text"]
            await fake.push(link_dm(FAN2, LEAK_B))  # a fan who chose nothing: the default
            other = (await fake.wait_call("sendMessage", chat_id=FAN2))[-1]["text"]
        [code] = codes_in(reply)
        case = await after.cases.get_case(code)
        assert case is not None and case.creator == "alice"
        assert "moderators of alice" in reply and "anonymous" in reply
        assert await after.cases.case_reporters(code) == []  # hidden from the moderators
        assert [bool(r.anonymous) for r in await report_rows(after)] == [True, False]
        [other_code] = codes_in(other)
        other_case = await after.cases.get_case(other_code)
        assert other_case is not None and other_case.creator == "default"
        assert "moderators of default" in other
    finally:
        await after.close()


async def test_forget_also_deletes_the_stored_choices(fake, bot, sqlite_app):
    await add_creators(sqlite_app, "alice")
    await fake.push(dm(FAN, "/start alice"))
    await fake.wait_call("sendMessage", chat_id=FAN)
    await fake.push(dm(FAN, "/forget"))
    await fake.wait_call("sendMessage", count=2, chat_id=FAN)
    await fake.push(link_dm(FAN, LEAK_A))
    reply = (await fake.wait_call("sendMessage", count=3, chat_id=FAN))[-1]["text"]
    [code] = codes_in(reply)
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.creator == "default"


def group_report(fan: int, target: dict[str, object]) -> dict[str, object]:
    """``fan`` replies /report to ``target`` in GROUP."""
    return update_message(
        message(group_chat(GROUP), user(fan, "Reporter"), "/report", reply_to_message=target)
    )


async def protect_with_delete(app) -> None:  # type: ignore[no-untyped-def]
    await app.venues.bind(
        VenueConfig(platform="telegram", venue_id=str(GROUP), creator="carol", delete_reported=True)
    )


async def test_protect_deletes_a_message_whose_link_and_picture_were_all_recorded(
    fake, bot, sqlite_app
):
    await protect_with_delete(sqlite_app)
    fake.files["pic-ok"] = png_bytes()
    caption = f"new {LEAK_A}"
    leaked = message(group_chat(GROUP), user(3001, "Poster"), caption=caption,
                     caption_entities=url_entities(caption, LEAK_A), photo=photo("pic-ok", 500))
    command = group_report(FAN, leaked)
    await fake.push(command)

    private = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    assert len(codes_in(private)) == 2 and "moderators of carol" in private
    deleted = {c["message_id"] for c in fake.calls_to("deleteMessage", chat_id=GROUP)}
    assert deleted == {command["message"]["message_id"], leaked["message_id"]}


async def test_protect_keeps_a_message_whose_picture_could_not_be_downloaded(
    fake, bot, sqlite_app
):
    await protect_with_delete(sqlite_app)
    caption = f"new {LEAK_A}"
    leaked = message(group_chat(GROUP), user(3001, "Poster"), caption=caption,
                     caption_entities=url_entities(caption, LEAK_A), photo=photo("gone", 500))
    command = group_report(FAN, leaked)
    await fake.push(command)

    private = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    assert len(codes_in(private)) == 1 and "could not be downloaded" in private
    deleted = {c["message_id"] for c in fake.calls_to("deleteMessage", chat_id=GROUP)}
    assert deleted == {command["message"]["message_id"]}, "the evidence stays"
    assert len(await report_rows(sqlite_app)) == 1


async def test_protect_keeps_a_message_with_a_refused_link(fake, bot, sqlite_app):
    await protect_with_delete(sqlite_app)
    refused = "http://127.0.0.1/private/leak"
    text = f"{LEAK_A} and {refused}"
    leaked = message(group_chat(GROUP), user(3001, "Poster"), text,
                     entities=url_entities(text, LEAK_A, refused))
    command = group_report(FAN, leaked)
    await fake.push(command)

    private = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    assert len(codes_in(private)) == 1 and "not accepted" in private
    deleted = {c["message_id"] for c in fake.calls_to("deleteMessage", chat_id=GROUP)}
    assert deleted == {command["message"]["message_id"]}, "the evidence stays"


async def test_group_notice_for_a_fan_the_bot_cannot_write_to_names_the_creator(
    fake, bot, sqlite_app
):
    await sqlite_app.venues.bind(VenueConfig(platform="telegram", venue_id=str(GROUP),
                                             creator="carol"))
    fake.forbidden.add(FAN)
    text = f"new {LEAK_A}"
    leaked = message(group_chat(GROUP), user(3001, "Poster"), text,
                     entities=url_entities(text, LEAK_A))
    await fake.push(group_report(FAN, leaked))

    notice = (await fake.wait_call("sendMessage", chat_id=GROUP))[0]["text"]
    assert "moderators of carol" in notice and len(codes_in(notice)) == 1
    assert "leak.example" not in notice and "Reporter" not in notice
