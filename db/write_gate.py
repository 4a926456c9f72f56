"""Taking turns at SQLite's write lock within one process, without polling.

The report writer (:mod:`db.sqlite_writer`) runs its transactions on the event loop and,
finding the write lock held, tries again after short pauses.  When the holder is another
store of the same process (the picture queue's claims and results, a merge), those
pauses oversleep the holder's commit.  A shared :class:`WriteGate` lets such a store's
write transaction and the writer's batches take turns: each waits exactly until the
other has committed.  The writer's batches go first: a report waits for its
acknowledgement, a picture job's result does not, so a store that finds a batch waiting
for the gate lets it pass (for at most ``patience`` seconds, so it is never starved).
Other processes still meet the lock itself.  On PostgreSQL (row locks, no single
write lock) there is no gate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.sqlite_on_loop import SqliteOnLoop

#: seconds a background write lets report batches pass before it takes its turn anyway
PATIENCE = 0.1


class WriteGate:
    """An :class:`asyncio.Lock` at which the report writer's batches go first.

    ``async with gate`` is a background write's turn; ``async with gate.first()`` the
    report writer's.
    """

    def __init__(self, patience: float = PATIENCE, sqlite: SqliteOnLoop | None = None) -> None:
        """``sqlite`` runs the gated transactions on the loop (:mod:`db.sqlite_on_loop`);
        without it they go through the store's own engine."""
        self.sqlite = sqlite
        self._lock = asyncio.Lock()
        self._waiting_first = 0
        self._patience = patience

    def locked(self) -> bool:
        """Whether a write holds the gate."""
        return self._lock.locked()

    @asynccontextmanager
    async def first(self) -> AsyncIterator[None]:
        """The report writer's turn: ahead of every background write still waiting."""
        self._waiting_first += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting_first -= 1
        try:
            yield
        finally:
            self._lock.release()

    async def __aenter__(self) -> WriteGate:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._patience
        while True:
            await self._lock.acquire()
            if not self._waiting_first or loop.time() >= deadline:
                return self
            # a report batch waits: hand it the gate and queue up behind it (an
            # asyncio.Lock wakes its waiters in order and lets none barge in)
            self._lock.release()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()


@asynccontextmanager
async def gated_begin(
    engine: AsyncEngine, gate: WriteGate | None, *, durable: bool = True
) -> AsyncIterator[AsyncConnection]:
    """``engine.begin()``, holding ``gate`` (if any) for the whole transaction.

    With a gate on SQLite the transaction runs on the loop (:mod:`db.sqlite_on_loop`):
    the connection given is a :class:`~db.sqlite_on_loop.LoopConnection`, and
    ``durable=False`` skips the wait for the disk (see :meth:`SqliteOnLoop.begin`).
    """
    if gate is None:
        async with engine.begin() as conn:
            yield conn
        return
    if gate.sqlite is None:
        async with gate, engine.begin() as conn:
            yield conn
        return
    async with gate, gate.sqlite.begin(durable=durable) as loop_conn:
        yield loop_conn  # type: ignore[misc]


__all__ = ["PATIENCE", "WriteGate", "gated_begin"]
