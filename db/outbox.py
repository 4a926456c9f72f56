"""The outbox of notice mails: SQL side of :class:`core.escalation.outbox.OutboxStore`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.escalation.notices import TAKE_IT_DOWN
from core.escalation.outbox import QueuedMail
from db.leases import lease_due, new_claim_token
from db.outbox_cases import follow_cases_sent
from db.sets import among
from db.tables import escalations_t, outbox_t, utcnow

#: TAKE IT DOWN Act: removal within 48 hours of a valid request
TAKE_IT_DOWN_HOURS = 48


class SqlOutbox:
    """Leases due mails and records their fate with their escalations."""

    def __init__(self, engine: AsyncEngine, *, default_deadline_hours: float = 168.0) -> None:
        self._engine = engine
        self._default_hours = default_deadline_hours

    async def claim_mail(
        self, limit: int, *, lease_seconds: float, due_by: float | None = None
    ) -> list[QueuedMail]:
        """Lease up to ``limit`` mails due by ``due_by`` (default now): pending, or sending
        with a lapsed lease."""
        now = time.time()
        horizon = now if due_by is None else min(now, due_by)
        token = new_claim_token()
        due = or_(
            and_(outbox_t.c.state == "pending", outbox_t.c.not_before <= horizon),
            and_(outbox_t.c.state == "sending", outbox_t.c.lease_until < horizon),
        )
        async with self._engine.begin() as conn:
            await lease_due(
                conn,
                outbox_t,
                outbox_t.c.id,
                due,
                limit=limit,
                token=token,
                values={
                    "state": "sending",
                    "lease_until": now + lease_seconds,
                    "attempts": outbox_t.c.attempts + 1,
                },
            )
            rows = await conn.execute(
                select(
                    outbox_t.c.id,
                    outbox_t.c.request_key,
                    outbox_t.c.to_addr,
                    outbox_t.c.message,
                    outbox_t.c.attempts,
                )
                .where(outbox_t.c.claim == token)
                .order_by(outbox_t.c.id)
            )
            return [
                QueuedMail(row[0], row[1], row[2], row[3].encode("utf-8"), row[4]) for row in rows
            ]

    async def mail_sent(self, mail: QueuedMail) -> None:
        """The mail was accepted: it and its escalations are sent, their clocks start."""
        await self.mails_sent([mail])

    async def mails_sent(self, mails: Sequence[QueuedMail]) -> None:
        """These mails were accepted: one transaction records them all (a handful of
        statements whatever their number), their escalations are sent, their clocks start,
        and their cases follow (escalated, audit-logged)."""
        if not mails:
            return
        now = utcnow()
        keys = [mail.request_key for mail in mails]
        async with self._engine.begin() as conn:
            await conn.execute(
                update(outbox_t)
                .where(among(conn, outbox_t.c.id, [mail.id for mail in mails]))
                .values(state="sent", sent_at=now, error=None, lease_until=0.0)
            )
            drafted = and_(
                among(conn, escalations_t.c.request_key, keys), escalations_t.c.status == "drafted"
            )
            for tid, hours in ((True, TAKE_IT_DOWN_HOURS), (False, self._default_hours)):
                kind = escalations_t.c.notice_kind
                await conn.execute(
                    update(escalations_t)
                    .where(drafted, kind == TAKE_IT_DOWN if tid else kind != TAKE_IT_DOWN)
                    .values(
                        status="sent",
                        sent_at=now,
                        deadline_at=now + timedelta(hours=hours),
                        updated_at=now,
                    )
                )
            cases = await conn.execute(
                select(escalations_t.c.case_id)
                .where(among(conn, escalations_t.c.request_key, keys))
                .distinct()
            )
            await follow_cases_sent(conn, sorted(cases.scalars()), "leakdesk:outbox", now)

    async def mail_failed(self, mail: QueuedMail, error: str, *, retry_in: float | None) -> None:
        """Record ``error``; due again after ``retry_in`` seconds, or failed for good."""
        values: dict[str, Any] = {"error": error[:300], "lease_until": 0.0}
        if retry_in is None:
            values["state"] = "failed"
        else:
            values.update(state="pending", not_before=time.time() + retry_in)
        async with self._engine.begin() as conn:
            await conn.execute(update(outbox_t).where(outbox_t.c.id == mail.id).values(**values))

    async def states(self) -> dict[str, int]:
        """How many mails are in each state."""
        from sqlalchemy import func

        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(outbox_t.c.state, func.count()).group_by(outbox_t.c.state)
            )
            return {state: count for state, count in rows.all()}
