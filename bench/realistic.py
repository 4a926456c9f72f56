"""Intake under real conditions: picture fetching on, with slow and dead hosts.

Usage: python bench/realistic.py [--reports 20000] [--concurrency 64] [--no-postgres]

A web server in another process on loopback serves the pages behind the reported links:
most hosts answer at once with a small JPEG, a tenth answer after 5 s and a tenth never
answer. Reports go through the same IntakeService the bots use while the background
picture pool drains the queue, and the benchmark prints acknowledged reports/s, p50/p99
time to "received", the worst event-loop stall, and how many pictures were hashed.
Targets (issue 8): p99 <= 50 ms and >= 3,000 reports/s on each database.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
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
from tests.conftest import fresh_postgres_database

HOSTS = 100


def _serve(port_out: multiprocessing.SimpleQueue) -> None:  # type: ignore[type-arg]
    """The hosts: h0..h79 answer at once, h80..h89 after 5 s, h90..h99 never."""
    from PIL import Image

    pictures = []
    for n in range(32):
        out = io.BytesIO()
        Image.effect_noise((96, 96), 40 + n).convert("RGB").save(out, "JPEG", quality=80)
        pictures.append(out.getvalue())

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        host = next(
            (
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"host:")
            ),
            b"h0",
        )
        number = int(host.split(b".")[0][1:] or 0)
        if number >= 90:
            await asyncio.sleep(3600)  # never answers
        if number >= 80:
            await asyncio.sleep(5)
        body = pictures[hash(request) % len(pictures)]
        head = (
            f"Content-Type: image/jpeg\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(b"HTTP/1.1 200 OK\r\n" + head.encode() + body)
        try:
            await writer.drain()
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
        port_out.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def _run(url: str, port: int, reports: int, concurrency: int) -> dict[str, float]:
    settings = Settings(
        database_url=url,
        report_rate="100000000/minute",
        place_rate="",
        creator_rate="",
        global_rate="",
        fetch_media=True,
        fetch_allow_networks="127.0.0.1/32",
    )
    app = await build_app(settings, resolver=loopback)
    app.start_background()
    run = os.urandom(3).hex()
    links = [f"http://h{i % HOSTS}.bench:{port}/{run}/leak/{i}.jpg" for i in range(reports)]
    latencies: list[float] = []
    stall = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal stall
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stall = max(stall, now - last - 0.001)
            last = now

    async def reporter(worker: int, share: list[str]) -> None:
        for n, link in enumerate(share):
            started = time.perf_counter()
            result = await app.intake.submit(
                IncomingReport(
                    ReporterRef("bench", f"{worker}-{n % 7}"),
                    [link],
                    submission_id=f"bench:{run}:{worker}:{n}",
                )
            )
            latencies.append(time.perf_counter() - started)
            assert result.outcomes

    tick = asyncio.create_task(ticker())
    try:
        shares = [links[w::concurrency] for w in range(concurrency)]
        started = time.perf_counter()
        await asyncio.gather(*(reporter(w, share) for w, share in enumerate(shares)))
        elapsed = time.perf_counter() - started
        done.set()
        await tick
        async with app.engine.connect() as conn:
            from sqlalchemy import func, select

            from db.tables import media_jobs_t

            rows = await conn.execute(
                select(media_jobs_t.c.state, func.count()).group_by(media_jobs_t.c.state)
            )
            states = dict(rows.all())
    finally:
        done.set()
        await app.close()
    latencies.sort()
    return {
        "rate": reports / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "stall_ms": stall * 1000,
        "hashed": states.get("done", 0),
        "failed": states.get("failed", 0),
        "seconds": elapsed,
    }


def _print(name: str, f: dict[str, float], reports: int, concurrency: int) -> None:
    print(
        f"{name:<11} {concurrency} concurrent, fetching on: {f['rate']:>7,.0f} reports/s "
        f"acknowledged, p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms to 'received', "
        f"worst loop stall {f['stall_ms']:.1f} ms; {reports:,} reports in {f['seconds']:.1f} s, "
        f"meanwhile {f['hashed']:,.0f} pictures hashed, {f['failed']:,.0f} failed"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(describe_machine())
    spawn = multiprocessing.get_context("spawn")
    ports = spawn.SimpleQueue()
    server = spawn.Process(target=_serve, args=(ports,), daemon=True)
    server.start()
    port = ports.get()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            _print(
                "SQLite",
                await _run(url, port, args.reports, args.concurrency),
                args.reports,
                args.concurrency,
            )
        if not args.no_postgres:
            async with fresh_postgres_database() as url:
                figures = await _run(url, port, args.reports, args.concurrency)
                _print("PostgreSQL", figures, args.reports, args.concurrency)
    finally:
        server.terminate()


if __name__ == "__main__":
    asyncio.run(main())
