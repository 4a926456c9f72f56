"""Purge leaves the audit log alone, and the audit log holds no link to purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bots.bootstrap import App
from core.model import Actor, IncomingReport, ReporterRef
from db.audit_verify import verify_audit_chain
from db.retention import SqlRetention
from db.tables import actions_t, links_t

MOD = Actor(ReporterRef("test", "mod"), is_moderator=True)
REASON_LINK = "https://example.com/her-own-page/photo?id=42"


async def audit_reasons(app: App) -> list[str]:
    async with app.engine.connect() as conn:
        query = select(actions_t.c.reason).where(actions_t.c.reason.is_not(None))
        return list((await conn.execute(query)).scalars())


async def test_links_in_reasons_reach_the_audit_log_as_scheme_and_host_only(app: App) -> None:
    first = await app.intake.submit(IncomingReport(ReporterRef("test", "1"), [REASON_LINK]))
    code = first.outcomes[0].case_code
    await app.moderation.act(MOD, "dismiss", code, reason=f"it is her own page {REASON_LINK}")
    case = await app.cases.get_case(code)
    assert case is not None and REASON_LINK in (case.reason or "")  # moderators still see it
    await app.intake.submit(IncomingReport(ReporterRef("test", "2"), [REASON_LINK]))  # reopens
    reasons = await audit_reasons(app)
    assert len(reasons) == 2
    assert all("her-own-page" not in r and "id=42" not in r for r in reasons), reasons
    assert all("https://example.com/…" in r for r in reasons), reasons


async def test_purge_keeps_every_audit_row_and_the_chain(app: App) -> None:
    codes = []
    for n in range(3):
        result = await app.intake.submit(
            IncomingReport(ReporterRef("test", str(n)), [f"https://example.com/p/{n}"])
        )
        codes.append(result.outcomes[0].case_code)
        await app.moderation.act(MOD, "claim", codes[-1])
        await app.moderation.act(MOD, "dismiss", codes[-1], reason="not her")
    before = await verify_audit_chain(app.engine)
    assert before.ok and before.rows == 6

    purged = await SqlRetention(app.engine).purge_closed(datetime.now(UTC) + timedelta(seconds=-0))
    assert purged.cases == 3 and purged.links == 3
    async with app.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(links_t))).scalar() == 0
    after = await verify_audit_chain(app.engine)
    assert after.ok and after.rows == 6 and after.head_hash == before.head_hash
