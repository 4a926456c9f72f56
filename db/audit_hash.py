"""The audit log's hash chain: one canonical encoding of a row, hashed with its predecessor.

Each ``moderator_actions`` row carries ``seq`` (its place in the chain), ``prev_hash`` (the
``row_hash`` of the row before it, :data:`GENESIS` for the first) and ``row_hash``, the
SHA-256 of :func:`canonical_row`.  The database computes these while inserting (a trigger:
PL/pgSQL on PostgreSQL, :func:`audit_row_hash` registered as a SQL function on SQLite), so
every code path that appends an action is chained in its own transaction; ``leakdesk audit
verify`` recomputes them here.  The encoding is length-prefixed UTF-8, so the PL/pgSQL
version in migration 0013 builds the same bytes (migration 0022 changed only how PostgreSQL
keeps the chain head: locked once and written once per transaction).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

#: prev_hash of the first row of the chain
GENESIS = "0" * 64
#: the SQL function name the SQLite trigger calls
SQLITE_FUNCTION = "leakdesk_audit_hash"
#: columns hashed, in order (after ``seq``; ``prev_hash`` comes last)
HASHED_COLUMNS = ("case_id", "moderator", "action", "from_status", "to_status", "reason")


def canonical_time(value: datetime | str | None) -> str | None:
    """``value`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (naive values are taken as UTC)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _field(value: Any) -> str:
    if value is None:
        return "~"
    text = str(value)
    return f"{len(text.encode('utf-8'))}:{text}"


def canonical_row(seq: int, values: dict[str, Any], created_at: Any, prev_hash: str) -> bytes:
    """The bytes hashed for one row: each field length-prefixed (``~`` for NULL)."""
    fields = [seq, *(values[c] for c in HASHED_COLUMNS), canonical_time(created_at), prev_hash]
    return "".join(_field(v) for v in fields).encode("utf-8")


def row_hash(seq: int, values: dict[str, Any], created_at: Any, prev_hash: str) -> str:
    """The hex SHA-256 of :func:`canonical_row`."""
    return hashlib.sha256(canonical_row(seq, values, created_at, prev_hash)).hexdigest()


def audit_row_hash(
    seq: int,
    case_id: int,
    moderator: str,
    action: str,
    from_status: str | None,
    to_status: str | None,
    reason: str | None,
    created_at: str | None,
    prev_hash: str,
) -> str:
    """:func:`row_hash` with positional arguments (the SQLite SQL function)."""
    fields = (case_id, moderator, action, from_status, to_status, reason)
    values = dict(zip(HASHED_COLUMNS, fields, strict=True))
    return row_hash(seq, values, created_at, prev_hash)


def register_sqlite_function(dbapi_connection: Any) -> None:
    """Make :func:`audit_row_hash` callable as ``leakdesk_audit_hash`` on a SQLite connection."""
    dbapi_connection.create_function(SQLITE_FUNCTION, 9, audit_row_hash, deterministic=True)
