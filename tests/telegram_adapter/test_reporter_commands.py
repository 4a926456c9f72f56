"""/reporters, /suspend, /unsuspend, /trust and /untrust in the moderator group (fake Bot API):
only the group's admins act, the replies name pseudonyms only, a suspended fan's next report
is refused, and the commands are in every language's moderator menu."""

from __future__ import annotations

import re
from typing import Any

from core.model import Actor, ReporterRef
from tests.telegram_adapter.conftest import ADMIN, FAN, MOD, OUTSIDER, bind_mod_group
from tests.telegram_adapter.fake_bot_api import FakeBotApi
from tests.telegram_adapter.test_moderator_languages import _menus
from tests.telegram_adapter.test_moderators import dm, in_mod_group, report_and_get_post

PSEUDONYM = re.compile(r"telegram:[0-9a-f]{10}")


async def group_says(fake: FakeBotApi, user_id: int, text: str) -> str:
    """``user_id`` writes ``text`` in the moderator group; the bot's next message there."""
    before = len(fake.calls_to("sendMessage", chat_id=MOD))
    await fake.push(in_mod_group(user_id, text))
    sent: Any = await fake.wait_call("sendMessage", count=before + 1, chat_id=MOD)
    return str(sent[before]["text"])


async def test_admins_list_and_suspend_a_cases_reporters_outsiders_are_refused(
    fake, bot, sqlite_app
):
    await bind_mod_group(sqlite_app, fake)
    code, _post = await report_and_get_post(fake, FAN)

    refused = await group_says(fake, OUTSIDER, f"/reporters {code}")
    assert refused.startswith("⚠") and "moderators" in refused and not PSEUDONYM.search(refused)
    refused = await group_says(fake, OUTSIDER, f"/suspend@leakdesk_test_bot {code} all")
    assert refused.startswith("⚠")

    listing = await group_says(fake, ADMIN, f"/reporters {code}")
    assert listing.startswith(f"Reporters of {code} (pseudonyms only):")
    (name,) = PSEUDONYM.findall(listing)
    assert str(FAN) not in listing

    done = await group_says(fake, ADMIN, f"/suspend {code} {name} false reports")
    assert f"{name} suspended until " in done
    log = await sqlite_app.cases.audit_log(code)
    assert [(m, a) for m, a, _ in log] == [(f"telegram:{ADMIN}", "suspend_reporter")]
    assert str(FAN) not in str(log)

    before = len(fake.calls_to("sendMessage", chat_id=FAN))
    await fake.push(dm(FAN, "https://x.com/other/status/777"))
    reply = (await fake.wait_call("sendMessage", count=before + 1, chat_id=FAN))[-1]["text"]
    assert "suspended until" in reply and "contact the creator's moderators" in reply

    assert await group_says(fake, ADMIN, f"/unsuspend {name}") == f"{name}: suspension lifted"
    assert await group_says(fake, ADMIN, f"/trust {name}") == f"{name}: trusted by a moderator"
    shown = await sqlite_app.handlers.show(Actor(ReporterRef("telegram", "1"), True), code)
    assert shown.case.trusted is True
    assert "usage: /untrust <pseudonym>" in await group_says(fake, ADMIN, "/untrust")


async def test_the_group_reads_them_in_its_creators_language_and_the_menu_lists_them(
    fake, bot, sqlite_app
):
    await sqlite_app.creators.set_language("default", "es")
    await bind_mod_group(sqlite_app, fake)
    code, _post = await report_and_get_post(fake, FAN)

    listing = await group_says(fake, ADMIN, f"/reporters {code}")
    assert listing.startswith(f"Personas que reportaron {code} (solo seudónimos):")
    assert "0 confirmados, 0 descartados (0 abusivos)" in listing

    await fake.wait_call("setMyCommands", count=18)
    menus = _menus(fake)
    admins = menus[(None, "all_chat_administrators")]
    assert {"reporters", "suspend", "unsuspend", "trust", "untrust"} <= set(admins)
    assert admins["reporters"] == "moderators: who reported a case (pseudonyms only)"
    spanish = menus[("es", "all_chat_administrators")]
    assert spanish["reporters"] == "moderadores: quién reportó un caso (solo seudónimos)"
    assert "reporters" not in menus[(None, "all_group_chats")]
