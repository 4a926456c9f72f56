"""The registry of creators as fans may see it: display names only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables import creators_t


class SqlCreatorDirectory:
    """:class:`core.ports.CreatorDirectory` on the ``creators`` table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def display_name(self, slug: str) -> str:
        """The creator's display name, or ``slug`` when it is unknown or has none."""
        async with self._engine.connect() as conn:
            name = (
                await conn.execute(
                    select(creators_t.c.display_name).where(creators_t.c.slug == slug)
                )
            ).scalar_one_or_none()
        return (name or "").strip() or slug

    async def exists(self, slug: str) -> bool:
        """Whether a creator ``slug`` is in the registry."""
        async with self._engine.connect() as conn:
            found = (
                await conn.execute(select(creators_t.c.id).where(creators_t.c.slug == slug))
            ).first()
        return found is not None
