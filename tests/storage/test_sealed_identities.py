"""Sealed reporter ids: keyed in every table but the open requests and queued notices;
forget deletes everything of a person, also from SQLite's files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from bots.bootstrap import App, build_app
from core.errors import RateLimited
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from core.ports import PendingReport
from core.urls import canonicalize
from db import SqlReportStore, create_engine, upgrade
from db.reporter_key import ReporterKey, load_reporter_key, read_or_create_key_file
from db.tables import (
    chat_notices_t,
    removal_watches_t,
    reporters_t,
    reports_t,
    user_settings_t,
    utcnow,
)
from handlers.messages import ReportReceived
from tests.conftest import make_settings, sealed

FAN = ReporterRef("telegram", "777000123456")
LINK = "https://x.com/leaker/status/42"


async def _table(app: App, table, *where):  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(table).where(*where))]


async def _report(app: App, reporter: ReporterRef = FAN, **kwargs: object) -> ReportReceived:
    result = await app.intake.submit(IncomingReport(reporter, [LINK], **kwargs))  # type: ignore[arg-type]
    return ReportReceived(result.outcomes, result.rejected, bool(kwargs.get("anonymous")))


def test_the_seal_is_an_hmac_chain_and_the_key_file_is_made_once(tmp_path: Path) -> None:
    key = ReporterKey.parse("one")
    assert key.seal("discord", "1") == key.seal("discord", "1")
    assert key.seal("discord", "1") != key.seal("telegram", "1")
    assert key.seal("discord", "1") != ReporterKey.parse("two").seal("discord", "1")
    assert len(key.seal("discord", "1")) == 64
    path = tmp_path / "leakdesk.db.reporter-key"
    first = read_or_create_key_file(path)
    assert read_or_create_key_file(path) == first
    assert path.stat().st_mode & 0o077 == 0  # readable by the operator only
    url = f"sqlite+aiosqlite:///{tmp_path / 'leakdesk.db'}"
    assert load_reporter_key(url, key_file=None, key="") == first  # default: next to the file


async def test_reporter_ids_are_stored_keyed_by_both_intake_paths(database_url: str) -> None:
    app = await build_app(make_settings(database_url))
    try:
        await _report(app)
        raw = await _table(app, reporters_t)
        assert [r["platform_user_id"] for r in raw] == [sealed(app, FAN).user_id]
        assert FAN.user_id not in str(raw)
        # the SQLAlchemy path (batches with pictures) finds the same row, adds none
        store = SqlReportStore(app.engine, raw_statements=False, reporter_key=app.reporter_key)
        other = ReporterRef("telegram", "555")
        items = [
            PendingReport(f"t-orm-{n}", "default", who, "dm", "", False, canonicalize(LINK))
            for n, who in enumerate((FAN, other))
        ]
        await store.record(items)
        await store.close()
        ids = {r["platform_user_id"] for r in await _table(app, reporters_t)}
        assert ids == {sealed(app, FAN).user_id, sealed(app, other).user_id}
    finally:
        await app.close()


async def test_anonymous_reports_keep_the_keyed_id_only(app: App) -> None:
    await _report(app, anonymous=True)
    [row] = await _table(app, reporters_t)
    assert row["platform_user_id"] == sealed(app, FAN).user_id
    # the already-reported rule still holds for anonymous reports
    again = await _report(app, anonymous=True)
    assert again.outcomes[0].reporters == 1


async def test_the_clear_id_is_kept_only_while_a_request_is_open(app: App) -> None:
    received = await _report(app)
    offer = app.watch_handlers.offer(received)
    assert offer is not None
    await app.watch_handlers.opt_in(Actor(FAN), offer.report_id)
    await app.user_settings.set_anonymous(FAN, "bot", False)
    [watch] = await _table(app, removal_watches_t)
    assert watch["user_id"] == FAN.user_id  # needed to reach the person
    [setting] = await _table(app, user_settings_t)
    assert setting["user_id"] == sealed(app, FAN).user_id  # not needed: keyed
    assert (await app.user_settings.get(FAN, "bot")).anonymous is False


async def test_migration_0012_seals_clear_ids(database_url: str) -> None:
    await upgrade(database_url, "0011")
    engine = create_engine(database_url)
    now = utcnow()
    async with engine.begin() as conn:
        await conn.execute(
            insert(reporters_t),
            [{"platform": "discord", "platform_user_id": "42", "created_at": now}],
        )
        await conn.execute(
            insert(user_settings_t),
            [
                {
                    "platform": "discord",
                    "scope": "bot",
                    "user_id": "42",
                    "creator": "a",
                    "anonymous": True,
                    "updated_at": now,
                }
            ],
        )
    key = ReporterKey.parse("migration-secret")
    await upgrade(database_url, reporter_key=key)
    async with engine.connect() as conn:
        ids = list((await conn.execute(select(reporters_t.c.platform_user_id))).scalars())
        settings = list((await conn.execute(select(user_settings_t.c.user_id))).scalars())
    await engine.dispose()
    assert ids == [key.seal("discord", "42")] and settings == [key.seal("discord", "42")]


async def _forget_everything(app: App) -> None:
    received = await _report(app)
    offer = app.watch_handlers.offer(received)
    assert offer is not None
    await app.watch_handlers.opt_in(Actor(FAN), offer.report_id)
    await app.user_settings.set_anonymous(FAN, "bot", True)
    async with app.engine.begin() as conn:
        await conn.execute(
            insert(chat_notices_t),
            [
                {
                    "key": "k1",
                    "platform": FAN.platform,
                    "user_id": FAN.user_id,
                    "text": "hi",
                    "state": "pending",
                    "attempts": 0,
                    "not_before": 0.0,
                    "lease_until": 0.0,
                    "created_at": utcnow(),
                }
            ],
        )
    other = ReporterRef("telegram", "31337")
    await _report(app, other)
    await app.handlers.erasure.forget_reporter(FAN)


async def test_forget_removes_every_row_of_the_person(app: App) -> None:
    await _forget_everything(app)
    reporters = await _table(app, reporters_t)
    assert sealed(app, FAN).user_id not in {r["platform_user_id"] for r in reporters}
    assert await _table(app, user_settings_t) == []
    assert await _table(app, removal_watches_t) == []
    assert await _table(app, chat_notices_t) == []
    async with app.engine.connect() as conn:
        reports = (await conn.execute(select(func.count()).select_from(reports_t))).scalar()
    assert reports == 2  # the reports still count, under the shared "forgotten" row
    case = (await app.cases.list_cases("default", list(CaseStatus)))[0]
    assert case.reporters == 2


async def test_forget_clears_the_rate_windows(database_url: str) -> None:
    app = await build_app(make_settings(database_url, report_rate="1/hour"))
    try:
        await _report(app)
        with pytest.raises(RateLimited):
            await _report(app)
        await app.handlers.erasure.forget_reporter(FAN)
        assert (await _report(app)).outcomes  # a fresh window
    finally:
        await app.close()


async def test_forgotten_id_bytes_leave_the_sqlite_files(sqlite_url: str) -> None:
    app = await build_app(make_settings(sqlite_url))
    try:
        await _forget_everything(app)
        path = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
        files = [path, Path(f"{path}-wal")]
        for file in files:
            if file.exists():
                data = file.read_bytes()
                assert FAN.user_id.encode() not in data, file.name
                assert sealed(app, FAN).user_id.encode() not in data, file.name
        assert Path(f"{path}-wal").stat().st_size == 0  # checkpointed and truncated
        async with app.engine.connect() as conn:  # the other reporter is still there
            assert (await conn.execute(text("SELECT count(*) FROM reporters"))).scalar() == 2
    finally:
        await app.close()


async def test_a_process_that_cached_a_forgotten_reporter_records_their_next_report(
    database_url: str,
) -> None:
    bot = await build_app(make_settings(database_url))
    cli = await build_app(make_settings(database_url), migrate=False)  # another process
    try:
        await _report(bot)  # the bot's writer caches the reporter's row id
        await cli.handlers.erasure.forget_reporter(FAN)  # ... which this deletes
        again = await bot.intake.submit(IncomingReport(FAN, ["https://example.com/new"]))
        assert again.outcomes and again.outcomes[0].case_code
        ids = {r["platform_user_id"] for r in await _table(bot, reporters_t)}
        assert sealed(bot, FAN).user_id in ids  # a new row for the returning person
    finally:
        await cli.close()
        await bot.close()
