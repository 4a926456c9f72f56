"""How long the picture pool's SQLite writes hold the write gate, and what reporters see.

Usage: python bench/gate_hold.py [--reports 6000] [--merges 300] [--rounds 2]

The part of ``bench/realistic.py`` that the picture pool adds, without the web server:
64 reporters submit links through the IntakeService while a background task does what
the pool does after a picture match (merge the new case into the matching one, then
record the job's result), one after another.  Run alternately with the gated writes on
the event loop (``db.sqlite_on_loop``, the default) and through aiosqlite (the earlier
way), so both see the same machine load.  Prints the gate hold time of the background
writes (median, p99), the reporters' p99 time to "received", and the worst loop stall.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe_machine
from bots.bootstrap import build_app
from core.model import IncomingReport, ReporterRef
from core.settings import Settings
from db import write_gate

HOLDS: list[float] = []


class _TimedGate(write_gate.WriteGate):
    """Records how long each background write holds the gate."""

    async def __aenter__(self) -> write_gate.WriteGate:
        entered = await super().__aenter__()
        self._held_since = time.perf_counter()
        return entered

    async def __aexit__(self, *exc: Any) -> None:
        HOLDS.append(time.perf_counter() - self._held_since)
        await super().__aexit__(*exc)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000 if ordered else 0.0


async def _run(url: str, on_loop: bool, reports: int, merges: int) -> dict[str, float]:
    settings = Settings(database_url=url, report_rate="100000000/minute", fetch_media=False)
    app = await build_app(settings)
    gate = app.reports.write_gate
    assert gate is not None
    gate.__class__ = _TimedGate
    if not on_loop:
        gate.sqlite = None
    run = os.urandom(3).hex()
    # the cases the background merges fold together: opened first
    pairs = []
    for n in range(merges):
        result = await app.intake.submit(
            IncomingReport(
                ReporterRef("bench", f"m{n}"),
                [f"https://a.example/{run}/{n}", f"https://b.example/{run}/{n}"],
                submission_id=f"pairs:{run}:{n}",
            )
        )
        pairs.append((result.outcomes[1].case_code, result.outcomes[0].case_code))
    HOLDS.clear()
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

    async def reporter(worker: int, count: int) -> None:
        for n in range(count):
            started = time.perf_counter()
            await app.intake.submit(
                IncomingReport(
                    ReporterRef("bench", f"{worker}-{n % 7}"),
                    [f"https://r.example/{run}/{worker}/{n}"],
                    submission_id=f"bench:{run}:{worker}:{n}",
                )
            )
            latencies.append(time.perf_counter() - started)

    async def pool() -> None:
        for source, target in pairs:
            if done.is_set():
                return
            await app.cases.merge(source, target, actor="bench", creator="default")
            await asyncio.sleep(0.002)

    tick = asyncio.create_task(ticker())
    background = asyncio.create_task(pool())
    try:
        await asyncio.gather(*(reporter(w, reports // 64) for w in range(64)))
    finally:
        done.set()
        await tick
        await background
        await app.close()
    return {
        "hold_p50": _pct(HOLDS, 0.5),
        "hold_p99": _pct(HOLDS, 0.99),
        "holds": len(HOLDS),
        "p50": statistics.median(latencies) * 1000,
        "p99": _pct(latencies, 0.99),
        "stall": stall * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=int, default=6000)
    parser.add_argument("--merges", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(describe_machine())
    for _ in range(args.rounds):
        for on_loop in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite+aiosqlite:///{tmp}/bench.db"
                f = await _run(url, on_loop, args.reports, args.merges)
            name = "on the loop" if on_loop else "aiosqlite  "
            print(
                f"{name}: {f['holds']:.0f} background writes hold the gate p50 "
                f"{f['hold_p50']:.2f} ms, p99 {f['hold_p99']:.2f} ms; reporters p50 "
                f"{f['p50']:.1f} ms, p99 {f['p99']:.1f} ms; worst loop stall {f['stall']:.1f} ms"
            )


if __name__ == "__main__":
    asyncio.run(main())
