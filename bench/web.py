"""Dashboard benchmark: the queue page over 100,000 cases, and a bulk action on 500.

Usage: python bench/web.py [--cases 100000] [--no-postgres] [--bulk-only]

Cases are inserted straight into the database (one creator, 200 hosts on 6 platforms,
1-40 reporters, first seen over 90 days, a mix of states). The queue page is rendered
through the ASGI app (session check, query, template) unfiltered, filtered, searched, in
another sort, and 20 pages deep; each 50 times, p50 and p95 printed (target p95 <= 150 ms).
Then one bulk Confirm of 500 selected cases, and one bulk Merge of 499 other open cases into
one (998 audit rows, each chained), through the dashboard (target <= 1 s each).
``--bulk-only`` skips the queue page timings.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import insert, select

from bench.machine import describe_machine
from bots.bootstrap import build_app
from bots.web import WebSettings, create_web_app
from core.codes import new_case_code
from core.settings import Settings
from db.tables import cases_t, creators_t
from db.web_auth import SqlWebAuth
from tests.conftest import fresh_postgres_database

PLATFORMS = ["x", "reddit", "telegram", "discord", None, None]
REPS = 50


async def _seed(app, cases: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    now = datetime.now(UTC)
    async with app.engine.begin() as conn:
        await conn.execute(insert(creators_t).values(slug="alice", created_at=now))
        creator_id = (
            await conn.execute(select(creators_t.c.id).where(creators_t.c.slug == "alice"))
        ).scalar_one()
        codes: set[str] = set()
        rows = []
        for n in range(cases):
            code = new_case_code()
            while code in codes:
                code = new_case_code()
            codes.add(code)
            host = n % 200
            seen = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
            rows.append(
                {
                    "code": code,
                    "creator_id": creator_id,
                    "origin_key": f"{n:064x}",
                    "status": rng.choice(["open"] * 6 + ["claimed", "confirmed", "dismissed"]),
                    "reporter_count": min(40, int(rng.expovariate(0.4)) + 1),
                    "report_count": 1,
                    "host": f"host{host}.example",
                    "platform": PLATFORMS[host % len(PLATFORMS)],
                    "first_seen": seen,
                    "last_seen": seen,
                    "updated_at": seen,
                    "synthetic": n % 17 == 0,
                }
            )
            if len(rows) == 5000:
                await conn.execute(insert(cases_t), rows)
                rows = []
        if rows:
            await conn.execute(insert(cases_t), rows)
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE cases")
        else:
            await conn.exec_driver_sql("ANALYZE")


async def _timed(client: httpx.AsyncClient, params: dict[str, str]) -> list[float]:
    times = []
    for _ in range(REPS):
        start = time.perf_counter()
        response = await client.get("/", params=params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text[:300]
    return times


async def _deep_cursor(client: httpx.AsyncClient, pages: int) -> str:
    params: dict[str, str] = {}
    for _ in range(pages):
        text = (await client.get("/", params=params)).text
        params = {"after": re.search(r"after=([\w-]+)", text).group(1)}  # type: ignore[union-attr]
    return params["after"]


async def _run(url: str, cases: int, bulk_only: bool) -> None:
    app = await build_app(Settings(database_url=url, fetch_media=False))
    try:
        start = time.perf_counter()
        await _seed(app, cases)
        print(f"  seeded {cases:,} cases in {time.perf_counter() - start:.1f} s")
        web = create_web_app(app, WebSettings(url="http://bench"))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web), base_url="http://bench"
        ) as client:
            token = await SqlWebAuth(app.engine).mint_link("discord:1", "alice")
            assert (await client.post("/signin", data={"token": token})).status_code == 303
            if not bulk_only:
                await _queue_timings(client)
            await _bulk(client)
    finally:
        await app.close()


async def _queue_timings(client: httpx.AsyncClient) -> None:
    """The queue page, unfiltered, filtered, searched, sorted and deep: p50 and p95."""
    cursor = await _deep_cursor(client, 20)
    for name, params in (
        ("unfiltered", {}),
        ("filtered (platform x, >= 3 reporters, last 30 days)",
         {"platform": "x", "min_reporters": "3", "age": "30d"}),
        ("status dismissed, synthetic", {"status": "dismissed", "synthetic": "yes"}),
        ("search host prefix", {"q": "host17"}),
        ("sort newest", {"sort": "newest"}),
        ("20 pages deep", {"after": cursor}),
    ):  # fmt: skip
        times = await _timed(client, params)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"  queue {name}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")


async def _open_codes(client: httpx.AsyncClient, count: int) -> tuple[list[str], str]:
    """The first ``count`` open cases on the queue (200 a page), and the form's CSRF token."""
    codes: list[str] = []
    params = {"limit": "200", "status": "open"}
    csrf = ""
    while len(codes) < count:
        page = (await client.get("/", params=params)).text
        csrf = re.search(r'name="csrf" value="(\w+)"', page).group(1)  # type: ignore[union-attr]
        codes += re.findall(r'name="codes" value="(LD-\w+)"', page)
        params["after"] = re.search(r"after=([\w-]+)", page).group(1)  # type: ignore[union-attr]
    return codes[:count], csrf


async def _bulk(client: httpx.AsyncClient) -> None:
    """One bulk Confirm of 500 open cases, then one bulk Merge of 499 others into one."""
    for action, count in (("confirm", 500), ("merge", 500)):
        codes, csrf = await _open_codes(client, count)
        start = time.perf_counter()
        done = await client.post("/actions", data={"csrf": csrf, "action": action, "codes": codes})
        elapsed = time.perf_counter() - start
        changed = count - 1 if action == "merge" else count
        assert f"{changed} of {changed} case(s) done" in done.text, done.text[:300]
        into = " into one" if action == "merge" else ""
        print(f"  bulk {action} of {changed} cases{into}: {elapsed:.2f} s")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--bulk-only", action="store_true", help="skip the queue page timings")
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite:")
        await _run(f"sqlite+aiosqlite:///{folder}/bench.db", args.cases, args.bulk_only)
    if not args.no_postgres:
        print("PostgreSQL:")
        async with fresh_postgres_database() as url:
            await _run(url, args.cases, args.bulk_only)


if __name__ == "__main__":
    asyncio.run(main())
