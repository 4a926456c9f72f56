"""Whose escalation a held batch of mails is (a moderator approves only their creator's)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables import cases_t, creators_t, escalations_t, outbox_t


class SqlBatches:
    """Reads held batches of notice mails."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def creators(self, batch: str) -> set[str]:
        """The creators whose cases the mails of ``batch`` are about."""
        query = (
            select(creators_t.c.slug)
            .select_from(outbox_t)
            .join(escalations_t, escalations_t.c.request_key == outbox_t.c.request_key)
            .join(cases_t, cases_t.c.id == escalations_t.c.case_id)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(outbox_t.c.batch == batch)
            .distinct()
        )
        async with self._engine.connect() as conn:
            return set((await conn.execute(query)).scalars())
