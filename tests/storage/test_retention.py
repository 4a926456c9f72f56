"""Retention: closed cases lose their evidence after a while; a person can ask to be forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bots.bootstrap import App
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from db.retention import SqlRetention
from db.tables import cases_t, links_t, reporters_t, reports_t
from handlers import IncomingMessage, Reply, render_text


def fan(n: int | str) -> ReporterRef:
    return ReporterRef("test", str(n))


async def count(app: App, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        query = select(func.count()).select_from(table).where(*where)
        return (await conn.execute(query)).scalar_one()


async def test_purge_removes_old_closed_evidence_only(app: App) -> None:
    mod = Actor(ReporterRef("test", "mod"), is_moderator=True)
    dismissed = await app.intake.submit(IncomingReport(fan("a"), ["https://example.com/x"]))
    kept = await app.intake.submit(IncomingReport(fan("b"), ["https://example.com/y"]))
    old_code = dismissed.outcomes[0].case_code
    await app.moderation.act(mod, "dismiss", old_code, "not the creator")
    recent = await app.intake.submit(IncomingReport(fan("c"), ["https://example.com/z"]))
    await app.moderation.act(mod, "dismiss", recent.outcomes[0].case_code, "spam")
    async with app.engine.begin() as conn:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == old_code)
            .values(updated_at=datetime.now(UTC) - timedelta(days=100))
        )

    result = await SqlRetention(app.engine).purge_closed(datetime.now(UTC) - timedelta(days=90))

    assert (result.cases, result.links, result.reports, result.reporters) == (1, 1, 1, 1)
    gone = await app.cases.get_case(old_code)
    assert gone is not None and gone.status == CaseStatus.DISMISSED and gone.links == ()
    assert await app.cases.audit_log(old_code) == [("test:mod", "dismiss", "not the creator")]
    assert await count(app, reporters_t, reporters_t.c.platform_user_id == "a") == 0
    still = await app.cases.get_case(kept.outcomes[0].case_code)
    assert still is not None and len(still.links) == 1
    assert await count(app, links_t) == 2 and await count(app, reports_t) == 2


async def test_forget_detaches_a_person_but_keeps_the_count(app: App) -> None:
    first = await app.intake.submit(IncomingReport(fan("me"), ["https://example.com/leak"]))
    await app.intake.submit(IncomingReport(fan("you"), ["https://example.com/leak"]))
    code = first.outcomes[0].case_code

    reply = await app.handlers.dispatch(IncomingMessage(Actor(fan("me")), "/forget"))

    assert isinstance(reply, Reply) and "1 report(s)" in render_text(reply)
    assert fan("me") not in await app.cases.case_reporters(code)
    assert await count(app, reporters_t, reporters_t.c.platform_user_id == "me") == 0
    case = await app.cases.get_case(code)
    assert case is not None and case.reporters == 2
