"""Two ``leakdesk import`` runs at once on one database: wall time per importer.

Usage: python bench/import_concurrent.py [--links 20000] [--fetch] [--no-postgres]

Each importer is a real ``leakdesk import`` process with its own file of ``--links``
links; the two files share half their links (two moderators importing overlapping
lists).  Both start together on a fresh SQLite file, then on a fresh PostgreSQL
database.  Printed per database: each importer's wall time and links/s, the wall time
until both finished, their CPU time (on a machine shared with other work, wall time
is CPU time divided by the share of the cores it got), and the rows in the database
afterwards (checked exactly).
Picture fetching is off unless ``--fetch`` (the links point at unresolvable hosts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import POSTGRES_URL, fresh_postgres_database  # noqa: E402

CLI = "import sys; from bots.cli import app; sys.argv[0] = 'leakdesk'; app()"


def _link(n: int) -> str:
    # a mix of platform and generic shapes, as a real list would be
    if n % 3 == 0:
        return f"https://x.com/leaker/status/{10_000_000 + n}?s=20"
    if n % 3 == 1:
        return f"https://www.reddit.com/r/leaks/comments/{n:x}z/title/"
    return f"https://files{n % 97}.leakhost-{n}.invalid/v/{n}.mp4"


def _environment(url: str, fetch: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKDESK_")}
    env.update(
        LEAKDESK_DATABASE_URL=url,
        LEAKDESK_FETCH_MEDIA="true" if fetch else "false",
        PYTHONPATH=str(ROOT),
    )
    return env


async def _leakdesk(env: dict[str, str], cwd: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLI,
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode or err:
        raise SystemExit(f"leakdesk {' '.join(args)} failed ({process.returncode}): {err.decode()}")
    return elapsed, out.decode().strip().splitlines()[-1]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _count_rows(url: str) -> tuple[int, int]:
    """(cases, reports) in the database."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1])
        try:
            cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        finally:
            conn.close()
        return cases, reports
    import asyncpg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=u.database
    )
    try:
        return await conn.fetchval("SELECT count(*) FROM cases"), await conn.fetchval(
            "SELECT count(*) FROM reports"
        )
    finally:
        await conn.close()


async def _bench(name: str, url: str, links: int, fetch: bool, workdir: Path) -> None:
    env = _environment(url, fetch)
    await _leakdesk(env, workdir, "db", "upgrade")  # as an operator does once, before imports
    first = [_link(n) for n in range(links)]
    second = [_link(n) for n in range(links // 2, links // 2 + links)]
    (workdir / "a.txt").write_text("\n".join(first) + "\n")
    (workdir / "b.txt").write_text("\n".join(second) + "\n")
    cpu_before = _children_cpu()
    started = time.perf_counter()
    (time_a, line_a), (time_b, line_b) = await asyncio.gather(
        _leakdesk(env, workdir, "import", "a.txt", "--reporter", "importer-a"),
        _leakdesk(env, workdir, "import", "b.txt", "--reporter", "importer-b"),
    )
    both = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    cases, reports = await _count_rows(url)
    expected = (links + links // 2, 2 * links)
    check = "exact" if (cases, reports) == expected else f"WRONG, expected {expected}"
    print(f"\n{name}: two importers of {links:,} links each (half shared), fetching {fetch}")
    print(f"  importer a: {time_a:6.2f} s  {links / time_a:8,.0f} links/s   {line_a}")
    print(f"  importer b: {time_b:6.2f} s  {links / time_b:8,.0f} links/s   {line_b}")
    print(f"  both done:  {both:6.2f} s  {2 * links / both:8,.0f} links/s together")
    print(f"  CPU time of both importers (user + sys, start-up included): {cpu:.2f} s")
    print(f"  database:   {cases:,} cases, {reports:,} reports ({check})")


async def main() -> None:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=20_000, help="links per importer")
    parser.add_argument("--fetch", action="store_true", help="fetch pictures (default: off)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sqlite_url = f"sqlite+aiosqlite:///{workdir / 'leakdesk.db'}"
        await _bench("SQLite (WAL)", sqlite_url, args.links, args.fetch, workdir)
        if not args.no_postgres:
            async with fresh_postgres_database() as url:
                await _bench(f"PostgreSQL ({POSTGRES_URL})", url, args.links, args.fetch, workdir)


if __name__ == "__main__":
    asyncio.run(main())
