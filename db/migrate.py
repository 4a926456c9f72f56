"""Schema migrations (Alembic), callable from code and from ``leakdesk db upgrade``."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from db.engine import DatabaseUnavailable, create_engine, describe_database_error
from db.reporter_key import ReporterKey, load_reporter_key

MIGRATIONS = Path(__file__).with_name("migrations")
#: PostgreSQL advisory lock key: processes starting together on one database migrate in turn
MIGRATION_LOCK = 0x1EAD_DE5C
#: Alembic's ``op`` and ``context`` are process globals: one upgrade at a time per event loop
_IN_PROCESS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _in_process_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _IN_PROCESS.get(loop)
    if lock is None:
        lock = _IN_PROCESS[loop] = asyncio.Lock()
    return lock


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at leakdesk's migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(
    url: str, revision: str = "head", *, reporter_key: ReporterKey | None = None
) -> tuple[str | None, str | None]:
    """Create or upgrade the database at ``url`` to ``revision``.

    Returns the schema revision before and after (before is None for a new database).
    Raises :class:`DatabaseUnavailable` when the URL is unusable or the database unreachable.
    Processes starting together migrate in turn (PostgreSQL advisory lock, SQLite's write
    lock); so do upgrades within one process, which would otherwise share Alembic's globals.
    ``reporter_key`` seals clear reporter ids (migration 0012); default:
    :func:`db.reporter_key.load_reporter_key` for ``url``.
    """
    async with _in_process_lock():
        return await _upgrade_locked(url, revision, reporter_key)


async def _upgrade_locked(
    url: str, revision: str, reporter_key: ReporterKey | None
) -> tuple[str | None, str | None]:
    config = alembic_config(url)
    config.attributes["reporter_key"] = reporter_key or load_reporter_key(url)
    engine = create_engine(url)
    revisions: list[str | None] = []

    def _upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":  # (SQLite: BEGIN IMMEDIATE serialises)
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        revisions.append(MigrationContext.configure(connection).get_current_revision())
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        revisions.append(MigrationContext.configure(connection).get_current_revision())

    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade)
    except Exception as err:
        message = describe_database_error(err, url)
        if message is None:
            raise
        raise DatabaseUnavailable(message) from None
    finally:
        await engine.dispose()
    return revisions[0], revisions[-1]


def upgrade_sync(
    url: str, revision: str = "head", *, reporter_key: ReporterKey | None = None
) -> tuple[str | None, str | None]:
    """Blocking :func:`upgrade` for the CLI."""
    return asyncio.run(upgrade(url, revision, reporter_key=reporter_key))
