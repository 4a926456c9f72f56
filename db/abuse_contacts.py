"""The cache of abuse contacts found over RDAP: one row per host, with an expiry."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, fields

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.escalation.contacts.model import AbuseContact
from db.tables import abuse_contacts_t
from db.upsert import insert_ignore

_COLUMNS = tuple(f.name for f in fields(AbuseContact))
_CHUNK = 500  # hosts per statement (bound parameters stay well under every limit)


def _row(contact: AbuseContact) -> dict[str, object]:
    row: dict[str, object] = {}
    for name, value in asdict(contact).items():
        length = getattr(abuse_contacts_t.c[name].type, "length", None)
        row[name] = value[:length] if isinstance(value, str) and length else value
    return row


class SqlAbuseContactStore:
    """Abuse contacts over SQLAlchemy Core (SQLite and PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def fresh(self, hosts: Collection[str], now: float) -> dict[str, AbuseContact]:
        """The stored contacts of ``hosts`` that expire after ``now``."""
        wanted = list(hosts)
        found: dict[str, AbuseContact] = {}
        columns = [abuse_contacts_t.c[name] for name in _COLUMNS]
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(*columns).where(
                    abuse_contacts_t.c.host.in_(wanted[start : start + _CHUNK]),
                    abuse_contacts_t.c.expires_at > now,
                )
                for row in (await conn.execute(query)).all():
                    contact = AbuseContact(**dict(zip(_COLUMNS, row, strict=True)))
                    found[contact.host] = contact
        return found

    async def save(self, contacts: Sequence[AbuseContact]) -> None:
        """Store ``contacts``, replacing what was kept for their hosts."""
        rows = list({c.host: _row(c) for c in contacts}.values())
        if not rows:
            return
        async with self._engine.begin() as conn:
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                hosts = [row["host"] for row in chunk]
                await conn.execute(
                    delete(abuse_contacts_t).where(abuse_contacts_t.c.host.in_(hosts))
                )
                # another process may have saved the same host meanwhile: keep either
                await conn.execute(insert_ignore(conn, abuse_contacts_t), chunk)

    async def purge_expired(self, now: float) -> int:
        """Drop the rows that expired before ``now``; returns how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(abuse_contacts_t).where(abuse_contacts_t.c.expires_at <= now)
            )
            return int(result.rowcount or 0)
