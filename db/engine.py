"""Async engines for SQLite (embedded default) and PostgreSQL (server path).

Several processes may share one database (bots, ``leakdesk import`` runs, cron jobs),
so every connection the app opens follows the same rules:

* **Checkouts wait their turn.**  Each engine has a fixed pool and no overflow, and a
  FIFO semaphore of the same size stands in front of every checkout
  (:class:`BoundedConnection`): any number of concurrent callers queue for a
  connection instead of failing with "QueuePool limit … reached".  (So a task must not
  check out a second connection while it holds one: with every slot taken by such
  tasks, they would wait for each other.)
* **SQLite reads take no write lock.**  ``engine.connect()`` begins a deferred
  transaction (WAL readers never block writers nor each other); ``engine.begin()``
  (and ``conn.begin()``) takes the write lock up front with ``BEGIN IMMEDIATE``, so a
  read-then-write transaction never fails to upgrade its lock.
* **SQLite waits for a held write lock, then tries again.**  Every connection has a
  busy timeout, set before any other pragma; ``BEGIN IMMEDIATE`` is retried until
  :data:`db.retry.DEFAULT_DEADLINE`, then :class:`db.retry.DatabaseBusy` is raised.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.ext.asyncio.engine import AsyncTransaction

from core.errors import LeakdeskError
from db.audit_hash import register_sqlite_function
from db.retry import retry_sync

#: how long one attempt waits for SQLite's write lock (its busy handler backs off meanwhile)
SQLITE_BUSY_TIMEOUT_MS = 5_000
#: connections per process and engine (aiosqlite runs a thread per connection)
SQLITE_POOL_SIZE = 5
PG_POOL_SIZE = 10
#: execution option marking a SQLite connection whose transaction will write
_WRITES = "leakdesk_writes"
URL_EXAMPLES = "sqlite+aiosqlite:///leakdesk.db or postgresql+asyncpg://user@host/db"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class DatabaseUnavailable(LeakdeskError):
    """The database URL is malformed, or the database cannot be opened or reached.

    ``str(err)`` is one line without the URL's password.
    """


def parse_database_url(url: str) -> URL:
    """Parse and check ``url`` before any connection; raises :class:`DatabaseUnavailable`.

    Refused: text that is not a URL, a backend other than SQLite or PostgreSQL, a driver
    that is not installed, and a SQLite file whose folder does not exist.
    """
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        raise DatabaseUnavailable(
            f"the database URL cannot be parsed; expected e.g. {URL_EXAMPLES}"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUnavailable(f"unsupported database {backend!r}; expected e.g. {URL_EXAMPLES}")
    try:
        parsed.get_dialect()
    except exc.NoSuchModuleError:
        raise DatabaseUnavailable(
            f"no database driver {parsed.drivername!r} is installed; expected e.g. {URL_EXAMPLES}"
        ) from None
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise DatabaseUnavailable(f"the folder of the SQLite database does not exist: {folder}")
    return parsed


def _where(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite database {parsed.database}"
    host = parsed.host or parsed.query.get("host") or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"PostgreSQL at {host}{port}/{parsed.database or ''}"


def _root_cause(error: BaseException) -> BaseException:
    """The driver's own error under SQLAlchemy's wrappers."""
    seen = {id(error)}
    while True:
        inner = getattr(error, "orig", None) or error.__cause__
        if inner is None or id(inner) in seen:
            return error
        seen.add(id(inner))
        error = inner


#: asyncpg errors that mean the server refused this client or database, not a bad statement.
ASYNCPG_CONNECT_ERRORS = (
    "InvalidCatalogNameError",
    "InvalidPasswordError",
    "InvalidAuthorizationSpecificationError",
    "CannotConnectNowError",
    "TooManyConnectionsError",
)


def describe_database_error(error: BaseException, url: str | None = None) -> str | None:
    """One line for an error that means "the database cannot be used", else None.

    Covers refused or unresolvable hosts, timeouts, unknown databases or roles, and SQLite
    files that cannot be opened; the line names the database without its password.
    """
    cause = _root_cause(error)
    reason: str | None = None
    if isinstance(cause, socket.gaierror):
        reason = "unknown host"
    elif isinstance(cause, ConnectionError | TimeoutError):
        reason = cause.strerror or type(cause).__name__
    elif isinstance(cause, FileNotFoundError | PermissionError | IsADirectoryError):
        reason = None  # a local file the command reads, not the database
    elif isinstance(cause, OSError) and cause.errno is not None:
        reason = cause.strerror or str(cause)
    elif isinstance(cause, sqlite3.OperationalError) and "unable to open" in str(cause):
        reason = str(cause)
    elif isinstance(error, exc.OperationalError | exc.InterfaceError):
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    elif type(cause).__module__.startswith("asyncpg") and (
        "Connection" in type(cause).__name__ or type(cause).__name__ in ASYNCPG_CONNECT_ERRORS
    ):
        reason = str(cause).splitlines()[0]
    if reason is None:
        return None
    where = _where(url) if url else "the database"
    return f"cannot use {where}: {reason}"


def is_sqlite(url: str) -> bool:
    """True for a SQLite database URL."""
    return make_url(url).get_backend_name() == "sqlite"


class CheckoutLimit:
    """A FIFO semaphore per event loop, sized to an engine's pool."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def acquire(self) -> asyncio.Semaphore:
        """Wait for a free slot; returns the semaphore to release it on."""
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.size)
        await semaphore.acquire()
        return semaphore


