"""Notice mails through the transactional outbox, to a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import select

from bots.bootstrap import App, build_app
from core.escalation.agent import AgentOfRecord
from core.escalation.outbox import OutboxSender
from core.escalation.smtp import SmtpTransport
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from db.tables import escalations_t
from tests.conftest import make_settings
from tests.escalation.smtp_server import Inbox, SmtpServer, free_port

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
AGENT = AgentOfRecord("default", signer="Ava Example", email="ava@example.org", jurisdiction="US")


async def telegram_cases(app: App, count: int) -> None:
    """``count`` confirmed cases on Telegram: one mail each, in separate requests."""
    await app.escalations.set_agent(AGENT)
    for n in range(count):
        result = await app.intake.submit(
            IncomingReport(ReporterRef("test", f"fan{n}"), [f"https://t.me/leak{n}/{n}"])
        )
        await app.moderation.act(MODERATOR, "confirm", result.outcomes[0].case_code)


async def escalate_by_mail(app: App, out: Path) -> int:
    """Escalate every case to Telegram's mail channel (with sending); returns the mails."""
    requests = 0
    plan, _ = await app.escalation.escalate("default", out, platform="telegram", send=True)
    for request in plan.requests:
        requests += request.channel.kind == "email"
    return requests


async def test_mails_are_sent_once_and_start_the_clock(app: App, tmp_path: Path) -> None:
    await telegram_cases(app, 3)
    with SmtpServer() as server:
        assert await escalate_by_mail(app, tmp_path / "out") == 1  # one mail lists all three
        sender = OutboxSender(app.outbox, SmtpTransport(server.url), retry_base=0.01)
        first = await sender.drain()
        again = await sender.drain()
    assert (first.sent, again.sent) == (1, 0)
    [mail] = server.inbox.messages
    assert mail["To"] == "abuse@telegram.org" and mail["Message-ID"].startswith("<escalation-")
    body = mail.get_payload(decode=True).decode()
    assert all(f"https://t.me/leak{n}/{n}" in body for n in range(3))
    async with app.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(escalations_t.c.status, escalations_t.c.sent_at, escalations_t.c.deadline_at)
            )
        ).all()
    assert len(rows) == 3 and {r.status for r in rows} == {"sent"}
    assert all(abs((r.deadline_at - r.sent_at).total_seconds() - 48 * 3600) < 1 for r in rows)
    assert await app.outbox.states() == {"sent": 1}


async def test_a_server_that_is_down_is_retried_and_a_refusal_is_final(
    app: App, tmp_path: Path
) -> None:
    await telegram_cases(app, 1)
    await escalate_by_mail(app, tmp_path / "out")
    port = free_port()
    sender = OutboxSender(
        app.outbox, SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=2), retry_base=0.01
    )
    down = await sender.drain()
    assert (down.sent, down.retrying) == (0, 1)
    await asyncio.sleep(0.05)
    with SmtpServer(port=port) as server:
        up = await sender.drain()
    assert up.sent == 1 and len(server.inbox.messages) == 1
    # a second creator's mail refused for good (550)
    await app.escalations.set_agent(AgentOfRecord("other", signer="B", email="b@example.org"))
    with SmtpServer(Inbox(refuse=True)) as refusing:
        result = await app.intake.submit(
            IncomingReport(ReporterRef("test", "z"), ["https://t.me/x/1"], creator="other")
        )
        code = result.outcomes[0].case_code
        await app.moderation.act(
            Actor(MODERATOR.ref, is_moderator=True, creator="other"), "confirm", code
        )
        await app.escalation.escalate("other", tmp_path / "o", platform="telegram", send=True)
        refused = await OutboxSender(app.outbox, SmtpTransport(refusing.url)).drain()
    assert refused.failed == 1 and (await app.outbox.states())["failed"] == 1


SENDER_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from bots.bootstrap import build_app
    from core.escalation.outbox import OutboxSender
    from core.escalation.smtp import SmtpTransport
    from tests.conftest import make_settings

    async def main():
        app = await build_app(make_settings(sys.argv[1]), migrate=False)
        sender = OutboxSender(app.outbox, SmtpTransport(sys.argv[2]), lease_seconds=1.0)
        print("ready", flush=True)
        await sender.drain()
        await app.close()

    asyncio.run(main())
    """
)


async def test_a_sigkill_while_sending_loses_no_mail_and_repeats_at_most_one(
    database_url: str, tmp_path: Path
) -> None:
    app = await build_app(make_settings(database_url))
    try:
        await app.escalations.set_agent(AGENT)
        for n in range(8):  # eight creators' worth of separate mails: one per request
            creator = f"c{n}"
            await app.escalations.set_agent(
                AgentOfRecord(creator, signer="Ava", email="ava@example.org", jurisdiction="US")
            )
            result = await app.intake.submit(
                IncomingReport(ReporterRef("t", str(n)), [f"https://t.me/k{n}/1"], creator=creator)
            )
            actor = Actor(MODERATOR.ref, is_moderator=True, creator=creator)
            await app.moderation.act(actor, "confirm", result.outcomes[0].case_code)
            await app.escalation.escalate(
                creator, tmp_path / creator, platform="telegram", send=True
            )
        assert (await app.outbox.states()) == {"pending": 8}
        with SmtpServer(Inbox(delay=0.15)) as server:
            script = tmp_path / "sender.py"
            script.write_text(SENDER_SCRIPT)
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
            process = subprocess.Popen(
                [sys.executable, str(script), database_url, server.url],
                env=env,
                stdout=subprocess.PIPE,
            )
            deadline = time.monotonic() + 60
            while len(server.inbox.messages) < 3:
                assert time.monotonic() < deadline and process.poll() is None
                await asyncio.sleep(0.01)
            process.send_signal(signal.SIGKILL)  # mid-way, maybe between accept and commit
            process.wait()
            await asyncio.sleep(1.1)  # the dead sender's lease runs out
            result = await OutboxSender(app.outbox, SmtpTransport(server.url)).drain()
            received = server.inbox.message_ids()
        assert await app.outbox.states() == {"sent": 8}  # nothing lost
        assert len(set(received)) == 8
        assert len(received) - len(set(received)) <= 1  # at most the one in flight, same id
        assert result.sent >= 8 - 3
    finally:
        await app.close()


async def test_two_approvals_hold_a_bulk_send_until_a_second_moderator_agrees(
    sqlite_url: str, tmp_path: Path
) -> None:
    import pytest

    from core.errors import NotPermitted

    app = await build_app(make_settings(sqlite_url, escalation_approvals=2))
    try:
        await telegram_cases(app, 2)
        with SmtpServer() as server:
            _, summary = await app.escalation.escalate(
                "default", tmp_path / "o", platform="telegram", send=True, actor="cli:alice"
            )
            assert summary is not None and summary["held_for_approval"] == 1
            sender = OutboxSender(app.outbox, SmtpTransport(server.url))
            assert (await sender.drain()).sent == 0  # held: nothing leaves
            with pytest.raises(NotPermitted):
                await app.escalations.approve(str(summary["batch"]), "cli:alice")
            assert await app.escalations.approve(str(summary["batch"]), "cli:bob") == 1
            assert (await sender.drain()).sent == 1
        assert len(server.inbox.messages) == 1
        for case in await app.cases.list_cases("default", [CaseStatus.ESCALATED]):
            log = " | ".join(
                " ".join(map(str, row)) for row in await app.cases.audit_log(case.code)
            )
            assert "requested by cli:alice, approved by cli:bob" in log
    finally:
        await app.close()
