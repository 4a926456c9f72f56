"""Stored picture hashes: loading them for the index, and hearing of other processes' new ones."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.media.hashing import phash_from_signed
from core.ports import FrameSignals, StoredSignal
from db.retention import PURGED_PREFIX
from db.retry import retrying
from db.tables import cases_t, creators_t, media_t

log = logging.getLogger(__name__)


class SqlMediaStore:
    """Reads every stored hash, grouped by picture, for the near-duplicate index."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @retrying
    async def purged_case_ids(self) -> set[int]:
        """Ids of purged cases (their hashes are gone: running matchers drop them too)."""
        query = select(cases_t.c.id).where(cases_t.c.origin_key.startswith(PURGED_PREFIX))
        async with self._engine.connect() as conn:
            return set((await conn.execute(query)).scalars())

    async def load(self) -> list[StoredSignal]:
        """All stored pictures: creator, case and frames, oldest first."""
        query = (
            select(
                creators_t.c.slug,
                media_t.c.case_id,
                media_t.c.sha256,
                media_t.c.frame,
                media_t.c.view,
                media_t.c.phash,
                media_t.c.pdq,
                media_t.c.pdq_quality,
            )
            .join(creators_t, creators_t.c.id == media_t.c.creator_id)
            .order_by(media_t.c.id)
        )
        grouped: dict[tuple[str, int, str], list[FrameSignals]] = {}
        async with self._engine.connect() as conn:
            result = await conn.stream(query)
            async for slug, case_id, sha256, frame, view, phash, pdq, quality in result:
                frames = grouped.setdefault((slug, case_id, sha256), [])
                if phash is not None and pdq:
                    frames.append(FrameSignals(phash_from_signed(phash), pdq, quality, view, frame))
        return [StoredSignal(c, case, sha, tuple(f)) for (c, case, sha), f in grouped.items()]


def signal_from_payload(data: dict[str, Any]) -> StoredSignal:
    """The picture announced by another process on the media channel.

    Each frame entry is ``[phash, pdq, quality, view, frame]``; a process from before
    views sends ``[phash, pdq, quality]`` (the frame itself).
    """
    frames = tuple(_frame_from_payload(entry) for entry in data["frames"])
    return StoredSignal(str(data["creator"]), int(data["case"]), str(data["sha256"]), frames)


def _frame_from_payload(entry: list[Any]) -> FrameSignals:
    phash, pdq, quality, *rest = entry
    view, frame = (int(rest[0]), int(rest[1])) if len(rest) >= 2 else (0, 0)
    return FrameSignals(int(phash), str(pdq), int(quality), view, frame)
