"""A row per digest or alert sent (so several processes send it once), and digest counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.escalation.tracking import OPEN
from core.notify.moderator_alerts import DigestCounts
from db.tables import cases_t, creators_t, escalations_t, periodic_sends_t, utcnow
from db.upsert import insert_ignore


class SqlPeriodicSends:
    """Claims of periodic messages, and the counts of the daily digest."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, keys: Sequence[str]) -> list[str]:
        """Insert a row per key; the keys this call inserted (the others existed)."""
        if not keys:
            return []
        async with self._engine.begin() as conn:
            before = set(
                (
                    await conn.execute(
                        select(periodic_sends_t.c.key).where(periodic_sends_t.c.key.in_(keys))
                    )
                ).scalars()
            )
            fresh = [k for k in dict.fromkeys(keys) if k not in before]
            if not fresh:
                return []
            now = utcnow()
            inserted = await conn.execute(
                insert_ignore(conn, periodic_sends_t).returning(periodic_sends_t.c.key),
                [{"key": k, "created_at": now} for k in fresh],
            )
            return list(inserted.scalars())

    async def release(self, keys: Sequence[str]) -> None:
        """Delete the claims (the message was not sent)."""
        if keys:
            async with self._engine.begin() as conn:
                await conn.execute(
                    delete(periodic_sends_t).where(periodic_sends_t.c.key.in_(list(keys)))
                )

    async def digest_counts(self, creator: str, since: datetime, until: datetime) -> DigestCounts:
        """Escalations of ``creator`` created, sent and removed in ``[since, until)``, and
        those overdue at ``until``."""
        e = escalations_t.c
        start, end = since, until  # aware (the column type requires it)
        of_creator = (
            select(func.count())
            .select_from(escalations_t)
            .join(cases_t, cases_t.c.id == e.case_id)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator)
        )
        async with self._engine.connect() as conn:

            async def count(*conditions: object) -> int:
                return int((await conn.execute(of_creator.where(*conditions))).scalar_one())

            return DigestCounts(
                new=await count(e.created_at >= start, e.created_at < end),
                sent=await count(e.sent_at >= start, e.sent_at < end),
                overdue=await count(e.status.in_(list(OPEN)), e.deadline_at < end),
                removed=await count(e.status == "removed", e.closed_at >= start, e.closed_at < end),
            )
