"""Commit first, look later: the picture behind a link is fetched after the report is recorded.

Every test runs with picture fetching on (the default a user gets), against web servers
on loopback that the fetcher reaches through a resolver mapping names to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bots.bootstrap import App, build_app
from core.events import CaseChanged
from core.model import CaseStatus, IncomingReport, ReporterRef
from db.media_jobs import SqlPictureJobStore
from db.tables import media_jobs_t
from tests.conftest import make_settings
from tests.hosts import HostServer
from tests.pictures import ORIGINAL, SHRUNK, UNRELATED


def fan(n: int) -> ReporterRef:
    return ReporterRef("test", str(n))


@pytest.fixture
async def host() -> AsyncIterator[HostServer]:
    page = b'<html><head><meta property="og:image" content="/full.jpg"></head></html>'
    routes = {
        "/a.jpg": ("image/jpeg", ORIGINAL),
        "/post/7": ("text/html", page),
        "/full.jpg": ("image/jpeg", SHRUNK),
        "/other.jpg": ("image/jpeg", UNRELATED),
        "/broken.jpg": ("image/jpeg", ORIGINAL[:1500]),
    }
    async with HostServer(routes) as server:
        yield server


async def loopback_resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def fetching_app(url: str, *, migrate: bool = True, **overrides: object) -> App:
    """An app with the user's default: pictures behind links are fetched (loopback allowed)."""
    settings = make_settings(
        url, fetch_media=True, fetch_allow_networks="127.0.0.1/32", fetch_timeout=2.0, **overrides
    )
    return await build_app(settings, resolver=loopback_resolver, migrate=migrate)


async def report(app: App, n: int, url: str) -> tuple[str, str]:
    """Report ``url`` as fan ``n``; returns the case code and the link key."""
    outcome = (await app.intake.submit(IncomingReport(fan(n), [url]))).outcomes[0]
    assert outcome.link_key is not None
    return outcome.case_code, outcome.link_key


