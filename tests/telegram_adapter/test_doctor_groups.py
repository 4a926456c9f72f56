"""``leakdesk doctor`` asks the Bot API (the fake one) whether the bot may delete messages in
each Telegram moderator group."""

from __future__ import annotations

from typing import Any

from bots.doctor_channels import check_telegram
from db.venues import VenueConfig
from tests.conftest import make_settings
from tests.telegram_adapter.fake_bot_api import FakeBotApi

OK_GROUP, PLAIN_GROUP, NO_DELETE_GROUP, GONE_GROUP = -1001, -1002, -1003, -1004


class RightsBotApi(FakeBotApi):
    """The fake, where the bot is an admin without "Delete messages" in NO_DELETE_GROUP."""

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        member = super()._member(chat_id, user_id)
        if chat_id == NO_DELETE_GROUP:
            member["can_delete_messages"] = False
        return member


def group(chat_id: int) -> VenueConfig:
    return VenueConfig("telegram", str(chat_id), "alice", mod_channel_id=str(chat_id))


async def test_each_moderator_group_gets_a_plain_words_line(sqlite_url: str) -> None:
    fake = RightsBotApi()
    await fake.start()
    try:
        fake.members[(OK_GROUP, fake.bot_id)] = "administrator"
        fake.members[(NO_DELETE_GROUP, fake.bot_id)] = "administrator"
        fake.fail("getChatMember", 400, "Bad Request: chat not found")  # the first group asked
        settings = make_settings(
            sqlite_url, telegram_token=fake.token, telegram_api_url=fake.api_url
        )
        venues = [group(GONE_GROUP), group(OK_GROUP), group(PLAIN_GROUP), group(NO_DELETE_GROUP),
                  VenueConfig("telegram", "-5", "alice")]  # fmt: skip  (a fan group: not asked)
        findings = await check_telegram(settings, venues)
    finally:
        await fake.stop()
    by_group = {f.name.split()[3]: f for f in findings}
    assert len(findings) == 4
    assert by_group[str(GONE_GROUP)].level == "fail"
    assert "the bot may have been removed" in by_group[str(GONE_GROUP)].text
    assert by_group[str(OK_GROUP)].level == "ok"
    assert by_group[str(OK_GROUP)].text == "the bot is an admin and may delete messages"
    assert by_group[str(PLAIN_GROUP)].level == "fail"
    assert "not an admin of the group (it is member)" in by_group[str(PLAIN_GROUP)].text
    assert by_group[str(NO_DELETE_GROUP)].level == "fail"
    assert "may not delete messages" in by_group[str(NO_DELETE_GROUP)].text
    assert "Delete messages" in by_group[str(NO_DELETE_GROUP)].fix
    asked = [int(c["chat_id"]) for c in fake.calls_to("getChatMember")]
    assert asked == [GONE_GROUP, OK_GROUP, PLAIN_GROUP, NO_DELETE_GROUP]
    assert all(int(c["user_id"]) == fake.bot_id for c in fake.calls_to("getChatMember"))


async def test_a_refused_token_is_one_clear_line(sqlite_url: str) -> None:
    fake = FakeBotApi()
    await fake.start()
    try:
        settings = make_settings(
            sqlite_url, telegram_token="999999:WRONG-token", telegram_api_url=fake.api_url
        )
        findings = await check_telegram(settings, [group(OK_GROUP)])
    finally:
        await fake.stop()
    [finding] = findings
    assert finding.level == "fail" and finding.text == "not checked: Telegram refused the token"
    assert "999999:WRONG-token" not in finding.text + finding.fix
