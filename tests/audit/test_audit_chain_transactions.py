"""The chain across statements and transactions: several rows a statement, several statements
a transaction, appenders at once, rollbacks (PostgreSQL writes the head once, at commit)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
from alembic import command
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bots.bootstrap import App
from core.model import IncomingReport, ReporterRef
from db.audit_verify import ChainReport, verify_audit_chain
from db.engine import create_engine
from db.migrate import alembic_config, upgrade
from db.tables import actions_t, audit_head_t, cases_t
from tests.audit.bare_case import insert_bare_case


async def a_case(app: App, link: str = "https://example.com/chain") -> int:
    """A new case's id (intake writes no audit row)."""
    result = await app.intake.submit(IncomingReport(ReporterRef("test", "1"), [link]))
    async with app.engine.connect() as conn:
        query = select(cases_t.c.id).where(cases_t.c.code == result.outcomes[0].case_code)
        return (await conn.execute(query)).scalar_one()


def action(case_id: int, moderator: str, reason: str | None = None) -> dict[str, object]:
    return {
        "case_id": case_id,
        "moderator": moderator,
        "action": "claim",
        "reason": reason,
        "created_at": datetime.now(UTC),
    }


async def seqs_by_moderator(app: App) -> dict[str, list[int]]:
    a = actions_t.c
    found: dict[str, list[int]] = {}
    async with app.engine.connect() as conn:
        for moderator, seq in await conn.execute(select(a.moderator, a.seq).order_by(a.seq)):
            found.setdefault(moderator, []).append(seq)
    return found


async def head(app: App) -> tuple[int, str]:
    async with app.engine.connect() as conn:
        row = (await conn.execute(select(audit_head_t.c.seq, audit_head_t.c.last_hash))).one()
        return row.seq, row.last_hash


def assert_intact(report: ChainReport, rows: int) -> None:
    assert report.ok, report.problems
    assert report.rows == rows and report.head_seq == rows


async def test_one_statement_of_several_rows_and_then_another(app: App) -> None:
    case_id = await a_case(app)
    async with app.engine.begin() as conn:
        # one INSERT with three rows, then an executemany (how write_audit appends)
        await conn.execute(
            insert(actions_t).values([action(case_id, "a", f"row {n} — ü") for n in range(3)])
        )
        await conn.execute(insert(actions_t), [action(case_id, "b") for _ in range(2)])
        await conn.execute(insert(actions_t).values(action(case_id, "c")))
    assert await seqs_by_moderator(app) == {"a": [1, 2, 3], "b": [4, 5], "c": [6]}
    assert_intact(await verify_audit_chain(app.engine), 6)
    async with app.engine.begin() as conn:  # the next transaction goes on from the head
        await conn.execute(insert(actions_t), [action(case_id, "d") for _ in range(2)])
    assert (await seqs_by_moderator(app))["d"] == [7, 8]
    assert_intact(await verify_audit_chain(app.engine), 8)


async def test_a_rolled_back_transaction_leaves_the_head_alone(app: App) -> None:
    case_id = await a_case(app)
    async with app.engine.begin() as conn:
        await conn.execute(insert(actions_t), [action(case_id, "kept") for _ in range(2)])
    before = await head(app)
    async with app.engine.connect() as conn:
        transaction = await conn.begin()
        await conn.execute(insert(actions_t), [action(case_id, "lost") for _ in range(3)])
        await conn.execute(insert(actions_t).values(action(case_id, "lost")))
        await transaction.rollback()
    assert await head(app) == before
    assert_intact(await verify_audit_chain(app.engine), 2)
    async with app.engine.begin() as conn:
        await conn.execute(insert(actions_t).values(action(case_id, "after")))
    assert await seqs_by_moderator(app) == {"kept": [1, 2], "after": [3]}
    assert_intact(await verify_audit_chain(app.engine), 3)


async def test_a_rolled_back_savepoint_drops_its_rows_from_the_chain(app: App) -> None:
    case_id = await a_case(app)
    async with app.engine.begin() as conn:
        await conn.execute(insert(actions_t).values(action(case_id, "outer")))
        savepoint = await conn.begin_nested()
        await conn.execute(insert(actions_t), [action(case_id, "inner") for _ in range(2)])
        await savepoint.rollback()
        await conn.execute(insert(actions_t).values(action(case_id, "outer")))
        async with conn.begin_nested():  # a savepoint that is kept
            await conn.execute(insert(actions_t).values(action(case_id, "kept")))
    assert await seqs_by_moderator(app) == {"outer": [1, 2], "kept": [3]}
    assert_intact(await verify_audit_chain(app.engine), 3)


