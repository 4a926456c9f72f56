"""Taking turns at SQLite's write lock within one process, without polling.

The report writer (:mod:`db.sqlite_writer`) runs its transactions on the event loop and,
finding the write lock held, tries again after short pauses.  When the holder is another
store of the same process (the picture queue's claims and results, a merge), those
pauses oversleep the holder's commit.  A shared :class:`asyncio.Lock` — the gate — lets
such a store's write transaction and the writer's batches take turns: each waits exactly
until the other has committed.  Other processes still meet the lock itself.  On
PostgreSQL (row locks, no single write lock) there is no gate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@asynccontextmanager
async def gated_begin(
    engine: AsyncEngine, gate: asyncio.Lock | None
) -> AsyncIterator[AsyncConnection]:
    """``engine.begin()``, holding ``gate`` (if any) for the whole transaction."""
    if gate is None:
        async with engine.begin() as conn:
            yield conn
        return
    async with gate, engine.begin() as conn:
        yield conn


__all__ = ["gated_begin"]
