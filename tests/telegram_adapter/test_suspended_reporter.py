"""A suspended reporter writing to the Telegram bot (fake Bot API): a short clear refusal
saying until when and how to appeal; nothing recorded, no traceback."""

from __future__ import annotations

from core.model import CaseStatus
from tests.telegram_adapter.conftest import FAN, codes_in
from tests.telegram_adapter.updates import message, private_chat, update_message, user


def dm(user_id: int, text: str) -> dict[str, object]:
    """An update: ``user_id`` writes to the bot privately."""
    return update_message(message(private_chat(user_id), user(user_id), text))


async def test_suspended_reporter_gets_the_date_and_how_to_appeal(fake, bot, sqlite_app):
    await fake.push(dm(FAN, "https://x.com/leaker/status/4242"))
    first = (await fake.wait_call("sendMessage", chat_id=FAN))[-1]["text"]
    (code,) = codes_in(first)
    done = await sqlite_app.trust.suspend(
        case=code, days=3, reason="false reports", moderator="cli:mod"
    )
    until = done[0][1].strftime("%Y-%m-%d %H:%M")

    await fake.push(dm(FAN, "https://x.com/other/status/777"))
    reply = (await fake.wait_call("sendMessage", count=2, chat_id=FAN))[-1]["text"]
    assert f"suspended until {until} UTC" in reply
    assert "contact the creator's moderators" in reply and "nothing was recorded" in reply
    assert "x.com" not in reply and "Traceback" not in reply
    cases = await sqlite_app.cases.list_cases("default", list(CaseStatus))
    assert [c.code for c in cases] == [code]  # the refused link opened no case
