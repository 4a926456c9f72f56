"""``leakdesk purge`` lists the cards it queued for deletion and keeps each kind of data
for its own retention period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from bots.bootstrap import build_app
from core.model import Actor, IncomingReport, ReporterRef
from db.tables import cases_t, links_t, reporters_t, reports_t
from tests.cli.runner import leakdesk
from tests.conftest import make_settings

MOD = Actor(ReporterRef("test", "mod"), is_moderator=True)


async def test_cards_go_before_the_evidence_and_stale_reporters_are_unlinked(
    database_url: str, tmp_path: Path
) -> None:
    app = await build_app(make_settings(database_url))
    try:
        result = await app.intake.submit(
            IncomingReport(ReporterRef("discord", "42"), ["https://example.com/a"])
        )
        code = result.outcomes[0].case_code
        async with app.engine.begin() as conn:
            case_id = (
                await conn.execute(select(cases_t.c.id).where(cases_t.c.code == code))
            ).scalar_one()
        await app.venues.claim_post(case_id, "discord", "10")
        await app.venues.set_post_message(case_id, "discord", "10", "11")
        await app.moderation.act(MOD, "dismiss", code, "no")
        old = datetime.now(UTC) - timedelta(days=40)
        async with app.engine.begin() as conn:
            await conn.execute(update(cases_t).values(updated_at=old))
            await conn.execute(update(reports_t).values(created_at=old))
    finally:
        await app.close()

    env = {"LEAKDESK_RETENTION_POSTS_DAYS": "30", "LEAKDESK_RETENTION_REPORTER_DAYS": "30"}
    done = leakdesk("purge", db=database_url, cwd=tmp_path, env=env)

    assert done.returncode == 0, done.stderr
    assert "purged 0 closed case(s)" in done.stdout  # evidence: retention_days (90)
    assert "1 moderator card(s) to delete" in done.stdout
    assert "discord channel 10 message 11" in done.stdout
    assert "unlinked 1 reporter(s)" in done.stdout
    app = await build_app(make_settings(database_url), migrate=False)
    try:
        assert app.purged_posts is not None
        assert await app.purged_posts.all() == [("discord", "10", "11")]
        async with app.engine.connect() as conn:
            assert (await conn.execute(select(func.count()).select_from(links_t))).scalar() == 1
            platforms = (await conn.execute(select(reporters_t.c.platform))).scalars().all()
        assert platforms == ["forgotten"]  # the report stays, tied to no one
        view = await app.cases.get_case(code)
        assert view is not None and view.reporters == 1
    finally:
        await app.close()
