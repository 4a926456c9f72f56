"""Fans in a private chat: deep-link /start, link, photo and forwarded-post reports, /status."""

from __future__ import annotations

import io

from PIL import Image

from core.model import CaseStatus, ReporterRef
from tests.conftest import sealed
from tests.telegram_adapter.conftest import FAN, add_creators, codes_in, report_rows
from tests.telegram_adapter.updates import (
    message,
    photo,
    private_chat,
    text_link,
    update_message,
    url_entities,
    user,
)


def dm(user_id: int, text: str | None = None, **extra: object) -> dict[str, object]:
    """An update: ``user_id`` writes to the bot privately."""
    return update_message(message(private_chat(user_id), user(user_id), text, **extra))


def png_bytes() -> bytes:
    """A small real picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_dm_link_report_replies_with_case_codes_for_the_deep_linked_creator(
    fake, bot, sqlite_app
):
    await add_creators(sqlite_app, "alice")
    await fake.push(dm(FAN, "/start alice"))
    welcome = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    assert "/status" in welcome and "/report" in welcome

    text = "found this https://leak.example/a/1 and also here"
    entities = [
        *url_entities(text, "https://leak.example/a/1"),
        text_link(text, "here", "https://twitter.com/someone/status/42"),
    ]
    await fake.push(dm(FAN, text, entities=entities))
    reply = (await fake.wait_call("sendMessage", count=2, chat_id=FAN))[-1]["text"]

    codes = codes_in(reply)
    assert len(codes) == 2, reply
    assert "leak.example" not in reply and "twitter.com" not in reply
    cases = await sqlite_app.cases.list_cases("alice", list(CaseStatus))
    assert sorted(c.code for c in cases) == sorted(codes)
    assert {c.platform for c in cases} == {"x", None}
    assert await sqlite_app.cases.case_reporters(codes[0]) == [
        sealed(sqlite_app, ReporterRef("telegram", str(FAN)))
    ]
    rows = await report_rows(sqlite_app)
    assert [r.origin for r in rows] == ["dm", "dm"]
    assert all(r.token.startswith("telegram:") for r in rows)

    await fake.push(dm(FAN, f"/status {codes[0].lower()}"))
    status = (await fake.wait_call("sendMessage", count=3, chat_id=FAN))[-1]["text"]
    assert status == f"Case {codes[0]}: received, waiting for review (1 reporter(s))."


async def test_dm_photo_report_downloads_in_memory_and_replies_with_a_case_code(
    fake, bot, sqlite_app
):
    data = png_bytes()
    fake.files["pic1"] = data
    await fake.push(dm(FAN, photo=photo("pic1", len(data))))
    reply = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]

    assert fake.calls_to("getFile", file_id="pic1"), "the largest size is fetched"
    assert fake.downloads == ["pic1"]
    assert codes_in(reply), reply  # needs image intake in the core
    assert (await sqlite_app.cases.count_cases()) == {"open": 1}


async def test_dm_photo_over_20_mb_is_not_downloaded(fake, bot, sqlite_app):
    await fake.push(dm(FAN, photo=photo("huge", 25 * 1024 * 1024)))
    reply = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]

    assert "20 MB" in reply and reply.startswith("⚠")
    assert not fake.calls_to("getFile") and not fake.downloads
    assert await sqlite_app.cases.count_cases() == {}


async def test_forwarded_channel_post_is_reported_by_its_t_me_link(fake, bot, sqlite_app):
    origin = {
        "type": "channel",
        "date": 1,
        "message_id": 77,
        "chat": {"id": -100777, "type": "channel", "title": "leaks", "username": "leakchan"},
    }
    await fake.push(dm(FAN, "new drop", forward_origin=origin))
    reply = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]

    (code,) = codes_in(reply)
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.platform == "telegram"
    assert [link.url for link in case.links] == ["https://t.me/leakchan/77"]
    assert "t.me/leakchan" not in reply


async def test_forward_from_a_hidden_user_and_plain_text_are_not_reports(fake, bot, sqlite_app):
    origin = {"type": "hidden_user", "date": 1, "sender_user_name": "someone"}
    await fake.push(dm(FAN, "look at this", forward_origin=origin))
    hidden = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    await fake.push(dm(FAN, "hello?"))
    help_reply = (await fake.wait_call("sendMessage", count=2, chat_id=FAN))[-1]["text"]

    assert hidden.startswith("⚠") and "screenshot" in hidden
    assert "/status" in help_reply and not help_reply.startswith("⚠")
    assert await sqlite_app.cases.count_cases() == {}


async def test_privacy_and_anonymous_reports(fake, bot, sqlite_app):
    await fake.push(dm(FAN, "/privacy"))
    privacy = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    await fake.push(dm(FAN, "/anonymous on"))
    await fake.wait_call("sendMessage", count=2, chat_id=FAN)
    await fake.push(dm(FAN, "https://leak.example/anon"))
    reply = (await fake.wait_call("sendMessage", count=3, chat_id=FAN))[-1]["text"]

    assert "never the pictures" in privacy
    assert "anonymous" in reply and codes_in(reply)
    assert [r.anonymous for r in await report_rows(sqlite_app)] == [True]


async def test_a_deep_link_to_an_unknown_creator_creates_nothing(fake, bot, sqlite_app):
    await fake.push(dm(FAN, "/start mallorys-fake-creator"))
    welcome = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    assert "There is no creator called that here" in welcome
    assert "nothing was created" in welcome and "mallorys-fake-creator" not in welcome

    await fake.push(
        dm(
            FAN,
            "https://leak.example/x/9",
            entities=url_entities("https://leak.example/x/9", "https://leak.example/x/9"),
        )
    )
    reply = (await fake.wait_call("sendMessage", count=2, chat_id=FAN))[-1]["text"]
    [code] = codes_in(reply)
    case = await sqlite_app.cases.get_case(code)
    assert case is not None and case.creator == "default"  # the deep link changed nothing
    assert not await sqlite_app.creators.exists("mallorys-fake-creator")
