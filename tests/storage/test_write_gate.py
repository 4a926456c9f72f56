"""The in-process SQLite write gate: report batches go ahead of background writes."""

from __future__ import annotations

import asyncio

from db.write_gate import WriteGate


async def test_a_report_batch_passes_a_background_write_that_waits() -> None:
    gate = WriteGate(patience=3600)
    order: list[str] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with gate:
            await release.wait()
            order.append("holder")

    async def background() -> None:
        async with gate:
            order.append("background")

    async def writer() -> None:
        async with gate.first():
            order.append("writer")

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    behind = asyncio.create_task(background())  # queued before the writer
    await asyncio.sleep(0)
    batch = asyncio.create_task(writer())
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, behind, batch)
    assert order == ["holder", "writer", "background"]
    assert not gate.locked()


async def test_a_background_write_is_not_starved_past_its_patience() -> None:
    gate = WriteGate(patience=0)  # no patience: plain first come, first served
    order: list[str] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with gate.first():
            await release.wait()

    async def background() -> None:
        async with gate:
            order.append("background")

    async def writer() -> None:
        async with gate.first():
            order.append("writer")

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    behind = asyncio.create_task(background())
    await asyncio.sleep(0)
    batch = asyncio.create_task(writer())
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, behind, batch)
    assert order == ["background", "writer"]


async def test_the_gate_is_free_after_a_failed_write() -> None:
    gate = WriteGate()
    try:
        async with gate:
            raise ValueError("the transaction failed")
    except ValueError:
        pass
    assert not gate.locked()
    async with gate.first():
        assert gate.locked()


async def test_gated_sqlite_writes_run_on_the_loop_and_commit_or_roll_back(
    sqlite_url: str,
) -> None:
    from sqlalchemy import func, insert, select

    from bots.bootstrap import build_app
    from db.sqlite_on_loop import LoopConnection
    from db.tables import creators_t
    from db.write_gate import gated_begin
    from tests.conftest import make_settings

    app = await build_app(make_settings(sqlite_url))
    try:
        gate = app.reports.write_gate
        assert gate is not None and gate.sqlite is not None
        row = {"slug": "kept", "display_name": "kept"}
        async with gated_begin(app.engine, gate) as conn:
            assert isinstance(conn, LoopConnection)
            await conn.execute(insert(creators_t), row)
            assert gate.locked()
        try:
            async with gated_begin(app.engine, gate) as conn:
                await conn.execute(insert(creators_t), {"slug": "lost", "display_name": "x"})
                raise RuntimeError("the write failed half way")
        except RuntimeError:
            pass
        assert not gate.locked()
        async with app.engine.connect() as conn:  # another connection sees the commit only
            slugs = set((await conn.execute(select(creators_t.c.slug))).scalars())
            assert (await conn.execute(select(func.count()).select_from(creators_t))).scalar()
        assert "kept" in slugs and "lost" not in slugs
    finally:
        await app.close()


async def test_a_picture_result_is_committed_without_waiting_for_the_disk(
    sqlite_url: str,
) -> None:
    from sqlalchemy import insert, select, text

    from bots.bootstrap import build_app
    from db.tables import creators_t
    from db.write_gate import gated_begin
    from tests.conftest import make_settings

    app = await build_app(make_settings(sqlite_url))
    try:
        gate = app.reports.write_gate
        async with gated_begin(app.engine, gate, durable=False) as conn:
            await conn.execute(insert(creators_t), {"slug": "quick", "display_name": "q"})
            level = (await conn.execute(text("PRAGMA synchronous"))).scalar()
            assert level == 1  # NORMAL
        async with gated_begin(app.engine, gate) as conn:  # the next one is durable again
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 2  # FULL
        async with app.engine.connect() as conn:
            slugs = set((await conn.execute(select(creators_t.c.slug))).scalars())
        assert "quick" in slugs
    finally:
        await app.close()
