"""Claims of picture jobs: new cases handed over in memory, the search for links without a
job only now and then, and SQLite writes of one process taking turns through the gate."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.model import IncomingReport
from db.media_jobs import SqlPictureJobStore
from db.tables import cases_t, media_jobs_t
from tests.hosts import HostServer
from tests.pictures import ORIGINAL
from tests.storage.test_picture_jobs import fan, fetching_app, report


async def _case_id(app, code: str) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return int(
            (await conn.execute(select(cases_t.c.id).where(cases_t.c.code == code))).scalar_one()
        )


async def test_links_of_new_cases_are_leased_straight_from_the_links_without_a_search(
    database_url: str,
) -> None:
    app = await fetching_app(database_url)
    try:
        store: SqlPictureJobStore = app.pictures.store  # type: ignore[assignment]
        code, key = await report(app, 1, "http://one.example/a.jpg")
        _, other = await report(app, 2, "http://two.example/a.jpg")
        case_id = await _case_id(app, code)
        # without the search, only the links of the cases handed over are taken
        taken = await store.claim(10, lease_seconds=60, cases=[case_id], discover=False)
        assert [(job.key, job.case_id, job.attempts) for job in taken] == [(key, case_id, 1)]
        # handed over twice (a second process heard of the case too): never taken twice
        assert await store.claim(10, lease_seconds=60, cases=[case_id], discover=False) == []
        # the other link was committed all the same: the search finds it, nothing is lost
        found = await store.claim(10, lease_seconds=60)
        assert [job.key for job in found] == [other]
        async with app.engine.connect() as conn:
            states = (await conn.execute(select(media_jobs_t.c.state))).scalars().all()
        assert states == ["running", "running"]
    finally:
        await app.close()


async def test_a_second_process_never_takes_a_job_leased_from_a_handed_over_case(
    database_url: str,
) -> None:
    one = await fetching_app(database_url)
    two = await fetching_app(database_url, migrate=False)
    try:
        codes = [(await report(one, n, f"http://h{n}.example/a.jpg"))[0] for n in range(12)]
        case_ids = [await _case_id(one, code) for code in codes]
        store_one: SqlPictureJobStore = one.pictures.store  # type: ignore[assignment]
        store_two: SqlPictureJobStore = two.pictures.store  # type: ignore[assignment]
        batches = await asyncio.gather(
            store_one.claim(6, lease_seconds=60, cases=case_ids[:6], discover=False),
            store_two.claim(6, lease_seconds=60, cases=case_ids, discover=False),
            store_two.claim(6, lease_seconds=60),
            store_one.claim(6, lease_seconds=60, cases=case_ids[6:], discover=False),
        )
        taken = [job.link_id for batch in batches for job in batch]
        assert len(taken) == len(set(taken)) == 12
    finally:
        await one.close()
        await two.close()


async def test_the_background_pool_fetches_what_a_new_report_links_once(
    sqlite_url: str,
) -> None:
    async with HostServer({"/a.jpg": ("image/jpeg", ORIGINAL)}) as host:
        app = await fetching_app(sqlite_url)
        try:
            app.start_background()
            outcome = (
                await app.intake.submit(IncomingReport(fan(1), [host.url("x.example", "/a.jpg")]))
            ).outcomes[0]
            assert outcome.link_key is not None
            for _ in range(100):
                results = await app.pictures.results("default", [outcome.link_key])
                if results[outcome.link_key].state == "done":
                    break
                await asyncio.sleep(0.05)
            assert results[outcome.link_key].state == "done"
            assert host.requests == ["/a.jpg"]
        finally:
            await app.close()


async def test_the_report_writer_waits_for_the_gate_held_by_another_sqlite_write(
    sqlite_url: str,
) -> None:
    app = await fetching_app(sqlite_url)
    try:
        gate = app.reports.write_gate
        assert gate is not None
        async with gate:  # another store of this process is writing
            pending = asyncio.create_task(report(app, 1, "http://gated.example/a.jpg"))
            await asyncio.sleep(0.05)
            assert not pending.done()
        code, _ = await pending
        assert await _case_id(app, code) > 0
    finally:
        await app.close()


async def test_postgresql_has_no_gate(postgres_url: str) -> None:
    app = await fetching_app(postgres_url)
    try:
        assert app.reports.write_gate is None
    finally:
        await app.close()
