"""A purge queues the moderator group's card of a purged case; the running bot deletes it
(or blanks it when Telegram refuses to delete an old message), and forgets it either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bots.bootstrap import App
from bots.telegram.application import NOTICES_KEY
from bots.telegram.card_cleanup import PURGED_CARD_TEXT
from core.model import Actor, ReporterRef
from db.retention import PurgedCard, SqlRetention
from db.tables import cases_t
from tests.telegram_adapter.conftest import FAN, MOD, bind_mod_group, running_bot
from tests.telegram_adapter.fake_bot_api import FakeBotApi
from tests.telegram_adapter.test_moderators import report_and_get_post

MODERATOR = Actor(ReporterRef("telegram", "1"), is_moderator=True, creator="default")


async def _purge(app: App, code: str) -> tuple[PurgedCard, ...]:
    await app.moderation.act(MODERATOR, "dismiss", code, "not her")
    async with app.engine.begin() as conn:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == code)
            .values(updated_at=datetime.now(UTC) - timedelta(days=100))
        )
    return (await SqlRetention(app.engine, app.reporter_key).purge_older_than(90)).cards


async def test_the_card_of_a_purged_case_is_deleted(fake: FakeBotApi, sqlite_app: App) -> None:
    await bind_mod_group(sqlite_app, fake)
    async with running_bot(fake, sqlite_app) as application:
        code, post = await report_and_get_post(fake, FAN)
        message_id = post.result["message_id"]
        cards = await _purge(sqlite_app, code)
        assert cards == (PurgedCard("telegram", str(MOD), str(message_id)),)
        await application.bot_data[NOTICES_KEY].drain_once()
        assert [c["message_id"] for c in fake.calls_to("deleteMessage", chat_id=MOD)] == [
            message_id
        ]
    assert sqlite_app.purged_posts is not None
    assert await sqlite_app.purged_posts.all() == []


async def test_an_undeletable_card_is_blanked(fake: FakeBotApi, sqlite_app: App) -> None:
    await bind_mod_group(sqlite_app, fake)
    async with running_bot(fake, sqlite_app) as application:
        code, post = await report_and_get_post(fake, FAN)
        await _purge(sqlite_app, code)
        fake.fail("deleteMessage", 400, "Bad Request: message can't be deleted")
        await application.bot_data[NOTICES_KEY].drain_once()
        [blanked] = [
            c
            for c in fake.calls_to("editMessageText", chat_id=MOD)
            if c["message_id"] == post.result["message_id"] and c["text"] == PURGED_CARD_TEXT
        ]
        assert "leak" not in blanked["text"]
    assert sqlite_app.purged_posts is not None
    assert await sqlite_app.purged_posts.all() == []
