"""The outbox in batches: claims that never overlap, sent mails recorded together, and
senders on several connections (and several senders at once) that never send a mail twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from sqlalchemy import select

from bots.bootstrap import App
from core.escalation.channels import load_channels
from core.escalation.notices import TAKE_IT_DOWN, NoticeItem
from core.escalation.outbox import OutboxSender, OutgoingMail
from core.escalation.packets import Request
from core.escalation.smtp import SmtpTransport
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from db.tables import escalations_t
from tests.escalation.smtp_server import Inbox, SmtpServer

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
TELEGRAM = next(c for c in load_channels() if c.id == "telegram-abuse")


async def queued_mails(app: App, count: int) -> list[str]:
    """``count`` confirmed cases, each drafted in its own request with its mail queued;
    returns the mails' Message-IDs."""
    requests, mails = [], []
    for n in range(count):
        result = await app.intake.submit(
            IncomingReport(ReporterRef("test", f"fan{n}"), [f"https://t.me/chan{n}/{n}"])
        )
        code = result.outcomes[0].case_code
        await app.moderation.act(MODERATOR, "confirm", code)
        request = Request(TELEGRAM, TAKE_IT_DOWN, (NoticeItem(f"https://t.me/c/{n}", code),), False)
        message_id = f"<escalation-{request.key}@leakdesk.invalid>"
        message = (
            f"From: desk@leakdesk.example\nTo: abuse@telegram.org\nMessage-ID: {message_id}\n"
            f"Subject: request {n}\n\nPlease remove https://t.me/c/{n}\n"
        ).encode()
        requests.append(request)
        mails.append(OutgoingMail(request.key, TELEGRAM.id, "abuse@telegram.org", message))
    await app.escalations.record_drafted(requests, mails)
    return [f"<escalation-{r.key}@leakdesk.invalid>" for r in requests]


async def test_claims_in_batches_never_overlap_and_a_lapsed_lease_comes_back(app: App) -> None:
    await queued_mails(app, 5)
    first = await app.outbox.claim_mail(2, lease_seconds=0.3)
    second = await app.outbox.claim_mail(2, lease_seconds=60)
    third = await app.outbox.claim_mail(2, lease_seconds=60)
    ids = [m.id for m in first + second + third]
    assert [len(first), len(second), len(third)] == [2, 2, 1]
    assert len(set(ids)) == 5 and ids == sorted(ids)  # oldest first, each once
    assert await app.outbox.claim_mail(10, lease_seconds=60) == []
    # a claim "due by" a time before the lease lapsed does not take the mail back
    await asyncio.sleep(0.4)
    assert await app.outbox.claim_mail(10, lease_seconds=60, due_by=time.time() - 5) == []
    again = await app.outbox.claim_mail(10, lease_seconds=60)
    assert [m.id for m in again] == [m.id for m in first]
    assert {m.attempts for m in again} == {2}


async def test_mails_sent_together_record_every_escalation_and_case(app: App) -> None:
    await queued_mails(app, 4)
    mails = await app.outbox.claim_mail(10, lease_seconds=60)
    await app.outbox.mails_sent(mails[:3])
    assert await app.outbox.states() == {"sent": 3, "sending": 1}
    async with app.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    escalations_t.c.request_key,
                    escalations_t.c.status,
                    escalations_t.c.sent_at,
                    escalations_t.c.deadline_at,
                )
            )
        ).all()
    sent = {m.request_key for m in mails[:3]}
    for key, status, sent_at, deadline in rows:
        if key in sent:
            assert status == "sent"
            assert abs((deadline - sent_at).total_seconds() - 48 * 3600) < 1  # TAKE IT DOWN
        else:
            assert (status, sent_at, deadline) == ("drafted", None, None)
    escalated = await app.cases.list_cases("default", [CaseStatus.ESCALATED])
    confirmed = await app.cases.list_cases("default", [CaseStatus.CONFIRMED])
    assert (len(escalated), len(confirmed)) == (3, 1)
    log = await app.cases.audit_log(escalated[0].code)
    assert any("escalation_sent" in " ".join(map(str, row)) for row in log)


async def test_several_connections_send_each_mail_once(app: App) -> None:
    ids = await queued_mails(app, 30)
    with SmtpServer(Inbox(delay=0.01)) as server:
        transports = [SmtpTransport(server.url) for _ in range(4)]
        sender = OutboxSender(app.outbox, transports, claim_batch=7, unrecorded=3)
        result = await sender.drain()
        again = await sender.drain()
        received = server.inbox.message_ids()
    assert (result.sent, result.failed, result.retrying, again.sent) == (30, 0, 0, 0)
    assert Counter(received) == Counter(ids)  # every mail, once
    assert await app.outbox.states() == {"sent": 30}


async def test_two_senders_at_once_never_send_a_mail_twice(app: App) -> None:
    ids = await queued_mails(app, 24)
    with SmtpServer(Inbox(delay=0.01)) as server:
        senders = [
            OutboxSender(app.outbox, [SmtpTransport(server.url) for _ in range(3)], claim_batch=5)
            for _ in range(2)
        ]
        results = await asyncio.gather(*(s.drain() for s in senders))
        received = server.inbox.message_ids()
    assert sum(r.sent for r in results) == 24
    assert Counter(received) == Counter(ids)
    assert await app.outbox.states() == {"sent": 24}


async def test_a_refused_mail_fails_alone_while_the_others_go_out(app: App) -> None:
    await queued_mails(app, 6)
    with SmtpServer(Inbox(refuse=True)) as refusing:
        sender = OutboxSender(app.outbox, [SmtpTransport(refusing.url) for _ in range(3)])
        result = await sender.drain()
    assert (result.sent, result.failed) == (0, 6)
    assert await app.outbox.states() == {"failed": 6}
