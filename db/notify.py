"""Cross-process notifications over PostgreSQL ``LISTEN/NOTIFY``.

Writers call :func:`notify` inside their transaction, so a notification is delivered
exactly when (and only if) the change commits.  Every payload carries the sender's
token so a process skips its own notifications (it already acted on them).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

#: New picture hashes: ``{"from", "creator", "case", "sha256", "frames": [[phash, pdq, q]…]}``.
MEDIA_CHANNEL = "leakdesk_media"
#: Case created or changed: ``{"from", "case", "code", "creator", "created"}``.
CASES_CHANNEL = "leakdesk_cases"

_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
#: many notifications in one round trip (a bulk action on hundreds of cases)
_NOTIFY_MANY = text(
    "SELECT pg_notify(:channel, payload) FROM unnest(:payloads) WITH ORDINALITY AS p(payload, n)"
    " ORDER BY n"
).bindparams(bindparam("payloads", type_=ARRAY(Text)))


def new_sender_token() -> str:
    """A token that tells one process's notifications apart from every other's."""
    return f"{os.getpid()}-{os.urandom(6).hex()}"


def notify(conn: Connection, channel: str, payloads: list[dict[str, Any]]) -> None:
    """Queue notifications in the current transaction (PostgreSQL only; a no-op elsewhere)."""
    if conn.dialect.name != "postgresql" or not payloads:
        return
    if len(payloads) == 1:
        conn.execute(_NOTIFY, {"channel": channel, "payload": json.dumps(payloads[0])})
        return
    conn.execute(_NOTIFY_MANY, {"channel": channel, "payloads": [json.dumps(p) for p in payloads]})


class PgListener:
    """One dedicated asyncpg connection listening on several channels."""

    def __init__(self, url: str, sender: str) -> None:
        self._url = make_url(url)
        self._sender = sender
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._connection: Any = None

    def on(self, channel: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Call ``handler`` with each payload other processes send on ``channel``."""
        self._handlers[channel] = handler

    async def start(self) -> None:
        """Open the connection and listen on every registered channel."""
        import asyncpg

        u = self._url
        self._connection = await asyncpg.connect(
            host=u.host,
            port=u.port or 5432,
            user=u.username,
            password=u.password,
            database=u.database,
        )
        for channel in self._handlers:
            await self._connection.add_listener(channel, self._notified)

    def _notified(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            if data.get("from") == self._sender:
                return
            self._handlers[channel](data)
        except Exception:
            log.exception("ignored a malformed notification on %s", channel)

    async def close(self) -> None:
        """Stop listening."""
        if self._connection is not None:
            await asyncio.shield(self._connection.close())
            self._connection = None
