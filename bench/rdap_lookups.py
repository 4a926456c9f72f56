"""Abuse-contact lookups benchmark: many unknown hosts against a fake RDAP server on loopback.

Usage: python bench/rdap_lookups.py [--hosts 500] [--concurrency 8] [--delay 0.05]

Each host has a domain and an address known to the fake server, which waits ``--delay``
seconds before each answer (a remote RDAP server's latency). Prints the time to look every
host up (cold), then to answer the same hosts from the SQLite cache (warm).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.escalation.contacts import AbuseContactFinder, RdapClient
from db import create_engine, upgrade
from db.abuse_contacts import SqlAbuseContactStore
from tests.escalation.rdap_server import RdapServer, domain_answer, hosts_resolver, ip_answer


class SlowRdapServer(RdapServer):
    """The fake server, answering after a delay."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.open = self.peak = 0

    async def _handle(self, reader, writer):  # type: ignore[no-untyped-def]
        self.open += 1
        self.peak = max(self.peak, self.open)
        try:
            await asyncio.sleep(self.delay)
            await super()._handle(reader, writer)
        finally:
            self.open -= 1


async def main(hosts: int, concurrency: int, delay: float) -> None:
    names = [f"site{n}.example" for n in range(hosts)]
    table = {name: [f"93.184.{n // 250}.{n % 250 + 1}"] for n, name in enumerate(names)}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        engine = create_engine(url)
        async with SlowRdapServer(delay) as server:
            for name, (address,) in table.items():
                server.domains[name] = domain_answer(name, "Reg", "abuse@reg.example", "x/")
                server.addresses[address] = ip_answer(
                    address, address, "NET", "Host", f"abuse@{name}", "US"
                )
            rdap = RdapClient(server.base_url, timeout=10)
            finder = AbuseContactFinder(
                rdap,
                SqlAbuseContactStore(engine),
                resolver=hosts_resolver(table),
                concurrency=concurrency,
            )
            start = time.perf_counter()
            cold = await finder.find(names)
            cold_s = time.perf_counter() - start
            start = time.perf_counter()
            await finder.find(names)
            warm_s = time.perf_counter() - start
            await rdap.aclose()
        await engine.dispose()
    found = sum(1 for c in cold.values() if c.email)
    print(f"{hosts} hosts, concurrency {concurrency}, {delay * 1000:.0f} ms per RDAP answer")
    print(f"cold lookups: {cold_s:.2f} s ({found} contacts found, {len(server.queries)} queries,")
    print(f"  at most {server.peak} queries open at once)")
    print(f"warm (from the cache): {warm_s * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(main(args.hosts, args.concurrency, args.delay))
