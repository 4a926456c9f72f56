"""Escalation reaches unknown hosts: their abuse address (RDAP) or their CDN becomes a
recipient; a host without one falls back with a clear line. Service and the real CLI."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

from bots.bootstrap import build_app
from core.escalation.agent import AgentOfRecord
from core.model import Actor, IncomingReport, ReporterRef
from tests.cli.runner import leakdesk, one_error_line
from tests.conftest import make_settings
from tests.escalation.rdap_server import (
    RdapServer,
    ThreadedRdapServer,
    domain_answer,
    hosts_resolver,
    ip_answer,
)

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
HOSTING_IP = "93.184.216.34"
AGENT = AgentOfRecord("default", signer="Ava Example", email="ava@example.org", jurisdiction="US")


def seed(server: RdapServer) -> None:
    server.domains["leaks.example"] = domain_answer(
        "leaks.example", "Example Registrar LLC", "abuse@registrar.example", server.base_url
    )
    server.addresses[HOSTING_IP] = ip_answer(
        "93.184.216.0", "93.184.216.255", "EXAMPLE-HOSTING", "Example Hosting Inc.",
        "abuse@hosting.example", "US",
    )  # fmt: skip


async def test_unknown_hosts_get_packets_for_their_abuse_contact_or_cdn(
    database_url: str, tmp_path: Path
) -> None:
    resolver = hosts_resolver(
        {
            "leaks.example": [HOSTING_IP],
            "media.leaks.example": [HOSTING_IP],
            "proxied.example": ["104.16.12.34"],
        }
    )
    async with RdapServer() as server:
        seed(server)
        settings = make_settings(
            database_url, rdap_lookups=True, rdap_base_url=server.base_url, rdap_timeout=5
        )
        app = await build_app(settings, resolver=resolver)
        try:
            await app.escalations.set_agent(AGENT)
            urls = [
                "https://leaks.example/v/1",
                "https://media.leaks.example/v/2",
                "https://proxied.example/v/3",
                "https://gone.example/v/4",  # does not resolve, not registered
            ]
            for n, url in enumerate(urls):
                result = await app.intake.submit(
                    IncomingReport(ReporterRef("test", f"fan{n}"), [url])
                )
                await app.moderation.act(MODERATOR, "confirm", result.outcomes[0].case_code)
            plan, summary = await app.escalation.escalate("default", tmp_path / "out")
            asked = len(server.queries)
            # planning again (a preview) answers from the cache: RDAP is not asked again
            await app.escalation.plan("default", again=True)
            assert len(server.queries) == asked
        finally:
            await app.close()
    assert summary is not None
    recipients = summary["recipients"]
    assert recipients["abuse-abuse@hosting.example"] == 2  # two hosts, one network: one mail
    assert recipients["cloudflare-abuse"] == 1
    box = mailbox.mbox(str(tmp_path / "out" / "abuse-abuse@hosting.example" / "messages.mbox"))
    (mail,) = list(box)
    assert mail["To"] == "abuse@hosting.example"
    body = mail.get_payload()
    assert "https://leaks.example/v/1" in body and "https://media.leaks.example/v/2" in body
    assert "EXAMPLE-HOSTING (abuse contact)" in body
    form = (tmp_path / "out" / "cloudflare-abuse" / "form.txt").read_text()
    assert "https://proxied.example/v/3" in form
    text = (tmp_path / "out" / "summary.txt").read_text()
    assert "no abuse contact found for host gone.example: gone.example does not resolve" in text
    written = json.loads((tmp_path / "out" / "summary.json").read_text())
    (unrouted,) = written["unrouted"]
    assert unrouted["host"] == "gone.example" and "does not resolve" in unrouted["reason"]
    assert plan.cases == 4  # the unroutable case still goes to Google delisting


def test_leakdesk_escalate_writes_a_packet_for_an_unknown_hosts_abuse_address(
    tmp_path: Path,
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'leakdesk.db'}"
    link = f"http://{HOSTING_IP}/v/leak.mp4"  # an address: no DNS in the subprocess
    with ThreadedRdapServer(RdapServer()) as server:
        seed(server)
        env = {"LEAKDESK_RDAP_LOOKUPS": "true", "LEAKDESK_RDAP_BASE_URL": server.base_url}
        reported = leakdesk("report", link, "--json", db=db, cwd=tmp_path)
        assert reported.returncode == 0, reported.stderr
        code = json.loads(reported.stdout)["case_code"]
        steps = [
            ("cases", "confirm", code, "--moderator", "mia"),
            ("creator", "set", "default", "--signer", "Ava Example", "--email",
             "ava@example.org", "--jurisdiction", "US"),
        ]  # fmt: skip
        for step in steps:
            done = leakdesk(*step, db=db, cwd=tmp_path)
            assert done.returncode == 0, done.stderr
        out = tmp_path / "packets"
        result = leakdesk(
            "escalate", "--creator", "default", "--out", str(out), "--json",
            db=db, cwd=tmp_path, env=env,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert server.queries == [f"/ip/{HOSTING_IP}"]
        # RDAP gone: the cached contact still routes the case (--again resends)
        server.failing = True
        again = leakdesk(
            "escalate", "--creator", "default", "--out", str(tmp_path / "again"), "--again",
            db=db, cwd=tmp_path, env=env,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert server.queries == [f"/ip/{HOSTING_IP}"]
    summary = json.loads(result.stdout)
    assert summary["recipients"] == {"abuse-abuse@hosting.example": 1, "google-ncii": 1}
    assert summary["unrouted"] == []
    (mail,) = list(mailbox.mbox(str(out / "abuse-abuse@hosting.example" / "messages.mbox")))
    assert mail["To"] == "abuse@hosting.example" and link in mail.get_payload()
    assert "abuse-abuse@hosting.example: 1 URL(s)" in again.stdout


def test_leakdesk_escalate_with_rdap_unreachable_falls_back_with_a_clear_line(
    tmp_path: Path,
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'leakdesk.db'}"
    link = f"http://{HOSTING_IP}/v/leak.mp4"
    env = {"LEAKDESK_RDAP_LOOKUPS": "true", "LEAKDESK_RDAP_BASE_URL": "http://127.0.0.1:9/"}
    code = json.loads(leakdesk("report", link, "--json", db=db, cwd=tmp_path).stdout)["case_code"]
    leakdesk("cases", "confirm", code, "--moderator", "mia", db=db, cwd=tmp_path)
    nobody = leakdesk(
        "escalate", "--creator", "default", "--out", str(tmp_path / "out"), db=db, cwd=tmp_path
    )
    assert one_error_line(nobody) == (
        "leakdesk: missing: agent of record; "
        "set it with: leakdesk creator set default --signer … --email …"
    )
    leakdesk(
        "creator", "set", "default", "--signer", "Ava", "--email", "ava@example.org",
        db=db, cwd=tmp_path,
    )  # fmt: skip
    # Google's form needs the signer's jurisdiction: the error names the command that sets it
    lacking = leakdesk(
        "escalate", "--creator", "default", "--out", str(tmp_path / "out"),
        db=db, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert lacking.returncode == 2 and "Traceback" not in lacking.stderr
    error = one_error_line(lacking)
    assert "jurisdiction (google_ncii)" in error
    assert error.endswith("; set with: leakdesk creator set default --jurisdiction …")
    assert not (tmp_path / "out").exists()
    done = leakdesk("creator", "set", "default", "--jurisdiction", "US", db=db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = leakdesk(
        "escalate", "--creator", "default", "--out", str(tmp_path / "out"),
        db=db, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert f"no abuse contact found for host {HOSTING_IP}: 127.0.0.1 unreachable" in result.stdout
    assert "google-ncii: 1 URL(s)" in result.stdout
