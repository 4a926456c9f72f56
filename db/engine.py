"""Async engines for SQLite (embedded default) and PostgreSQL (server path)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


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
    """Create an async engine; SQLite runs in WAL mode with foreign keys and a busy timeout."""
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
