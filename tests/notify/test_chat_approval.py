"""Approval from a chat: a held bulk send waits for a second moderator of the same creator;
the audit log names both; the mails then go to the (loopback) mail server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bots.bootstrap import App, build_app
from core.escalation.agent import AgentOfRecord
from core.model import Actor, IncomingReport, ReporterRef
from handlers import Problem, render_text
from handlers.approval import SendApproved
from handlers.escalation import EscalationDone
from tests.conftest import make_settings
from tests.escalation.smtp_server import SmtpServer

FIRST = Actor(ReporterRef("test", "ann"), is_moderator=True, creator="default", display="Ann")
SECOND = Actor(ReporterRef("test", "bo"), is_moderator=True, creator="default", display="Bo")
ELSEWHERE = Actor(ReporterRef("test", "cy"), is_moderator=True, creator="bob")
FAN = Actor(ReporterRef("test", "fan"), creator="default")
ON_TELEGRAM = "https://t.me/leakchannel/77"  # Telegram's abuse channel takes mail


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
async def two_approvals(database_url: str, smtp: SmtpServer, tmp_path: Path) -> AsyncIterator[App]:
    app = await build_app(
        make_settings(
            database_url,
            escalation_approvals=2,
            smtp_url=smtp.url,
            smtp_from="desk@example.org",
            packets_dir=str(tmp_path / "packets"),
        )
    )
    yield app
    await app.close()


async def test_a_second_moderator_approves_and_the_mail_goes_out(
    two_approvals: App, smtp: SmtpServer
) -> None:
    app = two_approvals
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Dee", email="dee@example.org", jurisdiction="US")
    )
    result = await app.intake.submit(IncomingReport(ReporterRef("test", "fan"), [ON_TELEGRAM]))
    code = result.outcomes[0].case_code
    await app.moderation.act(FIRST, "confirm", code)

    done = await app.escalation_handlers.escalate(FIRST, "telegram")
    assert isinstance(done, EscalationDone) and done.held == 1 and done.batch
    assert smtp.inbox.messages == []  # held

    for refused, why in ((FIRST, "second moderator"), (ELSEWHERE, "another creator"),
                         (FAN, "moderators")):  # fmt: skip
        reply = await app.approval_handlers.approve(refused, done.batch)
        assert isinstance(reply, Problem) and why in reply.text
    assert smtp.inbox.messages == []

    approved = await app.approval_handlers.approve(SECOND, done.batch)
    assert isinstance(approved, SendApproved) and approved.mails == 1
    assert approved.sent is not None and approved.sent.sent == 1
    assert len(smtp.inbox.messages) == 1
    assert "Approved by Bo: 1 mail(s) released" in render_text(approved)
    [row] = [r for r in await app.cases.audit_log(code) if r[1] == "approve_send"]
    assert row[0] == "test:bo" and "requested by test:ann" in (row[2] or "")

    again = await app.approval_handlers.approve(SECOND, done.batch)
    assert isinstance(again, Problem)
    unknown = await app.approval_handlers.approve(SECOND, "0123456789ab")
    assert isinstance(unknown, Problem) and "no longer waiting" in unknown.text
