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
