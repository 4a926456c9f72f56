"""One creator (id 1) and one case (id 1, LD-AAAAAA) written in plain SQL, for tests and
benchmarks of the audit chain that run against a schema at a given migration."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_bare_case(conn: AsyncConnection, slug: str, at: str = "CURRENT_TIMESTAMP") -> None:
    """Creator ``slug`` and its case LD-AAAAAA, both dated ``at`` (an SQL expression)."""
    await conn.execute(
        text(
            f"INSERT INTO creators (id, slug, display_name, created_at) VALUES (1, :slug, '', {at})"
        ),
        {"slug": slug},
    )
    await conn.execute(
        text(
            "INSERT INTO cases (id, code, creator_id, origin_key, status, reporter_count,"
            " report_count, first_seen, last_seen, updated_at, synthetic) VALUES "
            f"(1, 'LD-AAAAAA', 1, 'k', 'open', 1, 1, {at}, {at}, {at}, false)"
        )
    )
