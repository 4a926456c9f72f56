"""Moderators list, suspend and trust the reporters of their creator's cases from a chat
(``/reporters``, ``/suspend``, ``/unsuspend``, ``/trust``, ``/untrust`` through the neutral
dispatcher), on SQLite and PostgreSQL: anonymous reporters are never named, another
creator's moderators are refused, every decision is audit-logged with the moderator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bots.bootstrap import App, build_app
from core.model import Actor, ReporterRef
from db.audit_verify import verify_audit_chain
from db.tables import actions_t, creators_t, utcnow
from handlers import render_text
from handlers.messages import (
    IncomingMessage,
    Problem,
    ReporterListing,
    ReportersDecided,
    ReportReceived,
)
from tests.conftest import make_settings

MOD = Actor(ReporterRef("telegram", "5001"), True, "default")
BOB_MOD = Actor(ReporterRef("telegram", "5002"), True, "bob")
PSEUDONYM = re.compile(r"telegram:[0-9a-f]{10}")


def fan(n: int, creator: str = "default") -> Actor:
    return Actor(ReporterRef("telegram", f"7000{n}"), False, creator)


def link(n: int) -> str:
    return f"https://x.com/leaker{n}/status/{n}"


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    application = await build_app(make_settings(database_url, trust_case_threshold=5.0))
    async with application.engine.begin() as conn:
        await conn.execute(
            creators_t.insert().values(slug="bob", display_name="Bob", created_at=utcnow())
        )
    yield application
    await application.close()


async def say(app: App, actor: Actor, text: str, anonymous: bool = False) -> object:
    return await app.handlers.dispatch(IncomingMessage(actor, text, anonymous=anonymous))


async def reported(app: App, actor: Actor, url: str, anonymous: bool = False) -> str:
    reply = await say(app, actor, url, anonymous)
    assert isinstance(reply, ReportReceived), reply
    return reply.outcomes[0].case_code


async def test_listing_names_only_the_reporters_who_gave_their_name(app: App) -> None:
    code = await reported(app, fan(1), link(1))
    await reported(app, fan(2), link(1), anonymous=True)
    await reported(app, fan(3), link(1), anonymous=True)
    listing = await say(app, MOD, f"/reporters {code.lower()}")
    assert isinstance(listing, ReporterListing)
    assert len(listing.reporters.named) == 1 and listing.reporters.unnamed == 2
    text = render_text(listing)
    assert text.startswith(f"Reporters of {code} (pseudonyms only):")
    assert len(PSEUDONYM.findall(text)) == 1
    assert "0 confirmed, 0 dismissed (0 abusive)" in text
    assert "+ 2 anonymous or forgotten reporters (never named)" in text
    assert not any(f"7000{n}" in text for n in (1, 2, 3))  # never an account id


async def test_suspend_refuses_the_next_report_and_the_audit_log_names_the_moderator(
    app: App,
) -> None:
    code = await reported(app, fan(4), link(4))
    await reported(app, fan(5), link(4))
    listing = render_text(await say(app, MOD, f"/reporters {code}"))
    first, second = PSEUDONYM.findall(listing)
    done = await say(app, MOD, f"/suspend {code} {first} flood of false reports")
    assert isinstance(done, ReportersDecided) and [d.pseudonym for d in done.decisions] == [first]
    until = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    assert f"{first} suspended until {until}" in render_text(done)
    # the fan's next report takes the existing suspension path; the other reporter is untouched
    refused = await say(app, fan(4), link(40))
    assert isinstance(refused, Problem) and refused.kind == "suspended"
    assert "To appeal, contact the creator's moderators" in render_text(refused)
    assert isinstance(await say(app, fan(5), link(41)), ReportReceived)
    assert f"{first}: 0 confirmed" in render_text(await say(app, MOD, f"/reporters {code}"))
    assert "suspended until" in render_text(await say(app, MOD, f"/reporters {code}"))
    log = await app.cases.audit_log(code)
    assert (MOD.label, "suspend_reporter") in [(m, a) for m, a, _ in log]
    assert any("flood of false reports" in (r or "") and first in (r or "") for _, _, r in log)
    assert not any("70004" in (r or "") for _, _, r in log)
    # unsuspend by pseudonym: reports are taken again
    lifted = await say(app, MOD, f"/unsuspend {first}")
    assert render_text(lifted) == f"{first}: suspension lifted"
    assert isinstance(await say(app, fan(4), link(42)), ReportReceived)
    # all: every named reporter of the case, without a reason
    both = await say(app, MOD, f"/suspend {code} all")
    assert isinstance(both, ReportersDecided)
    assert {d.pseudonym for d in both.decisions} == {first, second}
    actions = [(m, a) for m, a, _ in await app.cases.audit_log(code)]
    assert (MOD.label, "unsuspend_reporter") in actions
    assert actions.count((MOD.label, "suspend_reporter")) == 3  # one, then both
    assert (await verify_audit_chain(app.engine)).ok


async def test_trust_makes_the_reporters_cases_trusted(app: App) -> None:
    code = await reported(app, fan(6), link(6))
    shown = await app.handlers.show(MOD, code)
    assert shown.case.trusted is False  # type: ignore[union-attr]
    name = PSEUDONYM.findall(render_text(await say(app, MOD, f"/reporters {code}")))[0]
    assert render_text(await say(app, MOD, f"/trust {name}")) == f"{name}: trusted by a moderator"
    shown = await app.handlers.show(MOD, code)
    assert shown.case.trusted is True  # type: ignore[union-attr]
    assert "trusted by a moderator" in render_text(await say(app, MOD, f"/reporters {code}"))
    untrusted = render_text(await say(app, MOD, f"/untrust {name[:15]}"))
    assert untrusted == f"{name}: no longer trusted by a moderator"
    shown = await app.handlers.show(MOD, code)
    assert shown.case.trusted is False  # type: ignore[union-attr]
    actions = [(m, a) for m, a, _ in await app.cases.audit_log(code)]
    assert [(MOD.label, "trust_reporter"), (MOD.label, "untrust_reporter")] == actions[-2:]


async def test_another_creators_moderators_and_fans_are_refused(app: App) -> None:
    code = await reported(app, fan(7), link(7))
    hidden = await reported(app, fan(8), link(8), anonymous=True)
    name = PSEUDONYM.findall(render_text(await say(app, MOD, f"/reporters {code}")))[0]
    # bob's moderators: the case and the reporter do not exist for them
    for text in (f"/reporters {code}", f"/suspend {code} all"):
        refused = await say(app, BOB_MOD, text)
        assert isinstance(refused, Problem) and refused.kind == "not_found", text
    for text in (f"/trust {name}", f"/unsuspend {name}", f"/untrust {name}"):
        refused = await say(app, BOB_MOD, text)
        assert isinstance(refused, Problem) and refused.kind == "not_found", text
        assert render_text(refused) == (
            f"⚠ no reporter {name} among the named reporters of this creator's cases"
        )
    # the same reporter, once they report one of bob's cases by name, is bob's to act on
    await reported(app, fan(7, "bob"), link(70))
    assert isinstance(await say(app, BOB_MOD, f"/trust {name}"), ReportersDecided)
    # a reporter known to default's moderators only through an anonymous report: no one
    await reported(app, fan(8), link(80), anonymous=True)
    listing = await say(app, MOD, f"/reporters {hidden}")
    assert isinstance(listing, ReporterListing) and not listing.reporters.named
    assert "no reporter gave their name" in render_text(listing)
    nobody = await say(app, MOD, f"/suspend {hidden} all")
    assert render_text(nobody) == (
        "no named reporter to act on (anonymous reporters are never named)"
    )
    # fans are refused, and nothing was decided by anyone of them
    for text in (f"/reporters {code}", f"/suspend {code} all", f"/trust {name}"):
        refused = await say(app, fan(9), text)
        assert isinstance(refused, Problem) and refused.kind == "not_permitted", text
    async with app.engine.connect() as conn:
        rows = (await conn.execute(select(actions_t.c.moderator, actions_t.c.action))).all()
    decided = [r for r in rows if r.action.endswith("_reporter")]
    assert decided == [(BOB_MOD.label, "trust_reporter")]


async def test_usage_and_a_non_english_rendering(app: App) -> None:
    code = await reported(app, fan(10), link(10))
    assert render_text(await say(app, MOD, "/reporters")) == "⚠ usage: /reporters LD-…"
    assert "usage: /suspend LD-… <pseudonym|all> [reason]" in render_text(
        await say(app, MOD, f"/suspend {code}")
    )
    bad = await say(app, MOD, "/trust telegram:zz")
    assert isinstance(bad, Problem) and "pseudonym" in bad.text
    usage = await say(app, MOD, f"/synthetic {code} maybe")
    assert isinstance(usage, Problem) and usage.msgid == "usage: /synthetic LD-… yes|no"
    listing = await say(app, MOD, f"/reporters {code}")
    german = render_text(listing, "de")
    assert german.startswith(f"Meldende von {code} (nur Pseudonyme):")
    assert "0 bestätigt, 0 verworfen (0 missbräuchlich)" in german
    name = PSEUDONYM.findall(german)[0]
    done = await say(app, MOD, f"/suspend {code} {name}")
    assert "gesperrt bis" in render_text(done, "de")
    help_text = render_text(await app.handlers.help(MOD), "ja")
    assert "/reporters LD-…" in help_text and "/suspend LD-…" in help_text
