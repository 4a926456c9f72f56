"""Write transactions on a SQLite file for the report writer, on the event loop.

A batch of link reports is a few dozen ``sqlite3`` calls of a few microseconds each
plus one commit (an fsync of the WAL).  Running them on a worker thread makes the
thread and the event loop trade the GIL back and forth on every statement, which
costs more than the statements; so a batch runs on the loop itself, taking SQLite's
write lock with ``BEGIN IMMEDIATE`` and no busy wait.  When another connection holds
the lock (this process's other stores, another process: a second ``leakdesk import``,
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
from typing import TypeVar

from db import retry
from db.engine import connect_sqlite
from db.retry import is_sqlite_busy

T = TypeVar("T")

#: pauses between tries for a held write lock: short, as other writers hold it for milliseconds
FIRST_POLL = 0.0005
MAX_POLL = 0.02


class LockBusy(sqlite3.OperationalError):
    """The write lock is held by another connection (nothing was done; safe to retry)."""


def _transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``work`` between ``BEGIN IMMEDIATE`` and ``COMMIT``; raise LockBusy if locked."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        if is_sqlite_busy(err):
            raise LockBusy(str(err)) from err
        raise
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


class SqliteWriter:
    """Runs write transactions for one SQLite file (one at a time: the caller serialises)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: sqlite3.Connection | None = None
        #: held by this process's other SQLite writes (:mod:`db.write_gate`): wait, don't poll
        self.gate = asyncio.Lock()

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
                async with self.gate:
                    return _transaction(self._conn, work)
            except LockBusy:
                if time.monotonic() >= give_up:
                    raise
            await asyncio.sleep(next(pauses))

    def close(self) -> None:
        """Close the connection (call when no transaction is running)."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None
