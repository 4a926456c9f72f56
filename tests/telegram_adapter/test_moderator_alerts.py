"""Overdue escalations and the daily digest in the Telegram moderator group: sent by the
running bot one period after its start, once, even after a restart."""

from __future__ import annotations

from pathlib import Path

from bots.bootstrap import App, build_app
from bots.telegram.application import ALERTS_KEY
from tests.conftest import make_settings
from tests.notify.test_moderator_alerts import overdue_escalation
from tests.notify.test_removal_notices import LINK
from tests.telegram_adapter.conftest import MOD, bind_mod_group, running_bot
from tests.telegram_adapter.fake_bot_api import Call, FakeBotApi

FAST = {"moderator_alert_seconds": 0.2}


def alerts(fake: FakeBotApi) -> list[Call]:
    return [
        c
        for c in fake.calls_to("sendMessage", chat_id=MOD)
        if c["text"].startswith(("Overdue", "Daily"))
    ]


async def test_alert_and_digest_reach_the_moderator_group_once(
    fake: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    first = await build_app(make_settings(database_url))
    try:
        await bind_mod_group(first, fake)
        code = await overdue_escalation(first, tmp_path)
        async with running_bot(fake, first, **FAST):
            sent = await fake.wait_for(lambda: alerts(fake)[1:] and alerts(fake))
        assert sent[0]["text"].startswith("Overdue") and code in sent[0]["text"]
        assert "1 overdue" in sent[1]["text"]
        assert not any(LINK in c["text"] for c in sent)
    finally:
        await first.close()
    second = await build_app(make_settings(database_url))
    try:
        async with running_bot(fake, second, **FAST) as application:
            assert await application.bot_data[ALERTS_KEY].check_once() == 0
        assert len(alerts(fake)) == 2
    finally:
        await second.close()


async def test_no_moderator_group_no_alert(
    fake: FakeBotApi, sqlite_app: App, tmp_path: Path
) -> None:
    await overdue_escalation(sqlite_app, tmp_path)
    async with running_bot(fake, sqlite_app, **FAST) as application:
        assert await application.bot_data[ALERTS_KEY].check_once() == 0
    assert alerts(fake) == []
