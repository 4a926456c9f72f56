"""Escalation benchmark: packets for 10,000 confirmed cases across 50 recipients, and SMTP.

Usage: python bench/escalation.py [--cases 10000] [--no-postgres]

An operator platforms file adds 49 platforms (tube0..tube48.example) to the built-in ones,
each with one channel: five email channels that take one URL per mail, twenty that take
any number, and twenty-four forms that take one URL per request; X and Google Search
come from the built-in registry. The cases are reported through intake, confirmed, and
escalated with ``leakdesk escalate``'s service; the benchmark prints the time to plan and
write every packet (target: <= 2 s), then the time to send the email notices through the
outbox to an SMTP server on loopback (aiosmtpd).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update

from bench.machine import describe_machine
from bots.bootstrap import build_app
from core.escalation.agent import AgentOfRecord
from core.model import IncomingReport, ReporterRef
from core.settings import Settings
from db.tables import cases_t
from tests.conftest import fresh_postgres_database
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


def _print(name: str, f: dict[str, float]) -> None:
    print(
        f"{name:<11} packets for {f['cases']:,.0f} cases across {f['recipients']:.0f} recipients "
        f"({f['requests']:,.0f} requests): {f['packets_s']:.2f} s | "
        f"SMTP to loopback: {f['mails']:,.0f} mails at {f['mail_rate']:,.0f} mails/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(describe_machine())
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
