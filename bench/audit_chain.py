"""Audit chain benchmark: n moderator actions appended in one transaction, chained by the trigger.

Usage: python bench/audit_chain.py [--sizes 998,5000,10000] [--rounds 3] [--revision head]
                                   [--no-postgres]

Each round appends n rows in one transaction the way ``write_audit`` does (one executemany),
then checks the whole chain with ``verify_audit_chain``; the median of the rounds is printed
with rows/s.  ``--revision 0021`` measures the trigger of migration 0013 (the head row locked
and updated for every row) for comparison with 0022's (locked once, written at commit).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bench.machine import describe_machine
from db.audit_verify import verify_audit_chain
from db.engine import create_engine
from db.migrate import upgrade
from db.tables import actions_t
from tests.audit.bare_case import insert_bare_case
from tests.conftest import fresh_postgres_database


async def _run(url: str, sizes: list[int], rounds: int, revision: str) -> None:
    await upgrade(url, revision)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await insert_bare_case(conn, "bench")
        for size in sizes:
            times = []
            for _ in range(rounds):
                now = datetime.now(UTC)
                rows = [
                    {"case_id": 1, "moderator": "bench:mod", "action": "merge_in",
                     "from_status": "open", "to_status": "open", "reason": f"absorbed {n}",
                     "created_at": now}
                    for n in range(size)
                ]  # fmt: skip
                start = time.perf_counter()
                async with engine.begin() as conn:
                    await conn.execute(insert(actions_t), rows)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            rate = f"{size / median:,.0f} rows/s"
            print(f"  {size:>6,} rows in one transaction: {median:.3f} s ({rate})")
        report = await verify_audit_chain(engine)
        assert report.ok, report.problems
        print(f"  chain verified: {report.rows:,} rows")
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="998,5000,10000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--revision", default="head", help="schema revision (0021: old trigger)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(describe_machine())
    with tempfile.TemporaryDirectory() as folder:
        print(f"SQLite (revision {args.revision}):")
        await _run(f"sqlite+aiosqlite:///{folder}/bench.db", sizes, args.rounds, args.revision)
    if not args.no_postgres:
        print(f"PostgreSQL (revision {args.revision}):")
        async with fresh_postgres_database() as url:
            await _run(url, sizes, args.rounds, args.revision)


if __name__ == "__main__":
    asyncio.run(main())
