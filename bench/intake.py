"""Intake benchmark: acknowledged reports per second, each committed before its acknowledgement.

Usage: python bench/intake.py [--reports 20000] [--concurrency 64] [--postgres URL] [--no-postgres]

Runs sequential and concurrent intake on a fresh SQLite file and a fresh PostgreSQL
database, through the same IntakeService the bots use (validation, canonicalization,
rate limiter, group-commit writer), and prints throughput with p50/p99 latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe_machine
from bots.bootstrap import build_app
from core.model import IncomingReport, ReporterRef
from core.settings import Settings
from tests.conftest import POSTGRES_URL, fresh_postgres_database


def _links(n: int) -> list[str]:
    # one report in five repeats an earlier link in another disguise: real dedupe work
    out = []
    for i in range(n):
        if i % 5 == 4:
            out.append(f"https://twitter.com/someone/status/{1_000_000 + i - 3}?s=20")
        else:
            out.append(f"https://x.com/leaker/status/{1_000_000 + i}")
    return out


async def _run(url: str, reports: int, concurrency: int) -> dict[str, float]:
    settings = Settings(
        database_url=url,
        report_rate="100000000/minute",
        place_rate="",
        creator_rate="",
        global_rate="",
        link_rate="100000000/minute",
        fetch_media=False,
    )
    app = await build_app(settings)
    links = _links(reports)
    latencies: list[float] = []
    run = os.urandom(4).hex()

    async def reporter(worker: int, share: list[str]) -> None:
        for n, link in enumerate(share):
            started = time.perf_counter()
            # an event id, as the chat adapters pass (Discord message, Telegram update);
            # without one each report draws a random uuid4, which is the client's cost
            result = await app.intake.submit(
                IncomingReport(
                    ReporterRef("bench", f"{worker}-{n % 7}"),
                    [link],
                    submission_id=f"bench:{run}:{worker}:{n}",
                )
            )
            latencies.append(time.perf_counter() - started)
            assert result.outcomes

    try:
        # sequential: one reporter, one report at a time (a commit per report)
        seq_links = [f"https://example.com/seq/{i}" for i in range(min(2000, reports // 5))]
        started = time.perf_counter()
        await reporter(-1, seq_links)
        seq_rate = len(seq_links) / (time.perf_counter() - started)
        seq_p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1]
        latencies.clear()

        shares = [links[w::concurrency] for w in range(concurrency)]
        started = time.perf_counter()
        await asyncio.gather(*(reporter(w, share) for w, share in enumerate(shares)))
        elapsed = time.perf_counter() - started
        cases = await app.cases.count_cases()
    finally:
        await app.close()
    latencies.sort()
    return {
        "seq_rate": seq_rate,
        "seq_p99_ms": seq_p99 * 1000,
        "rate": reports / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "cases": sum(cases.values()),
    }


def _print(name: str, figures: dict[str, float], reports: int, concurrency: int) -> None:
    print(
        f"{name:<11} sequential {figures['seq_rate']:>8,.0f} reports/s "
        f"(p99 {figures['seq_p99_ms']:.1f} ms) | "
        f"{concurrency} concurrent: {figures['rate']:>8,.0f} reports/s, "
        f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms "
        f"({reports:,} reports -> {figures['cases']:,.0f} cases)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory() as tmp:
        figures = await _run(f"sqlite+aiosqlite:///{tmp}/bench.db", args.reports, args.concurrency)
        _print("SQLite", figures, args.reports, args.concurrency)
    if not args.no_postgres:
        async with fresh_postgres_database() as url:
            figures = await _run(url, args.reports, args.concurrency)
            _print("PostgreSQL", figures, args.reports, args.concurrency)
        print(f"(PostgreSQL: {POSTGRES_URL.rsplit('@', 1)[-1]})")


if __name__ == "__main__":
    asyncio.run(main())
