"""Retention: closed cases lose their evidence after a while; a person can ask to be forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bots.bootstrap import App
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from db.retention import PurgeResult, SqlRetention
from db.tables import cases_t, links_t, reporters_t, reports_t
from handlers import IncomingMessage, Reply, render_text
from tests.conftest import sealed


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
    assert sealed(app, fan("me")) not in await app.cases.case_reporters(code)
    assert await count(app, reporters_t, reporters_t.c.platform_user_id == "me") == 0
    sealed_id = sealed(app, fan("me")).user_id
    assert await count(app, reporters_t, reporters_t.c.platform_user_id == sealed_id) == 0
    case = await app.cases.get_case(code)
    assert case is not None and case.reporters == 2


async def age(app: App, code: str, days: int) -> None:
    """Make case ``code`` look untouched for ``days`` days."""
    past = datetime.now(UTC) - timedelta(days=days)
    async with app.engine.begin() as conn:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == code)
            .values(first_seen=past, last_seen=past, updated_at=past)
        )


async def test_purge_leaves_old_cases_that_are_still_in_the_queue(app: App) -> None:
    mod = Actor(ReporterRef("test", "mod"), is_moderator=True)
    codes = {}
    for n, state in enumerate(("open", "claimed", "confirmed", "dismissed")):
        report = IncomingReport(fan(n), [f"https://example.com/{state}"], note=f"seen {state}")
        codes[state] = (await app.intake.submit(report)).outcomes[0].case_code
    await app.moderation.act(mod, "claim", codes["claimed"])
    await app.moderation.act(mod, "confirm", codes["confirmed"])
    await app.moderation.act(mod, "dismiss", codes["dismissed"], "spam")
    for code in codes.values():
        await age(app, code, 400)

    result = await SqlRetention(app.engine).purge_older_than(90)

    assert (result.cases, result.links, result.reports) == (1, 1, 1)
    for state in ("open", "claimed", "confirmed"):
        case = await app.cases.get_case(codes[state])
        assert case is not None and case.status.value == state
        assert len(case.links) == 1 and [n.text for n in case.notes] == [f"seen {state}"]
        assert sealed(
            app, fan(("open", "claimed", "confirmed").index(state))
        ) in await app.cases.case_reporters(codes[state])
    purged = await app.cases.get_case(codes["dismissed"])
    assert purged is not None and purged.links == () and purged.notes == ()


async def test_purge_counts_only_what_this_run_removed(app: App) -> None:
    mod = Actor(ReporterRef("test", "mod"), is_moderator=True)
    source = await app.intake.submit(IncomingReport(fan("a"), ["https://example.com/m"]))
    target = await app.intake.submit(IncomingReport(fan("b"), ["https://example.com/t"]))
    await app.moderation.merge(mod, source.outcomes[0].case_code, target.outcomes[0].case_code)
    await age(app, source.outcomes[0].case_code, 100)
    retention = SqlRetention(app.engine)

    first = await retention.purge_older_than(90)
    second = await retention.purge_older_than(90)

    assert first.cases == 1  # the merged case's own reporter list and hashes
    assert second == PurgeResult(0, 0, 0, 0)
    target_case = await app.cases.get_case(target.outcomes[0].case_code)
    assert target_case is not None and len(target_case.links) == 2  # moved, never purged


async def test_purge_refuses_negative_days_and_future_cut_offs(app: App) -> None:
    retention = SqlRetention(app.engine)
    code = await app.intake.submit(IncomingReport(fan("a"), ["https://example.com/n"]))
    mod = Actor(ReporterRef("test", "mod"), is_moderator=True)
    await app.moderation.act(mod, "dismiss", code.outcomes[0].case_code, "spam")

    with pytest.raises(ValueError, match="0 or more"):
        await retention.purge_older_than(-1)
    with pytest.raises(ValueError, match="future"):
        await retention.purge_closed(datetime.now(UTC) + timedelta(days=1))

    assert await count(app, links_t) == 1
