"""/dashboard in Telegram: asked in the moderator group, the link arrives by private message."""

from __future__ import annotations

import re
from typing import Any

from db.web_auth import SqlWebAuth
from tests.telegram_adapter.conftest import ADMIN, MOD, OUTSIDER, bind_mod_group
from tests.telegram_adapter.updates import group_chat, message, private_chat, update_message, user

LINK = re.compile(r"https://desk\.example\.org/signin\?token=([\w-]+)")


def in_mod_group(user_id: int, text: str) -> dict[str, Any]:
    return update_message(message(group_chat(MOD, "Mods"), user(user_id), text))


async def test_the_link_goes_to_the_moderator_privately(fake, bot, sqlite_app, monkeypatch):
    monkeypatch.setenv("LEAKDESK_WEB_URL", "https://desk.example.org")
    await bind_mod_group(sqlite_app, fake)
    await fake.push(in_mod_group(ADMIN, "/dashboard"))
    [private] = await fake.wait_call("sendMessage", chat_id=ADMIN)
    found = LINK.search(private["text"])
    assert found, private["text"]
    moderator, creator = await SqlWebAuth(sqlite_app.engine).peek_link(found.group(1))
    assert (moderator, creator) == (f"telegram:{ADMIN}", "default")
    [told] = await fake.wait_call("sendMessage", chat_id=MOD)
    assert "private message" in told["text"] and "token=" not in told["text"]


async def test_no_link_in_the_group_when_the_moderator_cannot_be_reached(
    fake, bot, sqlite_app, monkeypatch
):
    monkeypatch.setenv("LEAKDESK_WEB_URL", "https://desk.example.org")
    await bind_mod_group(sqlite_app, fake)
    fake.forbidden.add(ADMIN)  # never started a private chat with the bot
    await fake.push(in_mod_group(ADMIN, "/dashboard"))
    [told] = await fake.wait_call("sendMessage", chat_id=MOD)
    assert "cannot write to you privately" in told["text"] and "token=" not in told["text"]


async def test_outsiders_and_private_chats_get_no_link(fake, bot, sqlite_app, monkeypatch):
    monkeypatch.setenv("LEAKDESK_WEB_URL", "https://desk.example.org")
    await bind_mod_group(sqlite_app, fake)
    await fake.push(in_mod_group(OUTSIDER, "/dashboard"))
    [refused] = await fake.wait_call("sendMessage", chat_id=MOD)
    assert "token=" not in refused["text"]
    await fake.push(update_message(message(private_chat(ADMIN), user(ADMIN), "/dashboard")))
    [elsewhere] = await fake.wait_call("sendMessage", chat_id=ADMIN)
    assert "moderator group" in elsewhere["text"] and "token=" not in elsewhere["text"]
    assert not [c for c in fake.calls_to("sendMessage") if "token=" in c["text"]]
