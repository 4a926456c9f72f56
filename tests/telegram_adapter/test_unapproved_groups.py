"""Moderator commands and buttons are refused in a group the operator has not approved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bots.bootstrap import App, build_app
from bots.telegram.callbacks import encode
from core.model import CaseStatus
from tests.conftest import make_settings
from tests.telegram_adapter.conftest import ADMIN, FAN, MOD, bind_mod_group, codes_in, running_bot
from tests.telegram_adapter.updates import (
    callback,
    group_chat,
    message,
    private_chat,
    update_message,
    user,
)

LEAK = "https://leak.example/unapproved/1"


def in_mod_group(user_id: int, text: str) -> dict[str, Any]:
    return update_message(message(group_chat(MOD, "Mods"), user(user_id), text))


@pytest.fixture
async def gated_app(sqlite_url: str) -> AsyncIterator[App]:
    """An app whose moderator groups wait for the operator's approval (the real default)."""
    application = await build_app(make_settings(sqlite_url, auto_approve_venues=False))
    yield application
    await application.close()


async def test_moderator_commands_and_buttons_are_refused_until_approved(fake, gated_app):
    async with running_bot(fake, gated_app):
        await bind_mod_group(gated_app, fake)  # bound by its admin, not approved yet
        venue = await gated_app.venues.get("telegram", str(MOD))
        assert venue is not None and not venue.approved
        await fake.push(update_message(message(private_chat(FAN), user(FAN), LEAK)))
        [code] = codes_in((await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"])
        commands = [
            "/queue", "/queue all", f"/show {code}", f"/claim {code}", f"/confirm {code}",
            f"/dismiss {code} spam", f"/reopen {code}", f"/merge {code} LD-AAAAAA",
            "/escalate x",
        ]
        for n, command in enumerate(commands, 1):
            await fake.push(in_mod_group(ADMIN, command))
            await fake.wait_call("sendMessage", count=n, chat_id=MOD)
        forged = message(group_chat(MOD, "Mods"), user(ADMIN), "a case post")
        await fake.push(callback(user(ADMIN), forged, encode("confirm", code)))
        pressed = (await fake.wait_call("answerCallbackQuery"))[0]

        answers = [c["text"] for c in fake.calls_to("sendMessage", chat_id=MOD)]
        assert len(answers) == len(commands)  # one refusal each, and no case post
        for command, text in zip(commands, answers, strict=True):
            assert "moderator group" in text, command
            assert code not in text and "leak.example" not in text, command
        assert "not a moderator group" in pressed["text"] and pressed.get("show_alert")
        case = await gated_app.cases.get_case(code)
        assert case is not None and case.status is CaseStatus.OPEN
        assert await gated_app.cases.audit_log(code) == []

        await gated_app.venues.set_approved("telegram", str(MOD), True)
        await fake.push(in_mod_group(ADMIN, "/queue"))
        listing = (await fake.wait_call("sendMessage", count=len(commands) + 1, chat_id=MOD))
    assert code in listing[-1]["text"] and LEAK in listing[-1]["text"]
