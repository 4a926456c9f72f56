"""Someone with direct access to the database edits the audit log behind the app's back."""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy.engine import make_url

from db.engine import is_sqlite, sqlite_path


async def tamper(url: str, *statements: str) -> None:
    """Run ``statements`` with the audit log's guards off (SQLite: dropped; PG: superuser)."""
    if is_sqlite(url):
        conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
        try:
            conn.execute("DROP TRIGGER IF EXISTS moderator_actions_append_only")
            conn.execute("DROP TRIGGER IF EXISTS moderator_actions_no_delete")
            for statement in statements:
                conn.execute(statement)
        finally:
            conn.close()
        return
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database=parsed.database
    )
    try:
        await conn.execute("SET session_replication_role = replica")  # triggers off
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()