async def wait_until_done(app: App, keys: list[str], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        results = await app.pictures.results("default", keys)
        if len(results) == len(keys) and all(
            r.state in ("done", "failed") for r in results.values()
        ):
            return
        assert time.monotonic() < deadline, f"picture jobs not finished: {results}"
        await asyncio.sleep(0.05)


async def test_the_report_is_committed_before_anything_is_fetched(
    database_url: str, host: HostServer
) -> None:
    app = await fetching_app(database_url)
    try:
        code, key = await report(app, 1, host.url("slow.example", "/hang"))
        # answered, and in the database, while the host has not even been asked
        assert host.requests == []
        case = await app.cases.get_case(code)
        assert case is not None and case.status is CaseStatus.OPEN and len(case.links) == 1
        results = await app.pictures.results("default", [key])
        assert results[key].state == "pending"
    finally:
        await app.close()


async def test_a_mirror_of_a_known_picture_is_joined_to_its_case_after_the_commit(
    database_url: str, host: HostServer
) -> None:
    app = await fetching_app(database_url)
    events: list[CaseChanged] = []

    async def collect(event: CaseChanged) -> None:
        events.append(event)

    app.events.subscribe(collect)
    try:
        first, first_key = await report(app, 1, host.url("leaks.example", "/a.jpg"))
        settled = await app.pictures.settle("default", [first_key])
        assert settled[first_key].state == "done" and settled[first_key].error is None
        # a page on another host whose og:image is a shrunk copy of the same photo
        mirror, mirror_key = await report(app, 2, host.url("mirror.example", "/post/7"))
        assert mirror != first  # recorded at once under its own link
        settled = await app.pictures.settle("default", [mirror_key])
        result = settled[mirror_key]
        assert result.state == "done" and result.matched_by == "image"
        assert result.case_code == first and result.matched_case_code == first
        assert result.distance is not None
        case = await app.cases.get_case(first)
        assert case is not None and len(case.links) == 2 and case.reporters == 2
        merged = await app.cases.get_case(mirror)
        assert merged is not None and merged.status is CaseStatus.MERGED
        assert merged.merged_into == first
        log = await app.cases.audit_log(mirror)
        assert any("leakdesk:picture-match" in " ".join(map(str, row)) for row in log)
        await app.events.drain()
        assert any(e.code == first and not e.created for e in events)  # the post is edited
        # an unrelated photo stays in its own case
        other, other_key = await report(app, 3, host.url("elsewhere.example", "/other.jpg"))
        settled = await app.pictures.settle("default", [other_key])
        assert settled[other_key].case_code == other and settled[other_key].matched_by is None
    finally:
        await app.close()


async def test_a_picture_that_cannot_be_used_gives_a_clear_error_and_keeps_the_report(
    sqlite_url: str, host: HostServer
) -> None:
    app = await fetching_app(sqlite_url)
    try:
        code, broken = await report(app, 1, host.url("leaks.example", "/broken.jpg"))
        _, private = await report(app, 2, f"http://rebind.example:{host.port}/a.jpg")
        settled = await app.pictures.settle("default", [broken, private])
        assert settled[broken].state == "failed" and settled[broken].error
        # the same name resolves to loopback, but only 127.0.0.1/32 was allowed: not here
        assert settled[private].case_code != code
        assert await app.cases.get_case(code) is not None
    finally:
        await app.close()


async def test_the_background_pool_drains_the_queue_and_a_restart_resumes_it(
    sqlite_url: str, host: HostServer
) -> None:
    # links committed by a process that stopped before fetching anything
    first = await fetching_app(sqlite_url)
    keys = [(await report(first, n, host.url(f"h{n}.example", "/a.jpg")))[1] for n in range(3)]
    await first.close()
    assert host.requests == []
    restarted = await fetching_app(sqlite_url, migrate=False)
    try:
        restarted.start_background()
        await wait_until_done(restarted, keys)
        results = await restarted.pictures.results("default", keys)
        codes = {r.case_code for r in results.values()}
        assert len(codes) == 1  # the same photo on three hosts: one case
        assert sorted(host.requests) == ["/a.jpg"] * 3  # each fetched once, never twice
        # a new report is picked up without waiting for the next poll
        _, late = await report(restarted, 9, host.url("late.example", "/full.jpg"))
        await wait_until_done(restarted, [late], seconds=5.0)
        assert (await restarted.pictures.results("default", [late]))[late].case_code in codes
    finally:
        await restarted.close()


async def test_a_job_left_running_by_a_crashed_worker_is_taken_over_when_its_lease_ends(
    database_url: str, host: HostServer
) -> None:
    app = await fetching_app(database_url)
    try:
        _, key = await report(app, 1, host.url("leaks.example", "/a.jpg"))
        store: SqlPictureJobStore = app.pictures.store  # type: ignore[assignment]
        taken = await store.claim(10, lease_seconds=60)
        assert [job.key for job in taken] == [key]
        assert await store.claim(10, lease_seconds=60) == []  # leased: nobody else takes it
        # the worker "crashes"; its lease runs out
        async with app.engine.begin() as conn:
            await conn.execute(update(media_jobs_t).values(lease_until=time.time() - 1))
        again = await store.claim(10, lease_seconds=60)
        assert [job.key for job in again] == [key] and again[0].attempts == 2
        await app.pictures.process(again[0])
        async with app.engine.connect() as conn:
            states = (await conn.execute(select(media_jobs_t.c.state))).scalars().all()
        assert states == ["done"]
    finally:
        await app.close()


async def test_two_processes_never_take_the_same_job(database_url: str, host: HostServer) -> None:
    one = await fetching_app(database_url)
    two = await fetching_app(database_url, migrate=False)
    try:
        keys = [(await report(one, n, host.url(f"h{n}.example", "/a.jpg")))[1] for n in range(40)]
        store_one: SqlPictureJobStore = one.pictures.store  # type: ignore[assignment]
        store_two: SqlPictureJobStore = two.pictures.store  # type: ignore[assignment]
        taken: list[str] = []
        for _ in range(20):  # rounds of twelve concurrent claims, six from each process
            batches = await asyncio.gather(
                *(
                    store.claim(5, lease_seconds=60)
                    for _ in range(6)
                    for store in (store_one, store_two)
                )
            )
            round_taken = [job.key for batch in batches for job in batch]
            if not round_taken:
                break
            taken += round_taken
        assert len(taken) == len(set(taken)) == 40
        assert set(taken) == set(keys)
    finally:
        await one.close()
        await two.close()


async def test_an_import_with_fetching_off_marks_its_links_skipped(
    sqlite_url: str, host: HostServer
) -> None:
    app = await fetching_app(sqlite_url)
    try:
        _, key = await report(app, 1, host.url("leaks.example", "/a.jpg"))
        assert await app.pictures.store.skip("default", [key]) == 1
        app.start_background()
        await asyncio.sleep(0.3)
        results = await app.pictures.results("default", [key])
        assert results[key].state == "skipped" and host.requests == []
    finally:
        await app.close()
