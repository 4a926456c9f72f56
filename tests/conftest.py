"""Shared fixtures: real SQLite files and real PostgreSQL databases, and a wired App."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bots.bootstrap import App, build_app
from core.model import ReporterRef
from core.settings import Settings

POSTGRES_URL = os.environ.get(
    "LEAKDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
#: one reporter key for the test process and the CLI processes it starts (db/reporter_key.py);
#: without it, PostgreSQL runs would generate leakdesk-reporter.key in the working directory
TEST_REPORTER_KEY = "test-reporter-secret"
os.environ.setdefault("LEAKDESK_REPORTER_KEY", TEST_REPORTER_KEY)
REQUIRE_POSTGRES = os.environ.get("LEAKDESK_REQUIRE_POSTGRES", "") not in ("", "0")


async def _admin_connection():  # type: ignore[no-untyped-def]
    import asyncpg

    url = make_url(POSTGRES_URL)
    return await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
        timeout=5,
    )


async def _postgres_available() -> str | None:
    try:
        conn = await _admin_connection()
    except Exception as err:
        return f"{type(err).__name__}: {err}"
    await conn.close()
    return None


@contextlib.asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    problem = await _postgres_available()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(
                f"PostgreSQL required (LEAKDESK_REQUIRE_POSTGRES) but unreachable: {problem}"
            )
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} unreachable: {problem}")
    name = f"leakdesk_t_{uuid.uuid4().hex[:12]}"
    conn = await _admin_connection()
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await _admin_connection()
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file database for one test."""
    return f"sqlite+aiosqlite:///{tmp_path / 'leakdesk.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test using this runs once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'leakdesk.db'}"
        return
    async with fresh_postgres_database() as url:
        yield url


def make_settings(url: str, **overrides: object) -> Settings:
    """Settings for tests: no leakdesk.toml, no environment surprises."""
    values: dict[str, object] = {
        "database_url": url,
        "report_rate": "1000/second",
        # the place, creator and global windows are off unless a test sets them
        # (tests/storage/test_scoped_rate_limits.py): many tests send bursts to one creator
        "place_rate": "",
        "creator_rate": "",
        "global_rate": "",
        "fetch_media": False,
        # adapter tests bind moderator places and use them at once; the approval gate
        # itself is tested with this off (tests/storage/test_venues.py)
        "auto_approve_venues": True,
        # no RDAP lookups (they would reach the internet); tests of them turn them on
        "rdap_lookups": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    """A wired application on a fresh database (SQLite and PostgreSQL)."""
    application = await build_app(make_settings(database_url))
    yield application
    await application.close()


@pytest.fixture
async def sqlite_app(sqlite_url: str) -> AsyncIterator[App]:
    """A wired application on a fresh SQLite file."""
    application = await build_app(make_settings(sqlite_url))
    yield application
    await application.close()


def sealed(application: App, ref: ReporterRef) -> ReporterRef:
    """``ref`` as the database stores it: the id sealed with the app's reporter key."""
    assert application.reporter_key is not None
    return ReporterRef(ref.platform, application.reporter_key.seal(ref.platform, ref.user_id))
