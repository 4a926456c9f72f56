"""Purge leaves no residue: cards queued for deletion first, fingerprints keyed, links
scrubbed from free text; a guessed link cannot be confirmed against a purged case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bots.bootstrap import App, build_app
from core.model import Actor, Attachment, IncomingReport, ReporterRef
from core.urls import canonicalize
from db.retention import LINK_REMOVED, PurgedCard, SqlRetention, scrub_links
from db.tables import cases_t, posts_t, purged_posts_t
from tests.conftest import make_settings
from tests.media.photos import original_edited_unrelated

MOD = Actor(ReporterRef("test", "mod"), is_moderator=True)
LINK = "https://example.com/leak/42?id=7"


async def _closed_case(app: App, link: str = LINK, days: int = 100) -> tuple[int, str]:
    result = await app.intake.submit(IncomingReport(ReporterRef("test", "fan"), [link]))
    code = result.outcomes[0].case_code
    await app.moderation.act(MOD, "dismiss", code, f"same as {link} and www.other.example/p")
    async with app.engine.begin() as conn:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == code)
            .values(updated_at=datetime.now(UTC) - timedelta(days=days))
        )
        case_id = (await conn.execute(select(cases_t.c.id).where(cases_t.c.code == code))).scalar()
    return int(case_id), code


async def _rows(app: App, table):  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(table))]


def test_scrub_takes_every_link_out() -> None:
    text = "dup of https://a.example/x, see www.b.example/y and c.example/z; fine"
    assert scrub_links(text) == (
        f"dup of {LINK_REMOVED}, see {LINK_REMOVED} and {LINK_REMOVED}; fine"
    )
    assert scrub_links(None) is None and scrub_links("spam") == "spam"


async def test_purge_queues_the_cards_before_dropping_their_record(app: App) -> None:
    case_id, _ = await _closed_case(app)
    for platform, channel, message in (("discord", "10", "11"), ("telegram", "-100", "12")):
        assert await app.venues.claim_post(case_id, platform, channel)
        await app.venues.set_post_message(case_id, platform, channel, message)
    await app.venues.claim_post(case_id, "discord", "20")  # never posted: nothing to delete

    result = await SqlRetention(app.engine, app.reporter_key).purge_older_than(90)

    assert result.cards == (
        PurgedCard("discord", "10", "11"),
        PurgedCard("telegram", "-100", "12"),
    )
    assert await _rows(app, posts_t) == []
    queued = {
        (r["platform"], r["channel_id"], r["message_id"]) for r in await _rows(app, purged_posts_t)
    }
    assert queued == {("discord", "10", "11"), ("telegram", "-100", "12")}


async def test_a_purged_case_cannot_confirm_a_guessed_link(app: App) -> None:
    case_id, code = await _closed_case(app)
    key = canonicalize(LINK).key

    await SqlRetention(app.engine, app.reporter_key).purge_older_than(90)

    [case] = [r for r in await _rows(app, cases_t) if r["id"] == case_id]
    assert case["origin_key"] != key and key not in case["origin_key"]
    assert case["origin_key"].startswith("purged:")
    assert "example" not in case["reason"] and case["reason"].count(LINK_REMOVED) == 2
    # the same link reported again opens a new case: the old one answers nothing
    again = await app.intake.submit(IncomingReport(ReporterRef("test", "guesser"), [LINK]))
    assert again.outcomes[0].case_code != code
    # a second run finds nothing more to do
    assert (await SqlRetention(app.engine, app.reporter_key).purge_older_than(90)).cases == 0


async def test_running_bots_drop_purged_pictures(database_url: str) -> None:
    original, shrunk, _ = original_edited_unrelated()
    bot = await build_app(make_settings(database_url))
    cli = await build_app(make_settings(database_url), migrate=False)  # another process
    try:
        report = IncomingReport(
            ReporterRef("test", "1"), [], attachments=[Attachment(original, "a.jpg")]
        )
        code = (await bot.intake.submit(report)).outcomes[0].case_code
        await bot.moderation.act(MOD, "dismiss", code, "not her")
        async with bot.engine.begin() as conn:
            await conn.execute(
                update(cases_t).values(updated_at=datetime.now(UTC) - timedelta(days=100))
            )
        assert (await SqlRetention(cli.engine, cli.reporter_key).purge_older_than(90)).cases == 1
        exact, near = await bot.media.hash_bytes(original), await bot.media.hash_bytes(shrunk)
        assert bot.media.match("default", exact).case_id is not None  # still in memory

        assert await bot.drop_purged_media() == 1  # the adapters' periodic pass
        assert await bot.drop_purged_media() == 0  # nothing new
        assert bot.media.match("default", exact).case_id is None
        assert bot.media.match("default", near).case_id is None
        again = (await bot.intake.submit(report)).outcomes[0]
        assert again.new_case and again.case_code != code
    finally:
        await cli.close()
        await bot.close()
