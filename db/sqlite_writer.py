"""Write transactions on a SQLite file for the report writer, on the event loop.

A batch of link reports is a few dozen ``sqlite3`` calls of a few microseconds each
plus one commit (an fsync of the WAL).  Running them on a worker thread makes the
thread and the event loop trade the GIL back and forth on every statement, which
costs more than the statements; so a batch runs on the loop itself, taking SQLite's
write lock with ``BEGIN IMMEDIATE`` and no busy wait.  Only its ``COMMIT`` (the fsync,
2–13 ms on a shared VM, more when it checkpoints the WAL) runs on a thread of its own,
one hand-over per batch, while the loop goes on with other reporters.  This process's
other SQLite writes take turns with the writer through :mod:`db.write_gate`.  When
another connection holds the lock (another process: a second ``leakdesk import``,
a bot, a cron job), the writer does not block the loop nor sleep in SQLite's busy
handler (whose naps grow to 100 ms, which made two importers wait for each other
most of the time): it tries again after a short asynchronous pause (0.5 ms, doubling
to 20 ms, with jitter) until the deadline of :mod:`db.retry`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from db import retry
from db.engine import connect_sqlite
from db.retry import is_sqlite_busy
from db.sqlite_on_loop import SqliteOnLoop, commit_off_loop
from db.write_gate import WriteGate

T = TypeVar("T")

#: pauses between tries for a held write lock: short, as other writers hold it for milliseconds
FIRST_POLL = 0.0005
MAX_POLL = 0.02


class LockBusy(sqlite3.OperationalError):
    """The write lock is held by another connection (nothing was done; safe to retry)."""


def _begin(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """``BEGIN IMMEDIATE`` and ``work``, leaving the transaction open; raise LockBusy if locked."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        if is_sqlite_busy(err):
            raise LockBusy(str(err)) from err
        raise
    try:
        return work(conn)
    except BaseException:
        _rollback(conn)
        raise


def _commit(conn: sqlite3.Connection) -> None:
    """``COMMIT`` (rolled back if it fails)."""
    try:
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class SqliteWriter:
    """Runs write transactions for one SQLite file (one at a time: the caller serialises)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: sqlite3.Connection | None = None
        #: held by this process's other SQLite writes (:mod:`db.write_gate`): wait, don't poll
        self.gate = WriteGate(sqlite=SqliteOnLoop(url))
        self._committer: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one committed transaction and return its result.

        Raises :class:`LockBusy` if the write lock stayed taken for
        :data:`db.retry.DEFAULT_DEADLINE` seconds.
        """
        if self._conn is None:
            self._conn = connect_sqlite(self._url, busy_timeout_ms=0)
        give_up = time.monotonic() + retry.DEFAULT_DEADLINE
        pauses = retry.backoff_delays(FIRST_POLL, MAX_POLL)
        while True:
            try:
                async with self.gate.first():  # report batches go first
                    result = _begin(self._conn, work)
                    await self._commit(self._conn)
                    return result
            except LockBusy:
                if time.monotonic() >= give_up:
                    raise
            await asyncio.sleep(next(pauses))

    async def _commit(self, conn: sqlite3.Connection) -> None:
        """Commit on the writer's thread: the loop serves reporters during the fsync."""
        if self._committer is None:
            self._committer = ThreadPoolExecutor(1, thread_name_prefix="leakdesk-commit")
        await commit_off_loop(self._committer, lambda: _commit(conn))

    def close(self) -> None:
        """Close the connection (call when no transaction is running)."""
        if self._committer is not None:
            self._committer.shutdown(wait=True)
            self._committer = None
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        if self.gate.sqlite is not None:
            self.gate.sqlite.close()
