"""The creators' allow-list in the database (``allowed_pages``, migration 0017)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.allowlist import AllowedPage
from db.retry import retrying
from db.tables import allowed_pages_t, creators_t, utcnow
from db.upsert import insert_ignore


async def _creator_id(conn: AsyncConnection, slug: str, *, create: bool) -> int | None:
    query = select(creators_t.c.id).where(creators_t.c.slug == slug)
    creator_id = (await conn.execute(query)).scalar()
    if creator_id is None and create:
        await conn.execute(
            insert_ignore(conn, creators_t),
            [{"slug": slug, "display_name": slug, "created_at": utcnow()}],
        )
        creator_id = (await conn.execute(query)).scalar_one()
    return creator_id


class SqlAllowListStore:
    """:class:`core.allowlist.AllowListStore` on ``allowed_pages``; one transaction a call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @retrying
    async def load(self) -> list[AllowedPage]:
        """Every entry of every creator, with the creator's display name."""
        return await self._select()

    @retrying
    async def entries(self, creator: str) -> list[AllowedPage]:
        """``creator``'s entries, oldest first."""
        return await self._select(creators_t.c.slug == creator)

    async def _select(self, *conditions: object) -> list[AllowedPage]:
        query = (
            select(allowed_pages_t, creators_t.c.slug, creators_t.c.display_name)
            .join(creators_t, creators_t.c.id == allowed_pages_t.c.creator_id)
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(allowed_pages_t.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            AllowedPage(
                r.slug,
                r.canonical,
                r.key,
                r.host,
                r.path_prefix,
                int(r.hits or 0),
                (r.display_name or "").strip() or r.slug,
            )
            for r in rows
        ]

    @retrying
    async def add(self, page: AllowedPage) -> bool:
        """Store ``page`` (creating its creator: only the operator's CLI adds entries);
        False when the creator already had it."""
        async with self._engine.begin() as conn:
            creator_id = await _creator_id(conn, page.creator, create=True)
            result = await conn.execute(
                insert_ignore(conn, allowed_pages_t).returning(allowed_pages_t.c.id),
                [
                    {
                        "creator_id": creator_id,
                        "canonical": page.canonical,
                        "key": page.key,
                        "host": page.host,
                        "path_prefix": page.path_prefix,
                        "hits": 0,
                        "created_at": utcnow(),
                    }
                ],
            )
            return result.first() is not None

    @retrying
    async def remove(self, creator: str, key: str) -> bool:
        """Drop ``creator``'s entry ``key``; False when there was none."""
        async with self._engine.begin() as conn:
            creator_id = await _creator_id(conn, creator, create=False)
            if creator_id is None:
                return False
            result = await conn.execute(
                delete(allowed_pages_t).where(
                    allowed_pages_t.c.creator_id == creator_id, allowed_pages_t.c.key == key
                )
            )
            return bool(result.rowcount)

    @retrying
    async def add_hits(self, hits: dict[tuple[str, str], int]) -> None:
        """Add the reports turned away since the last call, per (creator, key)."""
        async with self._engine.begin() as conn:
            for (creator, key), count in hits.items():
                creator_id = await _creator_id(conn, creator, create=False)
                if creator_id is None:
                    continue
                await conn.execute(
                    update(allowed_pages_t)
                    .where(
                        allowed_pages_t.c.creator_id == creator_id,
                        allowed_pages_t.c.key == key,
                    )
                    .values(hits=allowed_pages_t.c.hits + count)
                )
