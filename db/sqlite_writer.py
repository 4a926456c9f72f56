"""Write transactions on a SQLite file for the report writer, mostly on the event loop.

A batch of link reports is a few dozen ``sqlite3`` calls of a few microseconds each
plus one commit (an fsync of the WAL).  Running them on a worker thread makes the
thread and the event loop trade the GIL back and forth on every statement, which
costs more than the statements; so a batch runs on the loop itself while SQLite's
write lock is free (taken with ``BEGIN IMMEDIATE`` and no busy wait).  When another
connection holds the lock (this process's aiosqlite sessions, another process),
the batch waits for it on the writer's thread instead, so the loop never blocks on
a lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from db.engine import connect_sqlite
from db.retry import is_sqlite_busy

T = TypeVar("T")


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

    def __init__(self, url: str, thread: ThreadPoolExecutor) -> None:
        self._url = url
        self._thread = thread
        self._loop_conn: sqlite3.Connection | None = None
        self._thread_conn: sqlite3.Connection | None = None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one committed transaction and return its result."""
        if self._loop_conn is None:
            self._loop_conn = connect_sqlite(self._url, busy_timeout_ms=0)
        try:
            return _transaction(self._loop_conn, work)
        except LockBusy:
            pass
        if self._thread_conn is None:
            self._thread_conn = connect_sqlite(self._url)
        conn = self._thread_conn
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, _transaction, conn, work
        )

    def close(self) -> None:
        """Close the connections (call when no transaction is running)."""
        for conn in (self._loop_conn, self._thread_conn):
            if conn is not None:
                conn.close()
        self._loop_conn = self._thread_conn = None
