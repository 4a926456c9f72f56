"""Reporter trust (issue 11, abuse controls): weighted reporters, the trusted part of the
queue, reputation from moderators' outcomes, and suspension of abusive notifiers; on SQLite
and PostgreSQL, through the handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bots.bootstrap import App, build_app
from core.model import Actor, CaseStatus, ReporterRef
from core.trust import Record, Standing, TrustPolicy, assess, report_weight
from db.audit_verify import verify_audit_chain
from db.tables import actions_t, standing_t
from handlers import render_text
from handlers.messages import IncomingMessage, Problem, QueueListing, ReportReceived
from tests.conftest import make_settings

MOD = Actor(ReporterRef("cli", "mod"), True, "default")


def fan(n: int, created: datetime | None = None) -> Actor:
    return Actor(ReporterRef("telegram", f"9000{n}", account_created=created), False, "default")


def link(n: int) -> str:
    return f"https://x.com/leaker{n}/status/{n}"


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    application = await build_app(make_settings(database_url, trust_case_threshold=2.0))
    yield application
    await application.close()


async def report(app: App, who: Actor, url: str) -> object:
    return await app.handlers.dispatch(IncomingMessage(who, url))


async def seasoned(app: App, who: Actor) -> None:
    """Give ``who`` an earlier report (on a case of their own) so they are not first-time."""
    await report(app, who, link(1000 + int(who.ref.user_id[-3:])))
    async with app.engine.begin() as conn:  # that report was made long ago
        from db.tables import reports_t

        old = datetime.now(UTC) - timedelta(days=2)
        await conn.execute(reports_t.update().values(created_at=old))


def test_weights_and_assessment_policy() -> None:
    policy = TrustPolicy()
    now = datetime.now(UTC)
    assert report_weight(policy, first_report=False, account_created=None, reported_at=now) == 1
    assert report_weight(policy, first_report=True, account_created=None, reported_at=now) == 0.5
    young = now - timedelta(days=3)
    assert report_weight(policy, first_report=True, account_created=young, reported_at=now) == 0.25
    assert (
        report_weight(
            policy, first_report=False, account_created=young, reported_at=now, suspended=True
        )
        == 0
    )
    bad = Record(confirmed=0, dismissed=3, abusive=3)
    assert assess(policy, bad, Standing(), now).action == "warn"  # never suspended unwarned
    assert assess(policy, bad, Standing(warned_at=now), now).action == "suspend"
    good = Record(confirmed=5, dismissed=3, abusive=3)
    assert assess(policy, good, Standing(warned_at=now), now).action == "ok"  # not "few confirmed"
    served = Standing(warned_at=now, suspended_until=now - timedelta(days=1), abusive_baseline=3)
    assert assess(policy, bad, served, now).action == "ok"  # only newer abuse counts again


async def test_first_time_reporters_count_less_and_trusted_part_of_the_queue(app: App) -> None:
    # two first-time reporters: 2 raw reporters, 1.0 independent: not trusted (threshold 2)
    await report(app, fan(1), link(1))
    await report(app, fan(2), link(1))
    listing = await app.handlers.queue(MOD)
    assert isinstance(listing, QueueListing)
    (case,) = [c for c in listing.cases if c.reporters == 2]
    assert case.independent == 1.0 and case.trusted is False
    assert "2 reporter(s) (1 independent)" in render_text(listing)
    trusted_only = await app.handlers.queue(MOD, "trusted")
    assert isinstance(trusted_only, QueueListing) and case.code not in render_text(trusted_only)
    # two established reporters join: 1.0 + 2 * 1.0 = 3.0 >= 2: trusted
    for n in (3, 4):
        await seasoned(app, fan(n))
    for n in (3, 4):
        await report(app, fan(n), link(1))
    shown = await app.handlers.show(MOD, case.code)
    assert shown.case.reporters == 4 and shown.case.independent == 3.0  # type: ignore[union-attr]
    assert shown.case.trusted is True  # type: ignore[union-attr]
    trusted_only = await app.handlers.queue(MOD, "trusted")
    assert case.code in render_text(trusted_only) and "trusted)" in render_text(trusted_only)


async def test_young_accounts_count_less(app: App) -> None:
    young = datetime.now(UTC) - timedelta(days=2)
    old = datetime.now(UTC) - timedelta(days=400)
    for n, created in ((5, young), (6, old)):
        await seasoned(app, fan(n, created))
    await report(app, fan(5, young), link(2))
    await report(app, fan(6, old), link(2))
    listing = await app.handlers.queue(MOD)
    (case,) = [c for c in listing.cases if c.reporters == 2]  # type: ignore[union-attr]
    assert case.independent == 1.5  # the young account counts half
    async with app.engine.connect() as conn:
        days = [r.account_created for r in await conn.execute(select(standing_t))]
    assert all(d is None or (d.hour, d.minute, d.second) == (0, 0, 0) for d in days)  # day only


async def test_reputation_makes_a_reporter_trusted_and_their_case_trusted(app: App) -> None:
    star = fan(7)
    codes = []
    for n in range(3):
        reply = await report(app, star, link(10 + n))
        assert isinstance(reply, ReportReceived)
        codes.append(reply.outcomes[0].case_code)
    for code in codes:
        await app.handlers.act(MOD, "confirm", code)
    reply = await report(app, star, link(20))  # a single report from a trusted reporter
    assert isinstance(reply, ReportReceived)
    new = reply.outcomes[0].case_code
    shown = await app.handlers.show(MOD, new)
    assert shown.case.reporters == 1 and shown.case.trusted is True  # type: ignore[union-attr]
    assert app.trust is not None
    (summary,) = [s for s in await app.trust.reporters() if s.record.confirmed == 3]
    assert summary.trusted and not summary.trusted_by_moderator
    assert summary.pseudonym.startswith("telegram:") and "90007" not in summary.pseudonym


async def test_moderators_trust_a_cases_named_reporters_never_anonymous_ones(app: App) -> None:
    named, hidden = fan(8), fan(9)
    reply = await report(app, named, link(30))
    code = reply.outcomes[0].case_code  # type: ignore[union-attr]
    await app.handlers.dispatch(IncomingMessage(hidden, link(30), anonymous=True))
    assert app.trust is not None
    trusted = await app.trust.trust(case=code, moderator="cli:mod")
    assert len(trusted) == 1  # only the reporter who gave their name
    summaries = {s.pseudonym: s for s in await app.trust.reporters()}
    assert summaries[trusted[0]].trusted_by_moderator
    assert len(summaries) == 1  # the anonymous reporter has no standing and no outcome
    reply = await report(app, named, link(31))
    shown = await app.handlers.show(MOD, reply.outcomes[0].case_code)  # type: ignore[union-attr]
    assert shown.case.trusted is True  # type: ignore[union-attr]
    assert ("cli:mod", "trust_reporter") in [(m, a) for m, a, _ in await app.cases.audit_log(code)]


async def test_abusive_reporter_is_warned_then_suspended_and_it_is_audited(app: App) -> None:
    troll = fan(11)
    codes = []
    for n in range(4):
        reply = await report(app, troll, link(40 + n))
        codes.append(reply.outcomes[0].case_code)  # type: ignore[union-attr]
    # an ordinary dismissal is not an abusive one
    await app.handlers.act(MOD, "dismiss", codes[0], "not a leak")
    reply = await report(app, troll, link(50))
    assert isinstance(reply, ReportReceived) and reply.notice is None
    for code in codes[1:3]:
        await app.handlers.act(MOD, "dismiss", code, "abusive: targets a rival")
    warned = await report(app, troll, link(51))  # 2 abusive: the warning, report recorded
    assert isinstance(warned, ReportReceived) and warned.outcomes
    assert "Warning" in render_text(warned) and "30 days" in render_text(warned)
    again = await report(app, troll, link(52))
    assert isinstance(again, ReportReceived) and again.notice is None  # warned once
    await app.handlers.act(MOD, "dismiss", codes[3], "false report")
    refused = await report(app, troll, link(53))  # 3 abusive after a warning: suspended
    assert isinstance(refused, Problem) and refused.kind == "suspended"
    text = render_text(refused)
    until = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    assert until in text and "appeal" in text and "moderators" in text
    assert "Traceback" not in text
    listing = await app.handlers.queue(MOD, "all")
    assert not any(link(53) in str(c.links) for c in listing.cases)  # type: ignore[union-attr]
    # still refused, and no second audit row
    assert isinstance(await report(app, troll, link(54)), Problem)
    async with app.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(actions_t.c.moderator, actions_t.c.reason).where(
                    actions_t.c.action == "suspend_reporter"
                )
            )
        ).all()
    assert len(rows) == 1
    assert rows[0].moderator == "leakdesk:automatic" and "abusive" in rows[0].reason
    assert "90011" not in rows[0].reason  # the audit log names a pseudonym, never the account
    assert (await verify_audit_chain(app.engine)).ok
    # a suspended reporter's earlier reports count for nothing; an unsuspension lifts it
    assert app.trust is not None
    (summary,) = [s for s in await app.trust.reporters() if s.suspended_until]
    await app.trust.unsuspend(reporter=summary.pseudonym, moderator="cli:mod", reason="appeal")
    assert isinstance(await report(app, troll, link(55)), ReportReceived)
    # moderators are never refused
    assert isinstance(await report(app, MOD, link(56)), ReportReceived)


async def test_manual_suspension_by_case_and_unknown_pseudonyms(app: App) -> None:
    reply = await report(app, fan(12), link(60))
    code = reply.outcomes[0].case_code  # type: ignore[union-attr]
    assert app.trust is not None
    done = await app.trust.suspend(case=code, days=7, reason="spam flood", moderator="cli:mod")
    assert len(done) == 1 and done[0][1] - datetime.now(UTC) > timedelta(days=6)
    refused = await report(app, fan(12), link(61))
    assert isinstance(refused, Problem) and refused.kind == "suspended"
    from core.errors import InvalidLink

    with pytest.raises(InvalidLink):
        await app.trust.suspend(reporter="telegram:zzzz", reason="x", moderator="m")
    log = await app.cases.audit_log(code)
    assert any(a == "suspend_reporter" and "spam flood" in (r or "") for _, a, r in log)
    assert CaseStatus.OPEN  # the case itself is untouched


async def test_a_suspension_survives_key_rotation_and_forget(database_url: str) -> None:
    from db.reporter_key import ReporterKey
    from db.reporter_key_rotation import rotate_reporter_key

    app = await build_app(make_settings(database_url, reporter_key="first-secret"))
    try:
        reply = await report(app, fan(13), link(70))
        code = reply.outcomes[0].case_code  # type: ignore[union-attr]
        assert app.trust is not None
        await app.trust.suspend(case=code, reason="false reports", moderator="cli:mod")
        await rotate_reporter_key(
            app.engine, ReporterKey.parse("first-secret"), "first-secret", "second-secret"
        )
    finally:
        await app.close()
    app = await build_app(make_settings(database_url, reporter_key="first-secret,second-secret"))
    try:
        refused = await report(app, fan(13), link(71))
        assert isinstance(refused, Problem) and refused.kind == "suspended"
        await app.handlers.forget(fan(13))  # a deletion request does not lift a suspension
        refused = await report(app, fan(13), link(72))
        assert isinstance(refused, Problem) and refused.kind == "suspended"
        young = fan(14, datetime.now(UTC) - timedelta(days=1))
        await report(app, young, link(73))
        async with app.engine.connect() as conn:
            assert len((await conn.execute(select(standing_t))).all()) == 2
        await app.handlers.forget(young)  # nothing running: the standing row goes
        async with app.engine.connect() as conn:
            rows = (await conn.execute(select(standing_t))).all()
        assert len(rows) == 1 and rows[0].suspended_until is not None
    finally:
        await app.close()


async def test_a_suspension_written_by_another_process_is_enforced_after_the_fresh_window(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The intake gate reuses what it read about a reporter for a short while; a decision
    this process did not write (another bot, a moderator's CLI) is enforced once that
    window has passed."""
    import asyncio

    import db.trust
    from db.tables import reporters_t

    monkeypatch.setattr(db.trust, "FACTS_FRESH_SECONDS", 0.3)
    app = await build_app(make_settings(database_url))
    try:
        who = fan(15)
        assert isinstance(await report(app, who, link(80)), ReportReceived)
        async with app.engine.begin() as conn:  # plain SQL: no write this process hears of
            sealed = (
                await conn.execute(
                    select(reporters_t.c.platform_user_id).where(
                        reporters_t.c.platform == "telegram"
                    )
                )
            ).scalar_one()
            await conn.execute(
                standing_t.insert().values(
                    platform="telegram",
                    reporter_key=sealed,
                    trusted=False,
                    abusive_baseline=0,
                    suspended_until=datetime.now(UTC) + timedelta(days=3),
                    suspension_reason="spam",
                    updated_at=datetime.now(UTC),
                )
            )
        await asyncio.sleep(0.35)
        refused = await report(app, who, link(81))
        assert isinstance(refused, Problem) and refused.kind == "suspended"
    finally:
        await app.close()