async def _wait_for_a_lock_wait(conn: AsyncConnection) -> None:
    """Until another backend of this database waits for a lock (PostgreSQL)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(400):
        waiting = (await conn.execute(query)).scalar_one()
        await conn.rollback()  # pg_stat_activity is read once per transaction: look afresh
        if waiting:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the second appender never waited for the chain head")


async def test_two_transactions_appending_at_once_form_one_chain(app: App) -> None:
    case_id = await a_case(app)

    async def second() -> None:
        async with app.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE waits for the first
            await conn.execute(insert(actions_t), [action(case_id, "second") for _ in range(2)])
            await conn.execute(insert(actions_t).values(action(case_id, "second")))

    async with app.engine.begin() as first:
        await first.execute(insert(actions_t), [action(case_id, "first") for _ in range(2)])
        waiting = asyncio.create_task(second())
        if app.engine.dialect.name == "postgresql":
            async with app.engine.connect() as watcher:
                await _wait_for_a_lock_wait(watcher)  # blocked on the head's row lock
        else:
            await asyncio.sleep(0.1)  # gives it a chance to run ahead (it cannot)
        assert not waiting.done()
        await first.execute(insert(actions_t).values(action(case_id, "first")))
    await waiting
    assert await seqs_by_moderator(app) == {"first": [1, 2, 3], "second": [4, 5, 6]}
    assert_intact(await verify_audit_chain(app.engine), 6)


async def test_many_transactions_at_once_form_one_chain(app: App) -> None:
    case_id = await a_case(app)

    async def append(n: int) -> None:
        async with app.engine.begin() as conn:
            await conn.execute(insert(actions_t), [action(case_id, f"m{n}") for _ in range(3)])
            await asyncio.sleep(0)
            await conn.execute(insert(actions_t).values(action(case_id, f"m{n}")))

    await asyncio.gather(*(append(n) for n in range(6)))
    for seqs in (await seqs_by_moderator(app)).values():  # each transaction's rows in a run
        assert seqs == list(range(seqs[0], seqs[0] + 4))
    assert_intact(await verify_audit_chain(app.engine), 24)


async def test_a_stale_head_left_in_the_session_is_ignored(postgres_url: str) -> None:
    await upgrade(postgres_url)
    parsed = make_url(postgres_url)
    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database=parsed.database
    )
    try:
        await conn.execute(
            "INSERT INTO creators (slug, display_name, created_at) VALUES ('c', '', now()); "
            "INSERT INTO cases (code, creator_id, origin_key, status, reporter_count, "
            "report_count, first_seen, last_seen, updated_at, synthetic) "
            "VALUES ('LD-AAAAAA', 1, 'k', 'open', 1, 1, now(), now(), now(), false)"
        )
        # left over from an earlier transaction, session-wide: not this transaction's head
        xid = await conn.fetchval("SELECT txid_current()")
        await conn.execute(f"SET leakdesk.audit_head = '{xid}:41:{'f' * 64}'")
        await conn.execute(f"SET leakdesk.audit_head_written = '{xid}:41:{'f' * 64}'")
        for _ in range(2):
            await conn.execute(
                "INSERT INTO moderator_actions (case_id, moderator, action, created_at) "
                "VALUES (1, 'm', 'claim', now())"
            )
    finally:
        await conn.close()
    engine = create_engine(postgres_url)
    try:
        report = await verify_audit_chain(engine)
    finally:
        await engine.dispose()
    assert_intact(report, 2)


async def _downgrade(url: str, revision: str) -> None:
    engine = create_engine(url)
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def test_the_chain_goes_on_across_a_downgrade_and_an_upgrade(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    rows = [
        {"case_id": 1, "moderator": "m", "action": "claim", "created_at": datetime.now(UTC)}
        for _ in range(2)
    ]
    head_trigger = text("SELECT count(*) FROM pg_trigger WHERE tgname = 'moderator_actions_head'")
    try:
        async with engine.begin() as conn:
            await insert_bare_case(conn, "c")
            await conn.execute(insert(actions_t), rows)
        await _downgrade(database_url, "0021")  # migration 0013's trigger again
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                assert (await conn.execute(head_trigger)).scalar_one() == 0
            await conn.execute(insert(actions_t), rows)
        assert_intact(await verify_audit_chain(engine), 4)
        await upgrade(database_url)
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                assert (await conn.execute(head_trigger)).scalar_one() == 1
            await conn.execute(insert(actions_t), rows)
        assert_intact(await verify_audit_chain(engine), 6)
    finally:
        await engine.dispose()
