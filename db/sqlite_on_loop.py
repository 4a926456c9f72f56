"""This process's other SQLite write transactions, run on the event loop like the writer's.

Through ``aiosqlite`` every statement of a transaction is a hand-over to its thread and
back to the loop, and the transaction holds the write gate (:mod:`db.write_gate`) for all
those round trips: a picture match's merge (a dozen statements) kept the report writer
waiting for tens of milliseconds on a busy loop.  Like :mod:`db.sqlite_writer`, the
statements here run on the loop itself (SQLAlchemy Core over a blocking ``sqlite3``
connection: microseconds each), taking the lock with ``BEGIN IMMEDIATE`` and no busy
wait (a lock held by another process is tried again after short asynchronous pauses),
and only the ``COMMIT`` (the fsync) runs on a thread.  The stores keep their code: they
get a :class:`LoopConnection`, which answers the part of
:class:`~sqlalchemy.ext.asyncio.AsyncConnection` they use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Result
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from db import retry
from db.engine import connect_sqlite
from db.retry import is_sqlite_busy

T = TypeVar("T")

#: pauses between tries for a write lock another process holds
FIRST_POLL = 0.0005
MAX_POLL = 0.02


class LoopConnection:
    """What a gated write uses of an ``AsyncConnection``, over a blocking connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Result[Any]:
        """Run ``statement`` now (buffered, as ``AsyncConnection.execute`` returns it)."""
        return self._conn.execute(statement, parameters)

    async def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(connection, *args, **kwargs)`` with the blocking connection."""
        return fn(self._conn, *args, **kwargs)


async def commit_off_loop(committer: ThreadPoolExecutor, commit: Callable[[], object]) -> None:
    """Run ``commit`` on ``committer``'s thread, so the loop serves reporters during the fsync.

    A cancelled caller still waits for the commit to end: the connection is free only after.
    """
    done = asyncio.get_running_loop().run_in_executor(committer, commit)
    try:
        await asyncio.shield(done)
    except asyncio.CancelledError:
        await asyncio.wait([done])
        raise


class SqliteOnLoop:
    """Write transactions on one SQLite file, on the loop, one at a time (the gate's)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._engine: Engine | None = None
        self._reader: Engine | None = None
        self._committer: ThreadPoolExecutor | None = None

    def _one_connection(self) -> Engine:
        """An engine over one blocking connection to the file (busy: fail at once)."""
        url = self._url
        return create_sync_engine(
            make_url(url).set(drivername="sqlite+pysqlite"),
            creator=lambda: connect_sqlite(url, busy_timeout_ms=0),
            poolclass=StaticPool,
        )

    def _connect(self) -> Connection:
        if self._engine is None:
            self._engine = self._one_connection()
        return self._engine.connect()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[LoopConnection]:
        """Reads on the loop, on a connection of their own (each statement sees the last
        commit: WAL readers never wait for the writer).  For a few indexed rows read on a
        hot path, where a hand-over to ``aiosqlite``'s thread costs a hundred times more.
        Raises :class:`~sqlalchemy.exc.OperationalError` in the rare case SQLite is busy
        (a WAL being recovered): read through the engine then."""
        if self._reader is None:
            self._reader = self._one_connection()
        conn = self._reader.connect()
        try:
            yield LoopConnection(conn)
        finally:
            conn.rollback()
            conn.close()

    @asynccontextmanager
    async def begin(self, *, durable: bool = True) -> AsyncIterator[LoopConnection]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        The caller holds the write gate for the whole block.  ``durable=False`` commits
        without waiting for the disk (``synchronous=NORMAL``: a process crash loses
        nothing, a power cut may lose the last such commits until the next durable one,
        such as the report writer's next batch, syncs the WAL they precede).  For work
        that is redone when its record is lost: the picture queue's leases and results.
        """
        conn = self._connect()
        try:
            conn.exec_driver_sql(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            await self._begin_immediate(conn)
            try:
                yield LoopConnection(conn)
            except BaseException:
                conn.rollback()
                raise
            await self._commit(conn)
        finally:
            conn.close()

    async def _begin_immediate(self, conn: Connection) -> None:
        give_up = time.monotonic() + retry.DEFAULT_DEADLINE
        pauses = retry.backoff_delays(FIRST_POLL, MAX_POLL)
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as err:
                conn.rollback()
                if not is_sqlite_busy(err) or time.monotonic() >= give_up:
                    raise
            await asyncio.sleep(next(pauses))

    async def _commit(self, conn: Connection) -> None:
        """Commit on a thread: the loop serves reporters during the fsync."""
        if self._committer is None:
            self._committer = ThreadPoolExecutor(1, thread_name_prefix="leakdesk-commit-other")
        await commit_off_loop(self._committer, conn.commit)

    def close(self) -> None:
        """Close the connection (call when no transaction is running)."""
        if self._committer is not None:
            self._committer.shutdown(wait=True)
            self._committer = None
        for engine in (self._engine, self._reader):
            if engine is not None:
                engine.dispose()
        self._engine = self._reader = None


__all__ = ["LoopConnection", "SqliteOnLoop"]
