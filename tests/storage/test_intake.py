"""Report intake against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bots.bootstrap import build_app
from core.errors import InvalidLink, RateLimited
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from db.tables import Case, CaseReporter, Link, Report
from tests.conftest import make_settings, sealed

LINK = "https://x.com/leaker/status/1234567890?s=20"


def fan(n: int | str, platform: str = "test") -> ReporterRef:
    return ReporterRef(platform, str(n))


async def count(app, table) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_twenty_concurrent_reports_make_one_case(app) -> None:  # type: ignore[no-untyped-def]
    results = await asyncio.gather(
        *(app.intake.submit(IncomingReport(fan(i), [LINK])) for i in range(20))
    )
    codes = {r.outcomes[0].case_code for r in results}
    assert len(codes) == 1
    assert sum(r.outcomes[0].new_case for r in results) == 1
    case = await app.cases.get_case(codes.pop())
    assert case.reporters == 20 and case.reports == 20
    assert await count(app, Case.__table__) == 1
    assert await count(app, CaseReporter.__table__) == 20


async def test_two_processes_racing_on_one_link_make_one_case(database_url: str) -> None:
    """Two independently wired apps (as two bot processes) report the same link at once."""
    first = await build_app(make_settings(database_url))
    second = await build_app(make_settings(database_url), migrate=False)
    try:
        variants = [
            LINK,
            "https://twitter.com/leaker/status/1234567890",
            "http://fxtwitter.com/a/status/1234567890",
        ]
        jobs = [
            (first if i % 2 else second).intake.submit(IncomingReport(fan(i), [variants[i % 3]]))
            for i in range(20)
        ]
        results = await asyncio.gather(*jobs)
        assert len({r.outcomes[0].case_code for r in results}) == 1
        case = await first.cases.get_case(results[0].outcomes[0].case_code)
        assert case.reporters == 20
        assert await count(first, Case.__table__) == 1
        assert await count(first, Link.__table__) == 1
    finally:
        await first.close()
        await second.close()


async def test_same_reporter_twice_counts_once(app) -> None:  # type: ignore[no-untyped-def]
    first = await app.intake.submit(IncomingReport(fan(1), [LINK]))
    again = await app.intake.submit(
        IncomingReport(fan(1), ["https://twitter.com/x/status/1234567890"])
    )
    assert again.outcomes[0].reporters == 1
    assert again.outcomes[0].new_case is False
    assert again.outcomes[0].already_reported
    assert again.outcomes[0].report_id == first.outcomes[0].report_id
    case = await app.cases.get_case(again.outcomes[0].case_code)
    assert case.reports == 1


async def test_redelivered_submission_is_recorded_once(app) -> None:  # type: ignore[no-untyped-def]
    report = IncomingReport(fan(1), [LINK], submission_id="telegram:update:77")
    first = await app.intake.submit(report)
    second = await app.intake.submit(report)
    assert first.outcomes[0].report_id == second.outcomes[0].report_id
    assert await count(app, Report.__table__) == 1


async def test_creators_have_separate_cases(app) -> None:  # type: ignore[no-untyped-def]
    a = await app.intake.submit(IncomingReport(fan(1), [LINK], creator="alice"))
    b = await app.intake.submit(IncomingReport(fan(2), [LINK], creator="bea"))
    assert a.outcomes[0].case_code != b.outcomes[0].case_code


async def test_bad_links_are_refused_and_nothing_written(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidLink):
        await app.intake.submit(
            IncomingReport(fan(1), ["javascript:alert(1)", "http://10.1.2.3/a"])
        )
    assert await count(app, Report.__table__) == 0
    mixed = await app.intake.submit(IncomingReport(fan(1), [LINK, "http://127.0.0.1/x"]))
    assert len(mixed.outcomes) == 1 and len(mixed.rejected) == 1
    assert "private" in mixed.rejected[0].reason


async def test_a_flood_from_one_account_is_rate_limited(sqlite_url: str) -> None:
    app = await build_app(make_settings(sqlite_url, report_rate="3/minute"))
    try:
        for i in range(3):
            await app.intake.submit(IncomingReport(fan("flooder"), [f"https://example.com/{i}"]))
        with pytest.raises(RateLimited) as err:
            await app.intake.submit(IncomingReport(fan("flooder"), ["https://example.com/9"]))
        assert "slow down" in str(err.value)
        ok = await app.intake.submit(IncomingReport(fan("someone-else"), ["https://example.com/9"]))
        assert ok.outcomes[0].new_case
    finally:
        await app.close()


async def test_moderation_flow_writes_the_audit_log(app) -> None:  # type: ignore[no-untyped-def]
    code = (await app.intake.submit(IncomingReport(fan(1), [LINK]))).outcomes[0].case_code
    mod = Actor(ReporterRef("test", "mod"), is_moderator=True)
    other = Actor(ReporterRef("test", "mod2"), is_moderator=True)
    assert (await app.moderation.act(mod, "claim", code)).status == CaseStatus.CLAIMED
    from core.errors import InvalidTransition, NotPermitted

    with pytest.raises(InvalidTransition):
        await app.moderation.act(other, "claim", code)
    with pytest.raises(NotPermitted):
        await app.moderation.act(Actor(ReporterRef("test", "fan")), "confirm", code)
    with pytest.raises(InvalidLink):
        await app.moderation.act(mod, "dismiss", code, "  ")
    assert (await app.moderation.act(mod, "confirm", code)).status == CaseStatus.CONFIRMED
    dismissed = await app.moderation.act(mod, "dismiss", code, "not the creator")
    assert dismissed.status == CaseStatus.DISMISSED and dismissed.reason == "not the creator"
    assert await app.cases.audit_log(code) == [
        ("test:mod", "claim", None),
        ("test:mod", "confirm", None),
        ("test:mod", "dismiss", "not the creator"),
    ]


async def test_moderators_of_one_creator_cannot_touch_anothers_cases(app) -> None:  # type: ignore[no-untyped-def]
    code = (
        (await app.intake.submit(IncomingReport(fan(1), [LINK], creator="alice")))
        .outcomes[0]
        .case_code
    )
    from core.errors import CaseNotFound

    with pytest.raises(CaseNotFound):
        await app.moderation.act(Actor(ReporterRef("t", "m"), True, "bea"), "confirm", code)


async def test_merge_moves_links_and_reporters(app) -> None:  # type: ignore[no-untyped-def]
    a = (await app.intake.submit(IncomingReport(fan(1), ["https://example.com/a"]))).outcomes[0]
    await app.intake.submit(IncomingReport(fan(2), ["https://example.com/a"]))
    b = (
        await app.intake.submit(IncomingReport(fan(2), ["https://mirror.example.org/a"]))
    ).outcomes[0]
    await app.intake.submit(IncomingReport(fan(3), ["https://mirror.example.org/a"]))
    mod = Actor(ReporterRef("test", "mod"), is_moderator=True)
    merged = await app.moderation.merge(mod, b.case_code, a.case_code)
    assert merged.reporters == 3 and merged.reports == 4
    assert {link.url for link in merged.links} == {
        "https://example.com/a",
        "https://mirror.example.org/a",
    }
    source = await app.cases.get_case(b.case_code)
    assert source.status == CaseStatus.MERGED and source.merged_into == a.case_code
    later = await app.intake.submit(IncomingReport(fan(4), ["https://mirror.example.org/a"]))
    assert later.outcomes[0].case_code == a.case_code and later.outcomes[0].reporters == 4


async def test_anonymous_reporters_are_withheld_from_moderators(app) -> None:  # type: ignore[no-untyped-def]
    code = (await app.intake.submit(IncomingReport(fan("open"), [LINK]))).outcomes[0].case_code
    await app.intake.submit(IncomingReport(fan("hidden"), [LINK], anonymous=True))
    visible = await app.cases.case_reporters(code)
    assert visible == [sealed(app, fan("open"))]
    assert (await app.cases.get_case(code)).reporters == 2


async def test_queue_orders_by_corroboration(app) -> None:  # type: ignore[no-untyped-def]
    await app.intake.submit(IncomingReport(fan(1), ["https://example.com/one"]))
    for i in range(3):
        await app.intake.submit(IncomingReport(fan(i), ["https://example.com/three"]))
    mod = Actor(ReporterRef("test", "mod"), is_moderator=True)
    queue = await app.moderation.queue(mod)
    assert [c.reporters for c in queue] == [3, 1]
    assert queue[0].links[0].url == "https://example.com/three"


async def test_other_processes_hear_of_new_and_changed_cases(postgres_url: str) -> None:
    """A Discord process hears of a report taken by a Telegram process, and of moderation."""
    from core.events import CaseChanged

    taker = await build_app(make_settings(postgres_url))
    watcher = await build_app(make_settings(postgres_url), migrate=False)
    heard: list[CaseChanged] = []

    async def remember(event: CaseChanged) -> None:
        heard.append(event)

    watcher.events.subscribe(remember)
    try:
        code = (await taker.intake.submit(IncomingReport(fan(1), [LINK]))).outcomes[0].case_code
        mod = Actor(ReporterRef("cli", "ops"), is_moderator=True)
        await taker.moderation.act(mod, "confirm", code)
        for _ in range(50):
            if len(heard) >= 2:
                break
            await asyncio.sleep(0.02)
        assert [(e.code, e.created) for e in heard] == [(code, True), (code, False)]
        assert heard[0].creator == "default"
    finally:
        await taker.close()
        await watcher.close()