class BoundedConnection(AsyncConnection):
    """An :class:`AsyncConnection` that waits for a checkout slot and marks SQLite writes."""

    _slot: asyncio.Semaphore | None = None

    async def start(self, is_ctxmanager: bool = False) -> AsyncConnection:
        """Wait for a slot, then check a connection out of the pool."""
        limit: CheckoutLimit | None = getattr(self.engine, "checkout_limit", None)
        if limit is not None and self._slot is None and self.sync_connection is None:
            self._slot = await limit.acquire()
        try:
            return await super().start(is_ctxmanager)
        except BaseException:
            self._release()
            raise

    async def close(self) -> None:
        """Return the connection to the pool and free the slot."""
        try:
            await super().close()
        finally:
            self._release()

    def _release(self) -> None:
        slot, self._slot = self._slot, None
        if slot is not None:
            slot.release()

    def begin(self) -> AsyncTransaction:
        """Begin a transaction that may write (``BEGIN IMMEDIATE`` on SQLite)."""
        if self.sync_connection is not None and self.sync_engine.dialect.name == "sqlite":
            self.sync_connection.execution_options(**{_WRITES: True})
        return super().begin()


class BoundedEngine(AsyncEngine):
    """An :class:`AsyncEngine` whose connections are :class:`BoundedConnection`."""

    _connection_cls = BoundedConnection

    def __init__(self, sync_engine: Engine, checkout_limit: CheckoutLimit) -> None:
        super().__init__(sync_engine)
        self.checkout_limit = checkout_limit


def _sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int | None = None) -> None:
    default_ms = SQLITE_BUSY_TIMEOUT_MS
    busy_timeout_ms = default_ms if busy_timeout_ms is None else busy_timeout_ms
    # Let the caller own the transaction (BEGIN / BEGIN IMMEDIATE): no implicit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # First: switching a fresh file to WAL needs a lock another process may hold.
    cursor.execute(f"PRAGMA busy_timeout={max(busy_timeout_ms, default_ms)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    # deleted rows (forgotten reporters, purged links) are zeroed, not left in free pages
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.close()
    register_sqlite_function(dbapi_connection)  # the audit log's chain trigger calls it


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's "begin" event owns the transaction (see _sqlite_on_begin).
    _sqlite_pragmas(dbapi_connection)


def _begin_immediate(connection: Connection) -> None:
    # Each try waits up to the busy timeout inside SQLite (on aiosqlite's thread, or the
    # writer's), so the retry itself needs no sleep, which would block the event loop.
    retry_sync(
        lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"), what="BEGIN IMMEDIATE", pause=None
    )


def _sqlite_on_begin(connection: Connection) -> None:
    # Readers take no lock beyond their WAL snapshot; writers take the write lock up front,
    # so a read-then-write transaction waits for it instead of failing to upgrade its lock.
    if connection.get_execution_options().get(_WRITES):
        _begin_immediate(connection)
    else:
        connection.exec_driver_sql("BEGIN")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine whose checkouts queue for a fixed pool (see the module docstring).

    Raises :class:`DatabaseUnavailable` for a URL that cannot work (see :func:`parse_database_url`).
    """
    parse_database_url(url)
    if is_sqlite(url):
        base = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,  # errors must not log links, notes or ids
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=0,
        )
        event.listen(base.sync_engine, "connect", _sqlite_on_connect)
        event.listen(base.sync_engine, "begin", _sqlite_on_begin)
        return BoundedEngine(base.sync_engine, CheckoutLimit(SQLITE_POOL_SIZE))
    base = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,  # errors must not log links, notes or ids
        pool_size=PG_POOL_SIZE,
        max_overflow=0,
        pool_pre_ping=True,
    )
    return BoundedEngine(base.sync_engine, CheckoutLimit(PG_POOL_SIZE))


def sqlite_path(url: str) -> str:
    """The file of a SQLite database URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("the report writer needs a SQLite file, not an in-memory database")
    return database


def connect_sqlite(url: str, *, busy_timeout_ms: int | None = None) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection to the file of ``url`` with the app's pragmas.

    Autocommit mode: the caller issues ``BEGIN IMMEDIATE`` and ``COMMIT`` itself.
    ``busy_timeout_ms`` defaults to :data:`SQLITE_BUSY_TIMEOUT_MS`; ``0`` makes a held
    write lock fail at once instead of waiting (the pragmas themselves are still set
    with the default busy timeout).
    """
    connection = sqlite3.connect(
        sqlite_path(url),
        timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=64,
    )
    _sqlite_pragmas(connection, busy_timeout_ms)
    return connection


def asyncpg_connect_args(engine: AsyncEngine) -> dict[str, Any]:
    """Keyword arguments for ``asyncpg.connect`` to the database of a PostgreSQL ``engine``.

    They honour the URL as SQLAlchemy reads it (host or Unix socket, port, ``ssl``...).
    """
    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    for sqlalchemy_only in ("prepared_statement_cache_size", "prepared_statement_name_func"):
        kwargs.pop(sqlalchemy_only, None)
    return dict(kwargs)


def _sqlite_writer_on_connect(dbapi_connection: Any, _record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, busy_timeout_ms=0)  # _sqlite_writer_on_begin waits


def _sqlite_writer_on_begin(connection: Connection) -> None:
    # The writer's engine only ever writes, on the writer's own thread: it may sleep there,
    # in short naps (SQLite's busy handler naps up to 100 ms, far longer than a batch).
    retry_sync(
        lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"),
        what="BEGIN IMMEDIATE",
        first=0.0005,
        cap=0.02,
    )


def create_sync_sqlite_engine(url: str) -> Engine:
    """A blocking engine on the same SQLite file, with the same pragmas (for the writer thread).

    It only writes: every transaction takes the write lock with ``BEGIN IMMEDIATE``.
    """
    sync_url = make_url(url).set(drivername="sqlite+pysqlite")
    engine = create_sync_engine(
        sync_url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_writer_on_connect)
    event.listen(engine, "begin", _sqlite_writer_on_begin)
    return engine
