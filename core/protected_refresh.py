"""Running bots learn protected pictures added or removed by another process.

``leakdesk protect add|import|remove`` run in their own process (often on another
machine, against the shared database), while each bot holds the protected hashes in
memory (:class:`~core.protected.ProtectedIndex`).  :class:`ProtectedRefresh` polls a
cheap fingerprint of the stored set (count, highest id, newest time: one indexed
aggregate) every few seconds; only when it moved are the stored ids compared with the
index, the new pictures' hashes loaded and the removed ones forgotten.  The same code
serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Hashable
from typing import Protocol

from core.protected import ProtectedIndex, ProtectedPicture

log = logging.getLogger(__name__)

#: pictures loaded per query when many were added at once
LOAD_BATCH = 500


class ProtectedSource(Protocol):
    """Where protected pictures are stored (:class:`db.protected.SqlProtectedStore`)."""

    async def generation(self) -> Hashable:
        """A value that changes whenever a protected picture is added or removed."""
        ...

    async def picture_ids(self) -> set[int]:
        """The ids of every stored protected picture."""
        ...

    async def load(
        self, creator: str | None = None, ids: Collection[int] | None = None
    ) -> list[ProtectedPicture]:
        """The stored pictures with these ids, with their hashes."""
        ...


class ProtectedRefresh:
    """Keeps a :class:`ProtectedIndex` in step with the stored protected pictures."""

    def __init__(self, source: ProtectedSource, index: ProtectedIndex, seconds: float) -> None:
        """``seconds``: how often the fingerprint is polled (0 or less: never)."""
        self._source = source
        self._index = index
        self._seconds = seconds
        self._seen: Hashable | None = None
        self._task: asyncio.Task[None] | None = None

    async def prime(self) -> None:
        """Record the current fingerprint (call it right after loading the index)."""
        self._seen = await self._source.generation()

    async def refresh(self) -> tuple[int, int]:
        """Apply what changed since the last look: (pictures added, pictures removed)."""
        generation = await self._source.generation()
        if generation == self._seen:
            return 0, 0
        stored = await self._source.picture_ids()
        known = self._index.picture_ids()
        new = sorted(stored - known)
        added = 0
        for start in range(0, len(new), LOAD_BATCH):
            added += self._index.load(await self._source.load(ids=new[start : start + LOAD_BATCH]))
        removed = self._index.forget(known - stored)
        self._seen = generation
        if added or removed:
            log.info("protected pictures: %d added, %d removed by another process", added, removed)
        return added, removed

    @property
    def running(self) -> bool:
        """Whether the polling loop runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Poll in the background (idempotent; a no-op when disabled)."""
        if self._seconds > 0 and not self.running:
            self._task = asyncio.create_task(self._run(), name="leakdesk-protected-refresh")

    async def stop(self) -> None:
        """Stop polling (a refresh under way is cancelled; what it had not applied yet is
        applied by the next refresh, which compares ids again)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        # plain sleeps, like the recheck schedule: chat libraries' test clocks know them
        while True:
            await asyncio.sleep(self._seconds)
            try:
                await self.refresh()
            except Exception:  # the database is away for a while: try again next time
                log.exception("protected pictures: refresh failed")


__all__ = ["LOAD_BATCH", "ProtectedRefresh", "ProtectedSource"]
