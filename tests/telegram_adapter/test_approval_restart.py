"""Confirm and Approve in Telegram resolve their callback data from the database: they work
across Application restarts. With two approvals a bulk send waits for a second admin."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.bootstrap import build_app
from tests.conftest import make_settings
from tests.escalation.smtp_server import SmtpServer
from tests.telegram_adapter.conftest import ADMIN, MOD, bind_mod_group, running_bot
from tests.telegram_adapter.fake_bot_api import FakeBotApi
from tests.telegram_adapter.test_escalation import (
    ON_TELEGRAM,
    buttons,
    confirmed,
    in_mod_group,
    said,
    set_agent,
)
from tests.telegram_adapter.updates import callback, user

ADMIN2 = 2003


@pytest.fixture(autouse=True)
def packets_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


async def test_confirm_and_approve_across_restarts(fake: FakeBotApi, database_url: str) -> None:
    with SmtpServer() as smtp:
        settings = make_settings(database_url, escalation_approvals=2, smtp_url=smtp.url)
        apps = [await build_app(settings) for _ in range(3)]  # three processes, one database
        try:
            await bind_mod_group(apps[0], fake)
            fake.members[(MOD, ADMIN2)] = "administrator"
            await set_agent(apps[0])
            async with running_bot(fake, apps[0]):
                code = await confirmed(fake, ON_TELEGRAM)
                await fake.push(in_mod_group(ADMIN, "/escalate telegram"))
                [preview] = await said(fake, MOD, "Escalating 1 confirmed case(s)")

            async with running_bot(fake, apps[1]):
                await fake.push(
                    callback(user(ADMIN, "Mo"), preview.result, buttons(preview)["Confirm"])
                )
                [request] = await said(fake, MOD, "Approval needed: Mo escalated")
            assert code not in request["text"] and ON_TELEGRAM not in request["text"]
            assert smtp.inbox.messages == []

            async with running_bot(fake, apps[2]):
                approve = buttons(request)["Approve"]
                await fake.push(callback(user(ADMIN, "Mo"), request.result, approve))
                await fake.wait_for(
                    lambda: [c for c in fake.calls_to("answerCallbackQuery")
                             if "second moderator" in c["text"]]
                )  # fmt: skip
                assert smtp.inbox.messages == []
                await fake.push(callback(user(ADMIN2, "Bo"), request.result, approve))
                await fake.wait_for(
                    lambda: [c for c in fake.calls_to("editMessageText", chat_id=MOD)
                             if "Approved by" in c["text"] and "1 sent" in c["text"]]
                )  # fmt: skip
            assert len(smtp.inbox.messages) == 1
            [row] = [r for r in await apps[2].cases.audit_log(code) if r[1] == "approve_send"]
            assert row[0] == f"telegram:{ADMIN2}" and f"telegram:{ADMIN}" in (row[2] or "")
        finally:
            for app in apps:
                await app.close()
