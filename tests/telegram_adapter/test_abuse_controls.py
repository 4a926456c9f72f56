"""Issue 11 abuse controls through python-telegram-bot and the fake Bot API: a group's own
rate window, the creators' allow-list, and /protect or /bind never creating a creator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.bootstrap import App, build_app
from core.allowlist import allowed_page
from db.venues import VenueConfig
from tests.conftest import make_settings
from tests.telegram_adapter.conftest import (
    ADMIN,
    FAN,
    FAN2,
    GROUP,
    codes_in,
    report_rows,
    running_bot,
)
from tests.telegram_adapter.updates import (
    group_chat,
    message,
    private_chat,
    update_message,
    url_entities,
    user,
)

OWN = "https://onlyfans.com/alicecreates"


def with_link(chat: dict[str, object], sender: int, link: str) -> dict[str, object]:
    text = f"look {link}"
    return message(chat, user(sender), text, entities=url_entities(text, link))


def group_report(sender: int, link: str) -> dict[str, object]:
    leaked = with_link(group_chat(GROUP), 3001, link)
    return update_message(
        message(group_chat(GROUP), user(sender), "/report", reply_to_message=leaked)
    )


@pytest.fixture
async def limited_app(sqlite_url: str) -> AsyncIterator[App]:
    """One report a minute per group (the defaults are far higher)."""
    application = await build_app(make_settings(sqlite_url, place_rate="1/minute"))
    yield application
    await application.close()


async def test_a_group_over_its_window_is_refused_with_the_true_wait(fake, limited_app):
    await limited_app.venues.bind(VenueConfig("telegram", str(GROUP), "alice"))
    async with running_bot(fake, limited_app):
        await fake.push(group_report(FAN, "https://leak.example/g/1"))
        first = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
        await fake.push(group_report(FAN2, "https://leak.example/g/2"))
        refused = (await fake.wait_call("sendMessage", chat_id=FAN2))[0]["text"]
        # a private chat is not the group: only the creator's and the global windows count it
        await fake.push(
            update_message(with_link(private_chat(FAN2), FAN2, "https://leak.example/g/3"))
        )
        dm = (await fake.wait_call("sendMessage", count=2, chat_id=FAN2))[-1]["text"]

    assert codes_in(first)
    assert "A lot of reports are coming from this server or group" in refused
    assert "try again in 60 s" in refused and not codes_in(refused)
    assert "leak.example" not in refused
    assert codes_in(dm)
    assert len(await report_rows(limited_app)) == 2


async def test_the_creators_own_page_gets_a_kind_word_and_no_case(fake, bot, sqlite_app):
    await sqlite_app.creators.create("default", "Alice")
    assert sqlite_app.allowlist_store is not None and sqlite_app.allowlist is not None
    await sqlite_app.allowlist_store.add(allowed_page("default", OWN))
    await sqlite_app.allowlist.refresh(force=True)

    await fake.push(update_message(with_link(private_chat(FAN), FAN, OWN + "/posts/7")))
    reply = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]

    assert reply.startswith("That is one of Alice's own official pages, not a leak")
    assert not codes_in(reply) and "⚠" not in reply
    assert await report_rows(sqlite_app) == []
    assert await sqlite_app.cases.count_cases() == {}


@pytest.fixture
async def gated_app(sqlite_url: str) -> AsyncIterator[App]:
    """Venues wait for the operator's approval (the real default)."""
    application = await build_app(make_settings(sqlite_url, auto_approve_venues=False))
    yield application
    await application.close()


async def test_protect_and_bind_never_create_a_creator(fake, gated_app):
    fake.members[(GROUP, ADMIN)] = "administrator"
    async with running_bot(fake, gated_app):
        protect = message(group_chat(GROUP), user(ADMIN, "Admin"), "/protect mallory")
        await fake.push(update_message(protect))
        said = (await fake.wait_call("sendMessage", chat_id=GROUP))[0]["text"]
        bind = message(group_chat(GROUP), user(ADMIN, "Admin"), "/bind mallory")
        await fake.push(update_message(bind))
        said_bind = (await fake.wait_call("sendMessage", count=2, chat_id=GROUP))[-1]["text"]

    assert "There is no creator called mallory here, so nothing changed" in said
    assert "leakdesk creator add mallory" in said and "/protect again" in said
    assert "There is no creator called mallory here" in said_bind and "/bind again" in said_bind
    assert not await gated_app.creators.exists("mallory")
    assert await gated_app.venues.get("telegram", str(GROUP)) is None
