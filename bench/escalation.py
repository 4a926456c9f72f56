"""Escalation benchmark: packets for 10,000 confirmed cases across 50 recipients, SMTP, recheck.

Usage: python bench/escalation.py [--cases 10000] [--links 10000] [--no-postgres]
       [--only packets|recheck]

An operator platforms file adds 49 platforms (tube0..tube48.example) to the built-in ones,
each with one channel: five email channels that take one URL per mail, twenty that take
any number, and twenty-four forms that take one URL per request; X and Google Search
come from the built-in registry. The cases are reported through intake, confirmed, and
escalated with ``leakdesk escalate``'s service; the benchmark prints the time to plan and
write every packet (target: <= 2 s), then the time to send the email notices through the
outbox to an SMTP server on loopback (aiosmtpd).

Recheck: 10,000 escalated links (sent requests) on 100 host names, all served by one loopback
server in its own process (``tests/link_hosts.py``; the names resolve to 127.0.0.1 through
the fetcher's resolver): 70 % alive, 20 % 404, 5 % a "removed" page, 5 % slow (0.5 s). It
prints the time of ``leakdesk recheck``'s run (probing and recording the removals; target
<= 30 s) and ASSERTS, from the server's own count of requests in flight per host, that no
host ever had more than 4 at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update

from bench.machine import describe_machine
from bots.bootstrap import App, build_app
from core.escalation.agent import AgentOfRecord
from core.model import IncomingReport, ReporterRef
from core.settings import Settings
from db.tables import cases_t
from tests.conftest import fresh_postgres_database
from tests.escalation.recheck_setup import escalate_links
from tests.escalation.recheck_setup import platforms_file as recheck_platforms_file
from tests.escalation.smtp_server import SmtpServer

PLATFORMS = 49


def platforms_file(folder: Path) -> Path:
    """The built-in registry plus 49 platforms, each with one channel."""
    text = resources.files("core.urls").joinpath("platforms.toml").read_text("utf-8")
    for n in range(PLATFORMS):
        text += (
            f'\n[[platform]]\nid = "tube{n}"\nname = "Tube {n}"\n'
            f'canonical_host = "tube{n}.example"\nhosts = ["tube{n}.example"]\n'
        )
        if n < 25:
            per = 1 if n < 5 else 0
            text += (
                f'\n[[channel]]\nid = "tube{n}-abuse"\nplatform = "tube{n}"\n'
                f'name = "Tube {n} abuse"\nkind = "email"\naddress = "abuse@tube{n}.example"\n'
                f'notices = ["take_it_down"]\nmax_urls = {per}\nchecked = "2026-11-28"\n'
                'source = "bench"\nverified = true\n'
            )
        else:
            text += (
                f'\n[[channel]]\nid = "tube{n}-form"\nplatform = "tube{n}"\n'
                f'name = "Tube {n} form"\nkind = "form"\nurl = "https://tube{n}.example/report"\n'
                'notices = ["take_it_down"]\nmax_urls = 1\n'
                'fields = ["full_name", "email", "content_urls", "statement", "signature"]\n'
                'checked = "2026-11-28"\nsource = "bench"\nverified = true\n'
            )
    path = folder / "platforms.toml"
    path.write_text(text, "utf-8")
    return path


async def _run(url: str, cases: int, folder: Path, smtp_url: str) -> dict[str, float]:
    settings = Settings(
        database_url=url,
        report_rate="100000000/minute",
        place_rate="",
        creator_rate="",
        global_rate="",
        fetch_media=False,
        platforms_file=str(platforms_file(folder)),
        smtp_url=smtp_url,
        smtp_from="desk@leakdesk.example",
    )
    app = await build_app(settings)
    try:
        hosts = [f"tube{n}.example" for n in range(PLATFORMS)] + ["x.com"]

        async def report(worker: int) -> None:
            for n in range(worker, cases, 64):
                host = hosts[n % len(hosts)]
                path = f"/i/status/{n}" if host == "x.com" else f"/v/{n}"
                await app.intake.submit(
                    IncomingReport(ReporterRef("bench", str(worker)), [f"https://{host}{path}"])
                )

        await asyncio.gather(*(report(w) for w in range(64)))
        async with app.engine.begin() as conn:
            await conn.execute(update(cases_t).values(status="confirmed"))
        await app.escalations.set_agent(
            AgentOfRecord(
                "default", signer="Ava Example", email="ava@example.org", jurisdiction="US"
            )
        )
        started = time.perf_counter()
        plan, summary = await app.escalation.escalate("default", folder / "packets", send=True)
        packets = time.perf_counter() - started
        assert summary is not None
        mails = sum(1 for r in plan.requests if r.channel.kind == "email")
        sender = app.mail_sender()
        assert sender is not None
        started = time.perf_counter()
        result = await sender.drain(limit=100_000)
        sending = time.perf_counter() - started
        assert result.sent == mails, (result, mails)
        return {
            "cases": plan.cases,
            "recipients": len(plan.urls_per_recipient()),
            "requests": len(plan.requests),
            "packets_s": packets,
            "mails": mails,
            "mail_rate": mails / sending,
        }
    finally:
        await app.close()


RECHECK_HOSTS = 100
PER_HOST_CAP = 4
SLOW_DELAY = 0.5


def _link_kind(n: int) -> str:
    """70 % alive, 20 % 404, 5 % a "removed" page, 5 % slow."""
    slot = n % 20
    return (
        "gone404"
        if slot < 4
        else "removed-page"
        if slot == 4
        else "slow"
        if slot == 5
        else ("alive")
    )


class LinkHostProcess:
    """``tests/link_hosts.py`` in its own process (its CPU is not the recheck's)."""

    def __init__(self, folder: Path) -> None:
        self._port_file = folder / "port"
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def __enter__(self) -> LinkHostProcess:
        root = Path(__file__).resolve().parents[1]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.link_hosts", str(self._port_file), str(SLOW_DELAY)],
            cwd=root,
        )
        for _ in range(200):
            if self._port_file.exists() and self._port_file.read_text():
                self.port = int(self._port_file.read_text())
                return self
            time.sleep(0.05)
        raise RuntimeError("the link host server did not start")

    def __exit__(self, *exc: object) -> None:
        assert self._process is not None
        self._process.terminate()
        self._process.wait(10)

    def stats(self) -> dict[str, object]:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__stats", timeout=10) as r:
            return json.loads(r.read())


