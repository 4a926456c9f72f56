"""Following escalations: listing, marking, overdue, and the case following along."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bots.bootstrap import App
from core.errors import InvalidTransition
from core.escalation.agent import AgentOfRecord
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from db.tables import escalations_t

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")


async def escalated_case(app: App, tmp_path: Path) -> str:
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    result = await app.intake.submit(
        IncomingReport(ReporterRef("test", "fan"), ["https://x.com/leaker/status/42"])
    )
    code = result.outcomes[0].case_code
    await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalation.escalate("default", tmp_path / "out")
    return code


async def test_marking_moves_the_escalation_and_its_case(app: App, tmp_path: Path) -> None:
    code = await escalated_case(app, tmp_path)
    listed = await app.tracker.list("default")
    assert {(e.case_code, e.recipient, e.status) for e in listed} == {
        (code, "x-take-it-down", "drafted"),
        (code, "google-ncii", "drafted"),
    }
    x = next(e for e in listed if e.recipient == "x-take-it-down")
    assert x.urls == ("https://x.com/leaker/status/42",)
    google = next(e for e in listed if e.recipient == "google-ncii")
    [sent] = await app.tracker.mark([x.id], "sent", actor="test:mod")
    assert sent.status == "sent" and sent.deadline_at is not None and sent.sent_at is not None
    assert (sent.deadline_at - sent.sent_at) == timedelta(hours=48)  # TAKE IT DOWN's clock
    case = await app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.ESCALATED
    with pytest.raises(InvalidTransition, match="is sent, not sent"):
        await app.tracker.mark([x.id, google.id], "sent", actor="test:mod")
    # all or none: the google escalation did not move either
    assert {e.status for e in await app.tracker.list() if e.id == google.id} == {"drafted"}
    await app.tracker.mark([x.id], "removed", actor="test:mod", note="gone per X mail")
    case = await app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.REMOVED  # Search delisting aside
    assert json_line_keys(await app.tracker.list()) == {
        "id",
        "case_code",
        "recipient",
        "notice",
        "status",
        "sent_at",
        "deadline_at",
        "urls",
    }


def json_line_keys(views) -> set[str]:  # type: ignore[no-untyped-def]
    return set(views[0].as_json())


async def test_overdue_escalations_are_those_past_their_deadline(app: App, tmp_path: Path) -> None:
    await escalated_case(app, tmp_path)
    ids = [e.id for e in await app.tracker.list()]
    await app.tracker.mark(ids, "sent", actor="test:mod")
    now = datetime.now(UTC)
    assert not any(e.overdue(now) for e in await app.tracker.list())
    async with app.engine.begin() as conn:
        await conn.execute(
            update(escalations_t)
            .where(escalations_t.c.recipient == "x-take-it-down")
            .values(deadline_at=datetime.now(UTC) - timedelta(hours=1))
        )
    overdue = [e for e in await app.tracker.list() if e.overdue(now)]
    assert [e.recipient for e in overdue] == ["x-take-it-down"]
    with pytest.raises(InvalidTransition, match="no escalation 999"):
        await app.tracker.mark([999], "removed", actor="test:mod")


def test_removal_statistics_per_recipient_and_notice() -> None:
    from core.escalation.tracking import EscalationView, removal_stats

    start = datetime(2026, 11, 1, tzinfo=UTC)

    def view(n: int, recipient: str, status: str) -> EscalationView:
        return EscalationView(
            n, f"LD-{n:06d}", "c", recipient, "take_it_down", status, start, None, ()
        )

    views = [
        view(1, "x", "removed"),
        view(2, "x", "removed"),
        view(3, "x", "sent"),
        view(4, "x", "removed"),
        view(5, "reddit", "rejected"),
    ]
    closed = {
        1: start + timedelta(hours=10),
        2: start + timedelta(hours=20),
        4: start + timedelta(hours=40),
    }
    stats = {s.recipient: s for s in removal_stats(views, closed)}
    assert (stats["x"].sent, stats["x"].removed) == (4, 3)
    assert stats["x"].removed_share == 0.75
    assert stats["x"].median_hours == 20.0 and stats["x"].p90_hours == 36.0
    assert stats["reddit"].removed == 0 and stats["reddit"].median_hours is None


async def test_stats_come_from_marked_escalations(app: App, tmp_path: Path) -> None:
    await escalated_case(app, tmp_path)
    x = next(e for e in await app.tracker.list() if e.recipient == "x-take-it-down")
    await app.tracker.mark([x.id], "sent", actor="test:mod")
    assert [s.as_json()["sent"] for s in await app.tracker.stats("default")] == [1]
    await app.tracker.mark([x.id], "removed", actor="test:mod")
    [row] = await app.tracker.stats("default")
    assert row.removed == 1 and row.median_hours is not None and row.median_hours < 1
