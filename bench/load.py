"""Load with a crash: 10,000 reports from 500 reporters at once, the app SIGKILLed midway.

Usage: python bench/load.py [--reporters 500] [--per-reporter 20] [--no-postgres]

The app runs in its own process (:mod:`bench.load_app`: the neutral handlers behind a
pipe).  Each simulated reporter sends its next report as soon as the last one was
answered, so 500 are in flight at once.  5,000 distinct links are each reported by two
different reporters.  When half the reports are acknowledged the app is killed with
SIGKILL and started again; every report not yet answered is sent again to the new process
(with the same submission id, as a chat platform redelivers an event).  Then the database
is checked: every (link, reporter) pair stored exactly once, every case with exactly two
reporters and two reports, nothing else.  Prints throughput, p50/p99 latency (with and
without the reports caught by the kill), the restart time, and raises if a count is off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bench.machine import describe_machine
from db.engine import create_engine
from db.migrate import upgrade
from db.tables import cases_t, links_t, reports_t
from tests.conftest import POSTGRES_URL, fresh_postgres_database


@dataclass
class Pending:
    """A report sent and not yet answered."""

    line: bytes
    future: asyncio.Future[dict[str, object]]
    sent: float
    resent: bool = False


@dataclass
class AppProcess:
    """The app in a child process, killed once and restarted; reports survive the kill."""

    url: str
    kill_at: int
    pending: dict[int, Pending] = field(default_factory=dict)
    acked: int = 0
    killed: bool = False
    restart_seconds: float = 0.0
    in_flight_at_kill: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    proc: asyncio.subprocess.Process | None = None
    reader: asyncio.Task[None] | None = None
    restarting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = {
            **os.environ,
            "LEAKDESK_DATABASE_URL": self.url,
            "LEAKDESK_FETCH_MEDIA": "false",
            "LEAKDESK_RDAP_LOOKUPS": "false",
            "LEAKDESK_REPORT_RATE": "100000000/minute",
            "LEAKDESK_LINK_RATE": "100000000/minute",
            "LEAKDESK_PLACE_RATE": "",
            "LEAKDESK_CREATOR_RATE": "",
            "LEAKDESK_GLOBAL_RATE": "",
        }
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.load_app",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            limit=1 << 20,
        )
        assert self.proc.stdout is not None
        first = await self.proc.stdout.readline()
        if first.strip() != b"ready":
            raise RuntimeError(f"the app did not start: {first!r}")
        self.reader = asyncio.create_task(self._read(self.proc))
        self.ready.set()

    async def send(self, report_id: int, reporter: str, text: str) -> dict[str, object]:
        await self.ready.wait()
        line = json.dumps({"id": report_id, "reporter": reporter, "text": text}).encode() + b"\n"
        future = asyncio.get_running_loop().create_future()
        # registered and written with no await between: a restart resends it or never saw it
        self.pending[report_id] = Pending(line, future, time.perf_counter())
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line)
        return await future

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            answer = json.loads(line)
            entry = self.pending.pop(int(answer["id"]), None)
            if entry is None:
                continue
            answer["latency"] = time.perf_counter() - entry.sent
            answer["resent"] = entry.resent
            entry.future.set_result(answer)
            self.acked += 1
            if self.acked == self.kill_at and not self.killed:
                self.killed = True
                self.restarting = asyncio.create_task(self._crash_and_restart(proc))
                return

    async def _crash_and_restart(self, proc: asyncio.subprocess.Process) -> None:
        self.ready.clear()
        proc.kill()  # SIGKILL
        await proc.wait()
        self.in_flight_at_kill = len(self.pending)
        started = time.perf_counter()
        await self.start()
        self.restart_seconds = time.perf_counter() - started
        assert self.proc is not None and self.proc.stdin is not None
        for entry in self.pending.values():  # lost with the process, or committed unanswered
            entry.resent = True
            self.proc.stdin.write(entry.line)

    async def close(self) -> None:
        if self.restarting is not None:
            await self.restarting
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()
            await self.proc.wait()
        if self.reader is not None:
            await self.reader


def plan(reporters: int, per_reporter: int) -> dict[str, list[str]]:
    """Reporter → its links: each of ``reporters * per_reporter / 2`` links has two reporters."""
    n_links = reporters * per_reporter // 2
    shares: dict[str, list[str]] = {f"r{r}": [] for r in range(reporters)}
    for i in range(n_links):
        link = f"https://example.com/load/{i}"
        shares[f"r{i % reporters}"].append(link)
        shares[f"r{(i + reporters // 2) % reporters}"].append(link)
    return shares


async def check(url: str, shares: dict[str, list[str]]) -> tuple[int, int]:
    """Raise unless the database holds each (link, reporter) once and every case has two."""
    expected_reports = sum(len(v) for v in shares.values())
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            pairs = (
                await conn.execute(
                    select(links_t.c.url, reports_t.c.reporter_id, func.count())
                    .join(reports_t, reports_t.c.link_id == links_t.c.id)
                    .group_by(links_t.c.url, reports_t.c.reporter_id)
                )
            ).all()
            n_reports = (await conn.execute(select(func.count()).select_from(reports_t))).scalar()
            cases = (
                await conn.execute(select(cases_t.c.reporter_count, cases_t.c.report_count))
            ).all()
    finally:
        await engine.dispose()
    if n_reports != expected_reports or len(pairs) != expected_reports:
        raise AssertionError(f"{n_reports} reports, {len(pairs)} pairs; {expected_reports} sent")
    if any(count != 1 for _, _, count in pairs):
        raise AssertionError("a (link, reporter) pair is stored more than once")
    if len(cases) != expected_reports // 2 or any(tuple(c) != (2, 2) for c in cases):
        raise AssertionError(f"{len(cases)} cases, not all with 2 reporters and 2 reports")
    return n_reports, len(cases)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def run(url: str, reporters: int, per_reporter: int) -> None:
    await upgrade(url)
    shares = plan(reporters, per_reporter)
    total = sum(len(v) for v in shares.values())
    app = AppProcess(url, kill_at=total // 2)
    await app.start()
    answers: list[dict[str, object]] = []
    counter = iter(range(total))

    async def reporter(name: str, share: list[str]) -> None:
        for link in share:
            answer = await app.send(next(counter), name, f"please remove {link}")
            if answer["kind"] != "ReportReceived":
                raise AssertionError(f"refused: {answer}")
            answers.append(answer)

    started = time.perf_counter()
    await asyncio.gather(*(reporter(name, share) for name, share in shares.items()))
    elapsed = time.perf_counter() - started
    await app.close()
    n_reports, n_cases = await check(url, shares)
    latencies = [float(a["latency"]) for a in answers]  # type: ignore[arg-type]
    clean = [float(a["latency"]) for a in answers if not a["resent"]]  # type: ignore[arg-type]
    print(
        f"  {total:,} reports from {reporters} reporters in {elapsed:.1f} s "
        f"({total / elapsed:,.0f}/s incl. the restart); killed after {app.kill_at:,} "
        f"answers with {app.in_flight_at_kill} in flight, restart {app.restart_seconds:.1f} s"
    )
    print(
        f"  latency p50 {_percentile(latencies, 0.5):.0f} ms, "
        f"p99 {_percentile(latencies, 0.99):.0f} ms "
        f"(without the {total - len(clean)} caught by the kill: p99 "
        f"{_percentile(clean, 0.99):.0f} ms)"
    )
    print(f"  stored: {n_reports:,} reports, {n_cases:,} cases, each with 2 reporters: exact")


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reporters", type=int, default=500)
    parser.add_argument("--per-reporter", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        await run(f"sqlite+aiosqlite:///{tmp}/load.db", args.reporters, args.per_reporter)
    if not args.no_postgres:
        async with fresh_postgres_database() as url:
            print(f"PostgreSQL ({POSTGRES_URL.rsplit('@', 1)[-1]})")
            await run(url, args.reporters, args.per_reporter)


if __name__ == "__main__":
    asyncio.run(main())
