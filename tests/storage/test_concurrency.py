"""Sharing one database: SQLite's write lock, retries, and bounded pool checkouts."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from bots.bootstrap import build_app
from core.errors import LeakdeskError
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from db import engine as engine_module
from db import retry
from db.engine import connect_sqlite, create_engine, sqlite_path
from db.tables import cases_t
from db.venues import VenueConfig
from tests.conftest import make_settings

LINK = "https://x.com/leaker/status/1234567890"


class HeldWriteLock:
    """Another process's writer: holds SQLite's write lock until released."""

    def __init__(self, url: str) -> None:
        self._conn = sqlite3.connect(
            sqlite_path(url), isolation_level=None, timeout=5, check_same_thread=False
        )
        self._conn.execute("BEGIN IMMEDIATE")

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.start()
        return timer

    def release(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")
        self._conn.close()


def _can_write_now(url: str) -> bool:
    """Whether another connection could take the write lock right now (no waiting)."""
    probe = sqlite3.connect(sqlite_path(url), isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each wait for the write lock gives up after 50 ms, so retries happen quickly."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    yield


async def test_a_sqlite_read_takes_no_write_lock(sqlite_app) -> None:  # type: ignore[no-untyped-def]
    url = sqlite_app.settings.database_url
    async with sqlite_app.engine.connect() as conn:
        await conn.execute(select(cases_t.c.id))
        assert conn.in_transaction()
        assert _can_write_now(url)  # the open read transaction does not hold the lock
    async with sqlite_app.engine.begin() as conn:
        await conn.execute(select(cases_t.c.id))
        assert not _can_write_now(url)  # a write transaction holds it from its start


async def test_reads_go_on_while_another_process_writes(sqlite_app) -> None:  # type: ignore[no-untyped-def]
    result = await sqlite_app.intake.submit(IncomingReport(ReporterRef("t", "1"), [LINK]))
    code = result.outcomes[0].case_code
    lock = HeldWriteLock(sqlite_app.settings.database_url)
    try:
        assert (await sqlite_app.cases.get_case(code)).reporters == 1
        assert len(await sqlite_app.cases.list_cases(None, [CaseStatus.OPEN], 10)) == 1
        assert await sqlite_app.venues.all() == []
        keys = await sqlite_app.reports.known_link_keys("default", ["nope"])
        assert keys == set()
    finally:
        lock.release()


async def test_writes_wait_for_a_lock_held_longer_than_the_busy_timeout(
    short_busy_timeout: None, sqlite_url: str
) -> None:
    app = await build_app(make_settings(sqlite_url))
    try:
        first = await app.intake.submit(IncomingReport(ReporterRef("t", "1"), [LINK]))
        code = first.outcomes[0].case_code
        moderator = Actor(ReporterRef("t", "mod"), True)
        lock = HeldWriteLock(sqlite_url)
        timer = lock.release_after(0.4)  # eight busy timeouts
        try:
            report, confirmed, venue = await asyncio.gather(
                app.intake.submit(IncomingReport(ReporterRef("t", "2"), [LINK])),
                app.moderation.act(moderator, "confirm", code),
                app.venues.bind(VenueConfig("discord", "g1", "default")),
            )
        finally:
            timer.join()
        assert report.outcomes[0].case_code == code
        assert confirmed.status.value == "confirmed"
        assert venue.venue_id == "g1"
        case = await app.cases.get_case(code)
        assert (case.reporters, case.status.value) == (2, "confirmed")
    finally:
        await app.close()


async def test_a_lock_held_past_the_deadline_is_a_short_error(
    short_busy_timeout: None, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    app = await build_app(make_settings(sqlite_url))
    monkeypatch.setattr(retry, "DEFAULT_DEADLINE", 0.2)
    lock = HeldWriteLock(sqlite_url)
    try:
        with pytest.raises(retry.DatabaseBusy) as raised:
            await app.venues.bind(VenueConfig("discord", "g1", "default"))
        assert isinstance(raised.value, LeakdeskError)
        assert str(raised.value) == "the database is busy, please try again shortly"
        with pytest.raises(retry.DatabaseBusy):
            await app.intake.submit(IncomingReport(ReporterRef("t", "1"), [LINK]))
    finally:
        lock.release()
        await app.close()
    assert _can_write_now(sqlite_url)


async def test_the_plain_sqlite_connections_have_a_busy_timeout(sqlite_url: str) -> None:
    await build_app(make_settings(sqlite_url))  # creates the file
    default = connect_sqlite(sqlite_url)
    no_wait = connect_sqlite(sqlite_url, busy_timeout_ms=0)
    try:
        assert default.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert no_wait.execute("PRAGMA busy_timeout").fetchone()[0] == 0
        assert default.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        default.close()
        no_wait.close()
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            timeout = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert timeout == 5000
    finally:
        await engine.dispose()


async def test_concurrent_checkouts_queue_for_the_pool(database_url: str) -> None:
    """Far more concurrent callers than connections: none fails, the pool is never exceeded."""
    app = await build_app(make_settings(database_url))
    pool = app.engine.sync_engine.pool
    checked_out = peak = 0

    def on_checkout(*_args: object) -> None:
        nonlocal checked_out, peak
        checked_out += 1
        peak = max(peak, checked_out)

    def on_checkin(*_args: object) -> None:
        nonlocal checked_out
        checked_out -= 1

    event.listen(pool, "checkout", on_checkout)
    event.listen(pool, "checkin", on_checkin)
    try:
        result = await app.intake.submit(IncomingReport(ReporterRef("t", "1"), [LINK]))
        code = result.outcomes[0].case_code
        reads = [app.cases.get_case(code) for _ in range(150)]
        writes = [app.venues.bind(VenueConfig("discord", f"g{n}", "default")) for n in range(50)]
        jobs = reads + writes
        random.Random(8).shuffle(jobs)
        done = await asyncio.gather(*jobs)
        assert sum(1 for d in done if isinstance(d, VenueConfig)) == 50
        assert all(d is not None for d in done)
        assert len(await app.venues.all()) == 50
        assert 1 < peak <= app.engine.checkout_limit.size
        assert pool.size() == app.engine.checkout_limit.size  # no overflow to rely on
    finally:
        await app.close()


def test_transient_errors_are_recognised() -> None:
    import asyncpg
    from sqlalchemy.exc import OperationalError

    locked = sqlite3.OperationalError("database is locked")
    assert retry.is_transient(locked)
    assert retry.is_transient(OperationalError("BEGIN IMMEDIATE", {}, locked))
    assert retry.is_transient(asyncpg.DeadlockDetectedError("deadlock detected"))
    assert not retry.is_transient(sqlite3.OperationalError("no such table: cases"))
    assert not retry.is_transient(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not retry.is_transient(ValueError("database is locked"))


async def test_retry_runs_again_only_for_transient_errors() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 4:
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert await retry.retry_async(flaky) == "done"
    assert calls == 4

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise sqlite3.OperationalError("no such table: cases")

    calls = 0
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await retry.retry_async(broken)
    assert calls == 1


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    delays = retry.backoff_delays(first=0.002, cap=0.05, rng=random.Random(1))
    taken = [next(delays) for _ in range(12)]
    assert 0.001 <= taken[0] <= 0.002
    assert all(0.025 <= d <= 0.05 for d in taken[6:])
    assert len(set(taken)) == len(taken)


async def test_upgrades_started_together_in_one_process_migrate_in_turn(
    database_url: str,
) -> None:
    from db.migrate import upgrade

    revisions = await asyncio.gather(*(upgrade(database_url) for _ in range(3)))
    assert [before for before, _after in revisions].count(None) == 1
    assert len({after for _before, after in revisions}) == 1
    app = await build_app(make_settings(database_url), migrate=False)
    try:
        result = await app.intake.submit(IncomingReport(ReporterRef("t", "1"), [LINK]))
        assert result.outcomes[0].new_case
    finally:
        await app.close()


def test_processes_starting_together_on_a_fresh_database_migrate_in_turn(
    database_url: str, tmp_path: Path
) -> None:
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "db", "upgrade"],
            env={**os.environ, "LEAKDESK_DATABASE_URL": database_url},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in started]
    assert [process.returncode for process in started] == [0, 0, 0], outputs
    created = [out for out, _err in outputs if out.startswith("created the database schema")]
    assert len(created) == 1, outputs
