"""On PostgreSQL a bot role that does not own the tables cannot edit the audit log at all."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from db.audit_verify import verify_audit_chain
from db.engine import create_engine
from db.migrate import upgrade


async def _connect(url: str, user: str | None = None) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=user or parsed.username,
        database=parsed.database,
    )


async def test_a_bot_role_can_append_but_not_edit_nor_switch_the_guard_off(
    postgres_url: str,
) -> None:
    await upgrade(postgres_url)
    role = f"leakdesk_bot_{uuid.uuid4().hex[:8]}"
    owner = await _connect(postgres_url)
    await owner.execute(f"CREATE ROLE {role} LOGIN")
    try:
        await owner.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; "
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"
        )
        await owner.execute(
            "INSERT INTO creators (slug, display_name, created_at) VALUES ('c', '', now()); "
            "INSERT INTO cases (code, creator_id, origin_key, status, reporter_count, "
            "report_count, first_seen, last_seen, updated_at, synthetic) "
            "VALUES ('LD-AAAAAA', 1, 'k', 'open', 1, 1, now(), now(), now(), false)"
        )
        bot = await _connect(postgres_url, role)
        try:
            for _ in range(2):  # appending works, and moves the head
                await bot.execute(
                    "INSERT INTO moderator_actions (case_id, moderator, action, created_at) "
                    "VALUES (1, 'bot:mod', 'claim', now())"
                )
            for statement in (
                "UPDATE moderator_actions SET reason = 'x'",
                "DELETE FROM moderator_actions",
                "UPDATE audit_chain_head SET seq = 0",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                    await bot.execute(statement)
            for statement in (
                "ALTER TABLE moderator_actions DISABLE TRIGGER USER",
                "DROP TRIGGER moderator_actions_append_only ON moderator_actions",
                "SET session_replication_role = replica",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await bot.execute(statement)
        finally:
            await bot.close()
        engine = create_engine(postgres_url)
        try:
            report = await verify_audit_chain(engine)
        finally:
            await engine.dispose()
        assert report.ok and report.rows == 2 and report.head_seq == 2
    finally:
        await owner.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")
        await owner.close()
