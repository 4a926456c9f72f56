"""The queue of purged cases' chat cards (SQL side of :mod:`core.notify.card_cleanup`)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.notify.card_cleanup import QueuedCard
from db.tables import purged_posts_t


class SqlPurgedPosts:
    """Cards waiting for their adapter to delete them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def pending(self, platform: str, limit: int) -> list[QueuedCard]:
        """Up to ``limit`` cards of ``platform``, oldest first."""
        t = purged_posts_t.c
        query = select(t.id, t.channel_id, t.message_id).where(t.platform == platform)
        async with self._engine.connect() as conn:
            rows = await conn.execute(query.order_by(t.id).limit(limit))
            return [QueuedCard(r.id, r.channel_id, r.message_id) for r in rows]

    async def done(self, card_id: int) -> None:
        """Forget a deleted card."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(purged_posts_t).where(purged_posts_t.c.id == card_id))

    async def all(self) -> list[tuple[str, str, str]]:
        """(platform, channel, message) of every queued card (for the operator)."""
        t = purged_posts_t.c
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(t.platform, t.channel_id, t.message_id).order_by(t.id))
            return [(r[0], r[1], r[2]) for r in rows]
