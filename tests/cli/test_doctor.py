"""``leakdesk doctor``: what it finds, in plain words, and its exit code."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bots.bootstrap import App
from bots.doctor import run_checks
from db.venues import VenueConfig
from tests.cli.runner import leakdesk
from tests.conftest import make_settings
from tests.escalation.smtp_server import SmtpServer, free_port

DISCORD = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
TELEGRAM = "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def _levels(findings: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {f.name: f.level for f in findings}


async def _bound(app: App, creator: str, approved: bool) -> None:
    await app.venues.bind(
        VenueConfig("discord", f"guild-{creator}", creator, mod_channel_id="55", is_mod_venue=True)
    )
    await app.venues.set_approved("discord", f"guild-{creator}", approved)


async def test_a_healthy_setup_passes(app: App, database_url: str) -> None:
    await _bound(app, "alice", approved=True)
    with SmtpServer() as server:
        settings = make_settings(
            database_url, discord_token=DISCORD, telegram_token=TELEGRAM,
            smtp_url=server.url, smtp_from="desk@example.org",
        )  # fmt: skip
        findings = await run_checks(settings, online=False)  # tests/cli/test_doctor_channels.py
    assert {f.level for f in findings} == {"ok"}, findings
    levels = _levels(findings)
    assert levels["Discord token"] == levels["Telegram token"] == "ok"
    assert "schema at head" in next(f.text for f in findings if f.name == "Database")
    assert "discord 55" in next(f.text for f in findings if f.name == "Moderators of alice")


async def test_each_problem_is_named_with_its_fix(app: App, database_url: str) -> None:
    await _bound(app, "alice", approved=False)
    await _bound(app, "bob", approved=True)
    async with app.engine.begin() as conn:  # a schema one migration behind
        await conn.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    closed = free_port()
    settings = make_settings(
        database_url, discord_token="not-a-token", smtp_url=f"smtp://127.0.0.1:{closed}",
    )  # fmt: skip
    findings = {f.name: f for f in await run_checks(settings, online=False)}
    assert findings["Discord token"].level == "fail"
    assert "Telegram token" not in findings  # not set, not checked
    assert findings["Database"].level == "fail" and "not at" in findings["Database"].text
    assert findings["Database"].fix == "run: leakdesk db upgrade"
    assert findings["SMTP"].level == "fail" and f"127.0.0.1:{closed}" in findings["SMTP"].text
    assert findings["Moderators of alice"].level == "fail"
    assert "venues approve" in findings["Moderators of alice"].fix
    assert findings["Moderators of bob"].level == "ok"


async def test_links_under_older_link_rules_point_at_rekey(app: App, database_url: str) -> None:
    from core.model import IncomingReport, ReporterRef

    await app.intake.submit(
        IncomingReport(ReporterRef("cli", "mod"), ["https://x.com/a/status/1"], creator="alice")
    )
    ok = {f.name: f for f in await run_checks(make_settings(database_url), online=False)}
    assert ok["Links"].level == "ok"
    async with app.engine.begin() as conn:  # stored before the rules last changed
        await conn.execute(text("UPDATE links SET key_version = 1"))
    findings = {f.name: f for f in await run_checks(make_settings(database_url), online=False)}
    assert findings["Links"].level == "warn" and "1 link(s)" in findings["Links"].text
    assert findings["Links"].fix.startswith("run: leakdesk db rekey-links")


def test_the_command_exits_2_without_creating_a_database(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}"
    result = leakdesk("doctor", db=db, cwd=tmp_path, env={"LEAKDESK_TELEGRAM_TOKEN": "12:short"})
    assert result.returncode == 2, result.stderr
    assert "FIX  Telegram token: does not look like a bot token" in result.stdout
    assert "no database file at" in result.stdout and "leakdesk db upgrade" in result.stdout
    assert "12:short" not in result.stdout  # a token is never printed
    assert not (tmp_path / "missing.db").exists()
    assert "Traceback" not in result.stderr


def test_the_command_exits_0_when_all_is_well(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'ok.db'}"
    assert leakdesk("db", "upgrade", db=db, cwd=tmp_path).returncode == 0
    result = leakdesk("doctor", db=db, cwd=tmp_path, env={"LEAKDESK_DISCORD_TOKEN": DISCORD})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warn Moderator channels: no creator yet" in result.stdout
    assert result.stdout.strip().endswith("All good.")
