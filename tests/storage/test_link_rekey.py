"""``leakdesk db rekey-links``: links stored under older link rules get their current key.

Old-version links are made by recording links, then setting their key and version as
an older canonicalization had stored them.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update

from core.urls import canonicalize
from db import SqlReportStore, create_engine, upgrade
from db.link_rekey import rekey_links
from db.tables import cases_t, links_t
from tests.cli.runner import leakdesk
from tests.storage.test_intake_paths import item

A = "https://example.com/a"
C = "https://example.com/c"
KEYLESS = "https://mega.nz/file/AbCdEf12"
KEYED = "https://mega.nz/file/AbCdEf12#KeyA"
PRIVATE = "http://10.0.0.7/leak.jpg"  # accepted once, refused by today's rules

SNAPSHOT = (
    "SELECT l.id, l.url, l.canonical, l.key, l.key_version, c.origin_key, "
    "c.possible_duplicate_of_id FROM links l JOIN cases c ON c.id = l.case_id ORDER BY l.id"
)


async def _make_old(engine: Any, url: str, old_key: str) -> None:
    """Store ``url``'s link as version 1 under ``old_key`` (its case opened under it)."""
    key = canonicalize(url).key
    async with engine.begin() as conn:
        await conn.execute(
            update(cases_t).where(cases_t.c.origin_key == key).values(origin_key=old_key)
        )
        await conn.execute(
            update(links_t).where(links_t.c.key == key).values(key=old_key, key_version=1)
        )


async def _snapshot(engine: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(SNAPSHOT))]


async def test_old_links_are_rekeyed_once(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    store = SqlReportStore(engine)
    try:
        a, c = await store.record([item("r1", A, 1), item("r2", C, 2)])
        await _make_old(engine, A, "old-a")
        async with engine.begin() as conn:  # C's key did not change between the versions
            await conn.execute(update(links_t).values(key_version=1))
        (m1,) = await store.record([item("r3", KEYLESS, 3)])
        await _make_old(engine, KEYLESS, "old-m1")
        (m2,) = await store.record([item("r4", KEYED, 4)])  # version 1 kept MEGA keys apart
        assert m2.new_case and m2.case_id != m1.case_id
        await _make_old(engine, KEYED, "old-m2")
        (p,) = await store.record([item("r5", "https://example.com/p", 5)])
        async with engine.begin() as conn:
            await conn.execute(
                update(links_t)
                .where(links_t.c.case_id == p.case_id)
                .values(url=PRIVATE, key_version=1)
            )

        # an old link is not found under today's key: a new report would open a case
        assert not await store.known_link_keys("default", [canonicalize(A).key])

        first = await rekey_links(engine, canonicalize, batch=2)
        assert (first.rekeyed, first.unchanged, first.collided, first.refused) == (2, 1, 1, 1)
        after = await _snapshot(engine)
        second = await rekey_links(engine, canonicalize, batch=2)
        assert (second.rekeyed, second.unchanged, second.collided) == (0, 0, 0)
        assert second.refused == 1  # left as it is, and looked at again
        assert await _snapshot(engine) == after  # idempotent

        async with engine.connect() as conn:
            rows = {
                r.id: r
                for r in await conn.execute(
                    select(
                        links_t.c.id,
                        links_t.c.url,
                        links_t.c.key,
                        links_t.c.key_version,
                        links_t.c.case_id,
                    )
                )
            }
            dup = (
                await conn.execute(
                    select(cases_t.c.possible_duplicate_of_id).where(cases_t.c.id == m2.case_id)
                )
            ).scalar_one()
            origin_a = (
                await conn.execute(select(cases_t.c.origin_key).where(cases_t.c.id == a.case_id))
            ).scalar_one()
        by_case = {r.case_id: r for r in rows.values()}
        assert by_case[a.case_id].key == canonicalize(A).key and origin_a == canonicalize(A).key
        assert by_case[c.case_id].key == canonicalize(C).key
        # the keyless MEGA link holds the handle's key and gained the key the other gave
        assert by_case[m1.case_id].key == canonicalize(KEYLESS).key
        assert by_case[m1.case_id].url == KEYED
        assert by_case[m2.case_id].key == "old-m2" and dup == m1.case_id
        assert by_case[p.case_id].key_version == 1 and by_case[p.case_id].url == PRIVATE
        assert all(r.key_version == 2 for r in rows.values() if r.case_id != p.case_id)

        # reports of the same items now find the rekeyed links
        again = await store.record([item("r6", A + "?utm_source=x", 6), item("r7", KEYED, 7)])
        assert [s.case_id for s in again] == [a.case_id, m1.case_id]
        assert not any(s.new_case for s in again)
    finally:
        await store.close()
        await engine.dispose()


async def test_the_command_rekeys_and_says_how_many(database_url: str, tmp_path: Path) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    store = SqlReportStore(engine)
    try:
        await store.record([item("r1", A, 1)])
        await _make_old(engine, A, "old-a")
    finally:
        await store.close()
        await engine.dispose()
    first = await asyncio.to_thread(leakdesk, "db", "rekey-links", db=database_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "re-keyed 1 link(s)" in first.stdout
    again = await asyncio.to_thread(leakdesk, "db", "rekey-links", db=database_url, cwd=tmp_path)
    assert again.returncode == 0 and "re-keyed 0 link(s)" in again.stdout
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            key = (await conn.execute(select(links_t.c.key))).scalar_one()
    finally:
        await engine.dispose()
    assert key == canonicalize(A).key
