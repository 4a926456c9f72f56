"""Schema migrations (Alembic), callable from code and from ``leakdesk db upgrade``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from db.engine import create_engine

MIGRATIONS = Path(__file__).with_name("migrations")
#: PostgreSQL advisory lock key: processes starting together on one database migrate in turn
MIGRATION_LOCK = 0x1EAD_DE5C


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at leakdesk's migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the database at ``url`` to ``revision``."""
    config = alembic_config(url)
    engine = create_engine(url)

    def _upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":  # (SQLite: BEGIN IMMEDIATE serialises)
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Blocking :func:`upgrade` for the CLI."""
    asyncio.run(upgrade(url, revision))
