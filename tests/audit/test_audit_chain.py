"""The audit log's hash chain: every action chained on insert, tampering found, writes refused."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from bots.bootstrap import App
from core.model import Actor, IncomingReport, ReporterRef
from db.audit_hash import GENESIS
from db.audit_verify import ChainReport, verify_audit_chain
from db.engine import create_engine
from db.migrate import upgrade
from db.tables import actions_t
from tests.audit.bare_case import insert_bare_case
from tests.audit.tamper import tamper
from tests.cli.runner import leakdesk

MOD = Actor(ReporterRef("test", "mod"), is_moderator=True)


async def new_case(app: App, link: str, fan: str = "1") -> str:
    result = await app.intake.submit(IncomingReport(ReporterRef("test", fan), [link]))
    return result.outcomes[0].case_code


async def some_history(app: App) -> list[str]:
    """Claims, confirms, a dismissal with an awkward reason, a reopen by intake, a merge."""
    a = await new_case(app, "https://example.com/a")
    b = await new_case(app, "https://example.com/b")
    c = await new_case(app, "https://example.com/c")
    await app.moderation.act(MOD, "claim", a)
    await app.moderation.act(MOD, "confirm", a)
    await app.moderation.act(MOD, "dismiss", b, reason="not her — «ünïcode» 1:2 ~")
    await new_case(app, "https://example.com/b", fan="2")  # a new reporter reopens it
    await app.moderation.merge(MOD, c, a)
    return [a, b, c]


async def chain_rows(app: App) -> list[tuple[int, int, str, str]]:
    a = actions_t.c
    async with app.engine.connect() as conn:
        query = select(a.id, a.seq, a.prev_hash, a.row_hash).order_by(a.seq)
        return [tuple(r) for r in (await conn.execute(query)).all()]  # type: ignore[misc]


def kinds(report: ChainReport) -> set[tuple[str, int | None]]:
    return {(p.kind, p.seq) for p in report.problems}


async def test_every_action_is_chained_in_order_and_verifies(app: App) -> None:
    await some_history(app)
    rows = await chain_rows(app)
    assert len(rows) >= 5
    assert [seq for _, seq, _, _ in rows] == list(range(1, len(rows) + 1))
    assert rows[0][2] == GENESIS
    for (_, _, _, before), (_, _, prev, _) in pairwise(rows):
        assert prev == before
    report = await verify_audit_chain(app.engine)
    assert report.ok, report.problems
    assert report.rows == len(rows) and report.head_seq == len(rows)
    assert report.head_hash == rows[-1][3]


async def test_concurrent_actions_form_one_chain(app: App) -> None:
    codes = [await new_case(app, f"https://example.com/many/{i}") for i in range(12)]
    await asyncio.gather(*(app.moderation.act(MOD, "claim", code) for code in codes))
    await asyncio.gather(*(app.moderation.act(MOD, "confirm", code) for code in codes))
    report = await verify_audit_chain(app.engine)
    assert report.ok, report.problems
    assert report.rows == 24 and report.head_seq == 24


async def test_the_apps_connection_cannot_change_or_delete_audit_rows(app: App) -> None:
    await some_history(app)
    before = await chain_rows(app)
    for statement in (
        update(actions_t).where(actions_t.c.seq == 1).values(reason="nothing happened"),
        delete(actions_t).where(actions_t.c.seq == 1),
        delete(actions_t),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with app.engine.begin() as conn:
                await conn.execute(statement)
    if app.engine.dialect.name == "postgresql":
        for statement in (
            "TRUNCATE moderator_actions CASCADE",
            "UPDATE audit_chain_head SET seq = 0",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with app.engine.begin() as conn:
                    await conn.execute(text(statement))
    assert await chain_rows(app) == before
    assert (await verify_audit_chain(app.engine)).ok


async def test_an_edited_row_is_found(app: App, database_url: str) -> None:
    await some_history(app)
    await tamper(database_url, "UPDATE moderator_actions SET moderator = 'someone' WHERE seq = 2")
    report = await verify_audit_chain(app.engine)
    assert kinds(report) == {("edited", 2)}


async def test_an_edited_timestamp_is_found(app: App, database_url: str) -> None:
    await some_history(app)
    shift = (
        "UPDATE moderator_actions SET created_at = '2020-01-01 00:00:00' WHERE seq = 3"
        if database_url.startswith("sqlite")
        else "UPDATE moderator_actions SET created_at = created_at - interval '1 day' WHERE seq = 3"
    )
    await tamper(database_url, shift)
    assert kinds(await verify_audit_chain(app.engine)) == {("edited", 3)}


async def test_a_deleted_row_is_found(app: App, database_url: str) -> None:
    await some_history(app)
    await tamper(database_url, "DELETE FROM moderator_actions WHERE seq = 2")
    report = await verify_audit_chain(app.engine)
    assert not report.ok
    assert ("relinked", 3) in kinds(report) and ("missing", 3) in kinds(report)


async def test_a_deleted_last_row_is_found(app: App, database_url: str) -> None:
    await some_history(app)
    last = (await chain_rows(app))[-1][1]
    await tamper(database_url, f"DELETE FROM moderator_actions WHERE seq = {last}")
    assert kinds(await verify_audit_chain(app.engine)) == {("head", last)}


async def test_reordered_rows_are_found(app: App, database_url: str) -> None:
    await some_history(app)
    await tamper(
        database_url,
        "UPDATE moderator_actions SET seq = -1 WHERE seq = 2",
        "UPDATE moderator_actions SET seq = 2 WHERE seq = 3",
        "UPDATE moderator_actions SET seq = 3 WHERE seq = -1",
    )
    report = await verify_audit_chain(app.engine)
    assert {("edited", 2), ("edited", 3), ("relinked", 2), ("relinked", 3)} <= kinds(report)


async def test_a_row_written_around_the_chain_is_found(app: App, database_url: str) -> None:
    await some_history(app)
    await tamper(
        database_url, "UPDATE moderator_actions SET seq = NULL, row_hash = NULL WHERE seq = 1"
    )
    report = await verify_audit_chain(app.engine)
    assert ("unchained", None) in kinds(report) and ("relinked", 2) in kinds(report)


async def test_the_command_says_intact_or_tampered(
    app: App, database_url: str, tmp_path: Path
) -> None:
    await some_history(app)
    intact = leakdesk("audit", "verify", "--json", db=database_url, cwd=tmp_path)
    assert intact.returncode == 0, intact.stderr
    result = json.loads(intact.stdout)
    assert result["ok"] is True and result["problems"] == [] and result["rows"] >= 5

    await tamper(database_url, "UPDATE moderator_actions SET reason = 'spam' WHERE seq = 3")
    found = leakdesk("audit", "verify", db=database_url, cwd=tmp_path)
    assert found.returncode == 3, found.stderr
    assert found.stdout.startswith("audit log TAMPERED: 1 problem(s)")
    assert "edited: seq 3" in found.stdout and "Traceback" not in found.stderr


async def test_the_migration_chains_existing_rows(database_url: str) -> None:
    await upgrade(database_url, "0011")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await insert_bare_case(conn, "old", "'2026-01-01 00:00:00'")
            for i, action in enumerate(("claim", "confirm", "reopen")):
                await conn.execute(
                    text(
                        "INSERT INTO moderator_actions (case_id, moderator, action, reason,"
                        " created_at) VALUES (1, 'old:mod', :action, NULL, :at)"
                    ),
                    {
                        "action": action,
                        "at": datetime(2026, 1, 2 + i, 10, 0, 0, 250_000, tzinfo=UTC),
                    },
                )
        await upgrade(database_url)
        report = await verify_audit_chain(engine)
        assert report.ok and report.rows == 3 and report.head_seq == 3, report.problems
        async with engine.begin() as conn:  # the chain goes on from the migrated rows
            await conn.execute(
                actions_t.insert().values(case_id=1, moderator="new:mod", action="claim")
            )
        report = await verify_audit_chain(engine)
        assert report.ok and report.head_seq == 4, report.problems
    finally:
        await engine.dispose()
