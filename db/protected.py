"""Stored protected pictures: a creator's own images as sha256, pHash and PDQ rows only."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.media.hashing import phash_from_signed, phash_to_signed
from core.ports import FrameSignals, MediaSignals
from core.protected import ProtectedPicture
from db.retry import retrying
from db.tables import creators_t, protected_hashes_t, protected_pictures_t, utcnow
from db.upsert import insert_ignore


@dataclass(frozen=True)
class ProtectedEntry:
    """One line of ``protect list``."""

    sha256: str
    rows: int
    created_at: datetime


class SqlProtectedStore:
    """Adds, lists, removes and loads protected pictures."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @staticmethod
    async def _creator_id(conn: AsyncConnection, slug: str, *, create: bool) -> int | None:
        query = select(creators_t.c.id).where(creators_t.c.slug == slug)
        creator_id = (await conn.execute(query)).scalar()
        if creator_id is None and create:
            await conn.execute(
                insert_ignore(conn, creators_t), [{"slug": slug, "created_at": utcnow()}]
            )
            creator_id = (await conn.execute(query)).scalar_one()
        return creator_id

    @retrying
    async def add(self, creator: str, picture: MediaSignals) -> tuple[int, bool]:
        """Store ``picture`` as ``creator``'s; returns its id and whether it was new."""
        async with self._engine.begin() as conn:
            creator_id = await self._creator_id(conn, creator, create=True)
            where = (protected_pictures_t.c.creator_id == creator_id) & (
                protected_pictures_t.c.sha256 == picture.sha256
            )
            existing = (await conn.execute(select(protected_pictures_t.c.id).where(where))).scalar()
            if existing is not None:
                return existing, False
            row = {"creator_id": creator_id, "sha256": picture.sha256, "created_at": utcnow()}
            result = await conn.execute(
                insert(protected_pictures_t).returning(protected_pictures_t.c.id), [row]
            )
            picture_id = result.scalar_one()
            if picture.frames:
                await conn.execute(
                    insert(protected_hashes_t),
                    [
                        {
                            "picture_id": picture_id,
                            "frame": f.frame,
                            "view": f.view,
                            "phash": phash_to_signed(f.phash),
                            "pdq": f.pdq,
                            "pdq_quality": f.quality,
                        }
                        for f in picture.frames
                    ],
                )
            return picture_id, True

    @retrying
    async def entries(self, creator: str) -> list[ProtectedEntry]:
        """``creator``'s protected pictures, oldest first."""
        query = (
            select(
                protected_pictures_t.c.sha256,
                func.count(protected_hashes_t.c.id),
                protected_pictures_t.c.created_at,
            )
            .join(creators_t, creators_t.c.id == protected_pictures_t.c.creator_id)
            .outerjoin(
                protected_hashes_t, protected_hashes_t.c.picture_id == protected_pictures_t.c.id
            )
            .where(creators_t.c.slug == creator)
            .group_by(protected_pictures_t.c.id)
            .order_by(protected_pictures_t.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [ProtectedEntry(sha, n, _aware(at)) for sha, n, at in rows]

    @retrying
    async def remove(self, creator: str, sha256_prefix: str) -> list[str]:
        """Forget ``creator``'s pictures whose sha256 starts with the prefix; returns them."""
        prefix = sha256_prefix.lower()
        async with self._engine.begin() as conn:
            creator_id = await self._creator_id(conn, creator, create=False)
            if creator_id is None:
                return []
            rows = await conn.execute(
                select(protected_pictures_t.c.id, protected_pictures_t.c.sha256).where(
                    protected_pictures_t.c.creator_id == creator_id,
                    protected_pictures_t.c.sha256.startswith(prefix, autoescape=True),
                )
            )
            found = rows.all()
            ids = [picture_id for picture_id, _ in found]
            if ids:
                await conn.execute(
                    delete(protected_hashes_t).where(protected_hashes_t.c.picture_id.in_(ids))
                )
                await conn.execute(
                    delete(protected_pictures_t).where(protected_pictures_t.c.id.in_(ids))
                )
        return [sha for _, sha in found]

    @retrying
    async def generation(self) -> tuple[object, ...]:
        """A cheap fingerprint of the whole set of protected pictures (count, highest id,
        newest time): it changes with every ``protect add``, ``import`` and ``remove``, in
        any process, so a running bot polls it and reloads only when it moved."""
        t = protected_pictures_t.c
        query = select(func.count(t.id), func.max(t.id), func.max(t.created_at))
        async with self._engine.connect() as conn:
            return tuple((await conn.execute(query)).one())

    @retrying
    async def picture_ids(self) -> set[int]:
        """The id of every protected picture (what a running bot compares its index with)."""
        async with self._engine.connect() as conn:
            return set((await conn.execute(select(protected_pictures_t.c.id))).scalars())

    @retrying
    async def load(
        self, creator: str | None = None, ids: Collection[int] | None = None
    ) -> list[ProtectedPicture]:
        """Every protected picture (of ``creator`` only, or these ``ids`` only, if given),
        with its hashes."""
        query = (
            select(
                creators_t.c.slug,
                protected_pictures_t.c.id,
                protected_pictures_t.c.sha256,
                protected_hashes_t.c.phash,
                protected_hashes_t.c.pdq,
                protected_hashes_t.c.pdq_quality,
                protected_hashes_t.c.view,
                protected_hashes_t.c.frame,
            )
            .join(creators_t, creators_t.c.id == protected_pictures_t.c.creator_id)
            .outerjoin(
                protected_hashes_t, protected_hashes_t.c.picture_id == protected_pictures_t.c.id
            )
            .order_by(protected_pictures_t.c.id, protected_hashes_t.c.id)
        )
        if creator is not None:
            query = query.where(creators_t.c.slug == creator)
        if ids is not None:
            query = query.where(protected_pictures_t.c.id.in_(sorted(ids)))
        grouped: dict[int, tuple[str, str, list[FrameSignals]]] = {}
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        for slug, picture_id, sha256, phash, pdq, quality, view, frame in rows:
            _, _, frames = grouped.setdefault(picture_id, (slug, sha256, []))
            if phash is not None:
                frames.append(FrameSignals(phash_from_signed(phash), pdq, quality, view, frame))
        return [
            ProtectedPicture(slug, picture_id, sha, tuple(frames))
            for picture_id, (slug, sha, frames) in grouped.items()
        ]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["ProtectedEntry", "SqlProtectedStore"]