async def _loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def _recheck(url: str, links: int, folder: Path, server: LinkHostProcess) -> dict[str, float]:
    settings = Settings(
        database_url=url,
        report_rate="100000000/minute",
        place_rate="",
        creator_rate="",
        global_rate="",
        fetch_media=False,
        platforms_file=str(recheck_platforms_file(folder, host="bench.test")),
        fetch_allow_networks="127.0.0.0/8",
    )
    app: App = await build_app(settings, rate_limited=False, resolver=_loopback)
    try:
        urls = [
            f"http://h{n % RECHECK_HOSTS}.bench.test:{server.port}"
            f"/{_link_kind(n // RECHECK_HOSTS)}/{n}"
            for n in range(links)
        ]
        await escalate_links(app, urls, folder / "packets", bulk_confirm=True)
        before = server.stats()
        started, cpu = time.perf_counter(), time.process_time()
        summary = await app.recheck.run()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        stats = server.stats()
        peaks: dict[str, int] = stats["peak"]  # type: ignore[assignment]
        worst = max(v for k, v in peaks.items() if k.endswith(".bench.test"))
        assert worst <= PER_HOST_CAP, f"{worst} requests at once to one host"
        expected_removed = sum(
            _link_kind(n // RECHECK_HOSTS) in ("gone404", "removed-page") for n in range(links)
        )
        assert summary.checked == links and summary.errors == 0, summary
        assert summary.removed == expected_removed, summary
        return {
            "links": links,
            "seconds": elapsed,
            "removed": summary.removed,
            "alive": summary.alive,
            "marked": summary.marked_removed,
            "requests": int(stats["requests"]) - int(before["requests"]),  # type: ignore[call-overload]
            "cpu": cpu,
            "server_cpu": float(stats["cpu"]) - float(before["cpu"]),  # type: ignore[arg-type]
            "worst": worst,
            "probe_s": summary.probe_seconds,
            "record_s": summary.record_seconds,
        }
    finally:
        await app.close()


def _print_recheck(name: str, f: dict[str, float]) -> None:
    print(
        f"{name:<11} recheck of {f['links']:,.0f} links on {RECHECK_HOSTS} loopback hosts: "
        f"{f['seconds']:.2f} s (probing {f['probe_s']:.2f} s, recording {f['record_s']:.2f} s; "
        f"{f['links'] / f['seconds']:,.0f} links/s, "
        f"{f['requests']:,.0f} requests) | {f['removed']:,.0f} removed, {f['alive']:,.0f} alive, "
        f"{f['marked']:,.0f} requests marked removed | CPU: recheck {f['cpu']:.1f} s, "
        f"web server {f['server_cpu']:.1f} s | at most {f['worst']:.0f} requests at once "
        f"to one host (cap {PER_HOST_CAP})"
    )


def _print(name: str, f: dict[str, float]) -> None:
    print(
        f"{name:<11} packets for {f['cases']:,.0f} cases across {f['recipients']:.0f} recipients "
        f"({f['requests']:,.0f} requests): {f['packets_s']:.2f} s | "
        f"SMTP to loopback: {f['mails']:,.0f} mails at {f['mail_rate']:,.0f} mails/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--only", choices=("packets", "recheck"))
    args = parser.parse_args()
    print(describe_machine())
    if args.only != "recheck":
        await _packets(args)
    if args.only != "packets":
        with tempfile.TemporaryDirectory() as tmp, LinkHostProcess(Path(tmp)) as hosts:
            folder = Path(tmp)
            _print_recheck(
                "SQLite",
                await _recheck(f"sqlite+aiosqlite:///{folder}/r.db", args.links, folder, hosts),
            )
            if not args.no_postgres:
                with tempfile.TemporaryDirectory() as pg_tmp:
                    async with fresh_postgres_database() as url:
                        _print_recheck(
                            "PostgreSQL", await _recheck(url, args.links, Path(pg_tmp), hosts)
                        )


async def _packets(args: argparse.Namespace) -> None:
    with SmtpServer() as server, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _print(
            "SQLite",
            await _run(f"sqlite+aiosqlite:///{folder}/b.db", args.cases, folder, server.url),
        )
        if not args.no_postgres:
            with tempfile.TemporaryDirectory() as pg_tmp:
                async with fresh_postgres_database() as url:
                    _print("PostgreSQL", await _run(url, args.cases, Path(pg_tmp), server.url))


if __name__ == "__main__":
    asyncio.run(main())
