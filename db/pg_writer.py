"""Write transactions on PostgreSQL over plain asyncpg connections, for the report writer.

Each writer task borrows a connection for one transaction; connections are kept
open between batches so asyncpg's per-connection statement cache prepares each
statement once.  A connection that broke is dropped and replaced on next use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")


class PgWriter:
    """Runs write transactions for one PostgreSQL database (several may run at once)."""

    def __init__(self, connect_args: dict[str, Any]) -> None:
        """``connect_args`` are for ``asyncpg.connect`` (:func:`db.engine.asyncpg_connect_args`)."""
        self._connect_args = connect_args
        self._idle: list[Any] = []
        self._all: set[Any] = set()

    async def _connect(self) -> Any:
        conn = await asyncpg.connect(
            **self._connect_args,
            # Every statement of the writer finds rows by a unique key.  Prepared plans are
            # made once, often while the tables are still small, when a sequential scan looks
            # cheapest; they would then keep scanning whole tables as they grow.
            server_settings={"enable_seqscan": "off"},
        )
        self._all.add(conn)
        return conn

    async def run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run ``work(connection)`` in one committed transaction and return its result."""
        conn = self._idle.pop() if self._idle else await self._connect()
        try:
            async with conn.transaction():
                result = await work(conn)
        finally:
            if conn.is_closed() or conn.is_in_transaction():  # broken, or cancelled midway
                self._all.discard(conn)
                conn.terminate()
            else:
                self._idle.append(conn)
        return result

    async def close(self) -> None:
        """Close every connection (call when no transaction is running)."""
        for conn in list(self._all):
            if not conn.is_closed():
                await conn.close()
        self._all.clear()
        self._idle.clear()
