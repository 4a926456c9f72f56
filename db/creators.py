"""The registry of creators as fans may see it: display names only.

Creators are created by the operator (``leakdesk creator add``, or any operator command
naming one) or by an approved venue's setup, never by a fan (issue 11).
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from db.retry import retrying
from db.tables import creators_t, utcnow
from db.upsert import insert_ignore


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

    async def language(self, slug: str) -> str | None:
        """The creator's default language for their moderator places (None: not set)."""
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(creators_t.c.language).where(creators_t.c.slug == slug)
                )
            ).scalar_one_or_none()

    async def set_language(self, slug: str, language: str | None) -> None:
        """Set the creator's default language (the creator is registered if it was not)."""
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(creators_t).where(creators_t.c.slug == slug).values(language=language)
            )
            if not done.rowcount:
                await conn.execute(
                    insert(creators_t).values(
                        slug=slug, display_name="", created_at=utcnow(), language=language
                    )
                )

    @retrying
    async def create(self, slug: str, display_name: str = "") -> bool:
        """Create creator ``slug`` (the operator only); False when it already exists (its
        display name is then set when one is given)."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert_ignore(conn, creators_t).returning(creators_t.c.id),
                [{"slug": slug, "display_name": display_name or slug, "created_at": utcnow()}],
            )
            created = result.first() is not None
            if not created and display_name:
                await conn.execute(
                    creators_t.update()
                    .where(creators_t.c.slug == slug)
                    .values(display_name=display_name)
                )
        return created
