"""The outbox of chat messages: SQL side of :class:`core.notify.outbox.ChatNoticeStore`."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.notify.outbox import QueuedNotice
from db.tables import chat_notices_t, utcnow


class SqlChatNotices:
    """Leases due messages per platform and records their fate (several processes safe)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(
        self, platform: str, limit: int, *, lease_seconds: float, user_id: str | None = None
    ) -> list[QueuedNotice]:
        """Lease up to ``limit`` due messages of ``platform`` (pending, or a lapsed lease);
        only ``user_id``'s when given (a console serves one person)."""
        now = time.time()
        token = uuid.uuid4().hex
        t = chat_notices_t.c
        due = and_(
            t.platform == platform,
            or_(
                and_(t.state == "pending", t.not_before <= now),
                and_(t.state == "sending", t.lease_until < now),
            ),
        )
        if user_id is not None:
            due = and_(due, t.user_id == user_id)
        async with self._engine.begin() as conn:
            ids = select(t.id).where(due).order_by(t.id).limit(limit)
            if conn.dialect.name == "postgresql":
                ids = ids.with_for_update(skip_locked=True)
            await conn.execute(
                update(chat_notices_t)
                .where(t.id.in_(ids.scalar_subquery()), due)
                .values(
                    state="sending",
                    claim=token,
                    lease_until=now + lease_seconds,
                    attempts=t.attempts + 1,
                )
            )
            rows = await conn.execute(
                select(t.id, t.platform, t.user_id, t.text, t.attempts)
                .where(t.claim == token, t.state == "sending")
                .order_by(t.id)
            )
            return [QueuedNotice(r[0], r[1], r[2], r[3], r[4]) for r in rows if r[2]]

    async def delivered(self, notice: QueuedNotice) -> None:
        """Sent: keep the row (sent once), drop the user's id."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(chat_notices_t)
                .where(chat_notices_t.c.id == notice.id)
                .values(state="sent", sent_at=utcnow(), user_id=None, error=None, lease_until=0.0)
            )

    async def undelivered(
        self, notice: QueuedNotice, error: str, *, retry_in: float | None
    ) -> None:
        """Due again after ``retry_in`` seconds, or failed for good (the id is dropped)."""
        values: dict[str, Any] = {"error": error[:300], "lease_until": 0.0}
        if retry_in is None:
            values.update(state="failed", user_id=None)
        else:
            values.update(state="pending", not_before=time.time() + retry_in)
        async with self._engine.begin() as conn:
            await conn.execute(
                update(chat_notices_t).where(chat_notices_t.c.id == notice.id).values(**values)
            )

    async def states(self) -> dict[str, int]:
        """How many messages are in each state."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(chat_notices_t.c.state, func.count()).group_by(chat_notices_t.c.state)
            )
            return {state: count for state, count in rows.all()}
