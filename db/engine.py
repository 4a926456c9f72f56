"""Async engines for SQLite (embedded default) and PostgreSQL (server path)."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, exc
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.errors import LeakdeskError

SQLITE_BUSY_TIMEOUT_MS = 10_000
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


def _sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    # Let the caller own the transaction (BEGIN IMMEDIATE): no implicit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's "begin" event owns the transaction (BEGIN IMMEDIATE below).
    _sqlite_pragmas(dbapi_connection)


def _sqlite_on_begin(connection: Any) -> None:
    # Take the write lock up front: a read-then-write transaction in another
    # process then waits (busy timeout) instead of failing to upgrade its lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an async engine; SQLite runs in WAL mode with foreign keys and a busy timeout.

    Raises :class:`DatabaseUnavailable` for a URL that cannot work (see :func:`parse_database_url`).
    """
    parse_database_url(url)
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def sqlite_path(url: str) -> str:
    """The file of a SQLite database URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("the report writer needs a SQLite file, not an in-memory database")
    return database


def connect_sqlite(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection to the file of ``url`` with the app's pragmas.

    Autocommit mode: the caller issues ``BEGIN IMMEDIATE`` and ``COMMIT`` itself.
    ``busy_timeout_ms=0`` makes a held write lock fail at once instead of waiting.
    """
    connection = sqlite3.connect(
        sqlite_path(url),
        timeout=busy_timeout_ms / 1000,
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


def create_sync_sqlite_engine(url: str) -> Engine:
    """A blocking engine on the same SQLite file, with the same pragmas (for the writer thread)."""
    sync_url = make_url(url).set(drivername="sqlite+pysqlite")
    engine = create_sync_engine(sync_url, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine
