"""Bulk escalation end to end on real databases: confirmed cases in, packets out, recorded once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.bootstrap import App
from core.errors import MissingFields
from core.escalation.agent import AgentOfRecord
from core.model import Actor, IncomingReport, ReporterRef
from db.tables import escalations_t

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")


async def confirmed(app: App, *urls: str) -> list[str]:
    codes = []
    for n, url in enumerate(urls):
        result = await app.intake.submit(IncomingReport(ReporterRef("test", f"fan{n}"), [url]))
        code = result.outcomes[0].case_code
        await app.moderation.act(MODERATOR, "confirm", code)
        codes.append(code)
    return codes


async def test_without_an_agent_of_record_nothing_is_written(app: App, tmp_path: Path) -> None:
    await confirmed(app, "https://x.com/leaker/status/1")
    with pytest.raises(MissingFields, match="agent of record"):
        await app.escalation.escalate("default", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    await app.escalations.set_agent(AgentOfRecord("default", signer="Ava", email="ava@example.org"))
    with pytest.raises(MissingFields, match=r"jurisdiction \(google_ncii\)"):
        await app.escalation.escalate("default", tmp_path / "out")
    assert not (tmp_path / "out").exists()


async def test_confirmed_cases_become_packets_once_unless_asked_again(
    app: App, tmp_path: Path
) -> None:
    agent = AgentOfRecord(
        "default", signer="Ava Example", email="ava@example.org", jurisdiction="US"
    )
    await app.escalations.set_agent(agent)
    assert await app.escalations.agent("default") == agent
    codes = await confirmed(
        app,
        "https://x.com/leaker/status/1",
        "https://twitter.com/leaker/status/2?s=20",
        "https://t.me/leakchan/9",
    )
    # an open (unconfirmed) case is never escalated
    await app.intake.submit(IncomingReport(ReporterRef("test", "x"), ["https://x.com/a/status/3"]))
    await app.escalations.set_synthetic(codes[2], True, actor="test:mod")
    plan, summary = await app.escalation.escalate("default", tmp_path / "first")
    assert summary is not None and plan.cases == 3
    assert summary["recipients"] == {
        "x-take-it-down": 2,
        "google-ncii": 2,
        "telegram-abuse": 1,
        "google-fake": 1,
    }
    written = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert len(written["requests"]) == 5  # two X reports (one per post), one mail, two Google
    notice = (tmp_path / "first" / "telegram-abuse" / "notice.txt").read_text()
    assert "digital forger" in notice and "https://t.me/leakchan/9" in notice
    async with app.engine.connect() as conn:
        rows = (await conn.execute(select(escalations_t.c.status))).scalars().all()
    assert sorted(rows) == ["drafted"] * 6
    # again: everything was escalated, nothing new is written
    plan, summary = await app.escalation.escalate("default", tmp_path / "second")
    assert plan.requests == [] and plan.skipped == 3 and plan.cases == 0
    plan, summary = await app.escalation.escalate("default", tmp_path / "third", again=True)
    assert plan.cases == 3 and len(plan.requests) == 5
    async with app.engine.connect() as conn:
        rows = (await conn.execute(select(escalations_t.c.status))).scalars().all()
    assert len(rows) == 6  # drafted again, not duplicated


async def test_a_dry_run_writes_nothing_and_records_nothing(app: App, tmp_path: Path) -> None:
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    await confirmed(app, "https://x.com/leaker/status/7")
    plan, summary = await app.escalation.escalate("default", None)
    assert summary is None and plan.urls_per_recipient() == {"x-take-it-down": 1, "google-ncii": 1}
    assert await app.escalations.escalated("default") == set()
