"""Retrying work that lost a race for the database, with backoff and a deadline.

Several processes share one database: bot processes, ``leakdesk import`` runs, cron
jobs such as ``leakdesk cases confirm``.  Losing a race is normal there: SQLite's
write lock is held by another connection ("database is locked"), PostgreSQL picks a
deadlock victim or drops a connection.  Each of those leaves nothing done, so the
whole transaction is safe to run again.  It is retried, waiting a little longer each
time (exponential backoff with jitter), until a deadline; only then does the caller
get :class:`DatabaseBusy`, a short user-safe error, never a driver traceback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import ParamSpec, TypeVar

from core.errors import LeakdeskError

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: how long a transaction keeps trying before it gives up with :class:`DatabaseBusy`
DEFAULT_DEADLINE = 60.0
FIRST_DELAY = 0.002
MAX_DELAY = 0.25

_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")
_PG_TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available
        "53300",  # too_many_connections
        "57P01",  # admin_shutdown (the server restarts)
    }
)


class DatabaseBusy(LeakdeskError):
    """The database stayed busy past the retry deadline (nothing was written)."""

    def __init__(self, message: str = "the database is busy, please try again shortly") -> None:
        super().__init__(message)


def _driver_error(err: BaseException) -> BaseException:
    """The DBAPI error under a SQLAlchemy wrapper (``err`` itself otherwise)."""
    original = getattr(err, "orig", None)
    return original if isinstance(original, BaseException) else err


def is_sqlite_busy(err: BaseException) -> bool:
    """True when ``err`` (or the driver error it wraps) is SQLite's busy / locked error."""
    cause = _driver_error(err)
    if not isinstance(cause, sqlite3.OperationalError):
        return False
    return any(marker in str(cause).lower() for marker in _SQLITE_BUSY)


def is_transient(err: BaseException) -> bool:
    """True for errors after which the same transaction may simply run again.

    SQLite busy / locked; PostgreSQL serialization failures, deadlocks, lock
    time-outs, a full server and lost connections.  A retried transaction never
    records anything twice: it was rolled back, and reports are found by their token.
    """
    if getattr(err, "connection_invalidated", False):
        return True
    if is_sqlite_busy(err):
        return True
    cause = _driver_error(err)
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in _PG_TRANSIENT_SQLSTATES:
        return True
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(
        cause,
        asyncpg.ConnectionDoesNotExistError
        | asyncpg.PostgresConnectionError
        | asyncpg.DeadlockDetectedError
        | asyncpg.SerializationError,
    )


def backoff_delays(
    first: float = FIRST_DELAY, cap: float = MAX_DELAY, rng: random.Random | None = None
) -> Iterator[float]:
    """Endless pauses: exponential from ``first`` up to ``cap``, each with full jitter.

    The jitter keeps two processes that collided once from colliding again in step.
    """
    pick = (rng or random).uniform
    ceiling = first
    while True:
        yield pick(ceiling / 2, ceiling)
        ceiling = min(cap, ceiling * 2)


async def retry_async(
    work: Callable[[], Awaitable[T]],
    *,
    deadline: float | None = None,
    what: str = "a database transaction",
    first: float = FIRST_DELAY,
    cap: float = MAX_DELAY,
) -> T:
    """Await ``work()``; on a transient error wait a little and run it again.

    Raises :class:`DatabaseBusy` when it is still failing after ``deadline`` seconds
    (default :data:`DEFAULT_DEADLINE`); any other error is raised at once.  The pauses
    grow from ``first`` to ``cap`` seconds (:func:`backoff_delays`).
    """
    give_up = time.monotonic() + (DEFAULT_DEADLINE if deadline is None else deadline)
    delays = backoff_delays(first, cap)
    attempt = 0
    while True:
        attempt += 1
        try:
            return await work()
        except Exception as err:
            if not is_transient(err):
                raise
            if time.monotonic() >= give_up:
                log.warning("gave up on %s after %d attempts: %s", what, attempt, err)
                raise DatabaseBusy() from err
            log.debug("retrying %s (attempt %d): %s", what, attempt, err)
        await asyncio.sleep(next(delays))


def retry_sync(
    work: Callable[[], T],
    *,
    deadline: float | None = None,
    what: str = "a database transaction",
    pause: Callable[[float], object] | None = time.sleep,
    first: float = FIRST_DELAY,
    cap: float = MAX_DELAY,
) -> T:
    """Blocking :func:`retry_async` for threads.

    ``pause=None`` retries without sleeping in between, for work that already waits
    by itself (SQLite's busy handler backs off up to its busy timeout on each try).
    """
    give_up = time.monotonic() + (DEFAULT_DEADLINE if deadline is None else deadline)
    delays = backoff_delays(first, cap)
    attempt = 0
    while True:
        attempt += 1
        try:
            return work()
        except Exception as err:
            if not is_transient(err):
                raise
            if time.monotonic() >= give_up:
                log.warning("gave up on %s after %d attempts: %s", what, attempt, err)
                raise DatabaseBusy() from err
            log.debug("retrying %s (attempt %d): %s", what, attempt, err)
        if pause is not None:
            pause(next(delays))


def retrying(
    func: Callable[P, Awaitable[T]],
) -> Callable[P, Awaitable[T]]:
    """Decorate an async store method that is one transaction: retry it when it loses a race.

    Use only on methods whose every call is a single transaction (or only reads), so
    that running one again after a rollback is the same as running it once.
    """

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return await retry_async(lambda: func(*args, **kwargs), what=func.__qualname__)

    return wrapper


__all__ = [
    "DEFAULT_DEADLINE",
    "DatabaseBusy",
    "backoff_delays",
    "is_sqlite_busy",
    "is_transient",
    "retry_async",
    "retry_sync",
    "retrying",
]
