"""``leakdesk web-link``, ``web-sessions revoke``, ``web`` and ``run`` with LEAKDESK_WEB_PORT."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import httpx
import pytest

from tests.cli.runner import leakdesk, one_error_line
from tests.web.server import running


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'web.db'}"


def _creator(tmp_path: Path, db: str, creator: str = "alice") -> None:
    made = leakdesk("report", "https://example.com/a", "--creator", creator, db=db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr


def test_web_link_prints_a_link_on_the_public_base_url(tmp_path: Path, db: str) -> None:
    _creator(tmp_path, db)
    env = {"LEAKDESK_WEB_URL": "https://desk.example.org/"}
    made = leakdesk("web-link", "--moderator", "discord:99", "--creator", "alice",
                    db=db, cwd=tmp_path, env=env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"https://desk\.example\.org/signin\?token=[\w-]{43}\n", made.stdout)
    unknown = leakdesk("web-link", "--moderator", "mia", "--creator", "bob", db=db, cwd=tmp_path)
    assert unknown.returncode == 2 and one_error_line(unknown) == "leakdesk: no creator named 'bob'"


def test_web_sessions_revoke_says_whose(tmp_path: Path, db: str) -> None:
    _creator(tmp_path, db)
    vague = leakdesk("web-sessions", "revoke", db=db, cwd=tmp_path)
    assert vague.returncode == 2 and "--moderator M, or --all" in one_error_line(vague)
    done = leakdesk("web-sessions", "revoke", "--all", db=db, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "revoked 0 session(s)\n"


def test_web_serves_until_terminated_and_links_sign_in(tmp_path: Path, db: str) -> None:
    _creator(tmp_path, db)
    with running("web", db=db, cwd=tmp_path) as (base, process):
        made = leakdesk("web-link", "--moderator", "mia", "--creator", "alice", db=db,
                        cwd=tmp_path, env={"LEAKDESK_WEB_URL": base})  # fmt: skip
        link = made.stdout.strip()
        assert link.startswith(f"{base}/signin?token=")
        with httpx.Client() as client:
            assert client.get(link).status_code == 200
            token = link.split("token=")[1]
            signed = client.post(f"{base}/signin", data={"token": token})
            assert signed.status_code == 303
            queue = client.get(f"{base}/")
            assert queue.status_code == 200 and "cli:mia" in queue.text
            revoked = leakdesk("web-sessions", "revoke", "--moderator", "mia", db=db, cwd=tmp_path)
            assert revoked.stdout == "revoked 1 session(s)\n"
            assert client.get(f"{base}/").status_code == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert "Traceback" not in process.communicate()[1]


def test_run_serves_the_dashboard_when_its_port_is_set(tmp_path: Path, db: str) -> None:
    env = {"LEAKDESK_DISCORD_TOKEN": "", "LEAKDESK_TELEGRAM_TOKEN": ""}
    with running("run", db=db, cwd=tmp_path, env=env) as (base, process):
        health = httpx.get(f"{base}/healthz").json()
        assert health["database"] == "ok" and health["writer"] == "ok"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_a_taken_port_is_one_clear_line(tmp_path: Path, db: str) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = leakdesk("web", "--port", port, db=db, cwd=tmp_path)
    assert result.returncode == 2
    assert f"leakdesk: the dashboard cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_links_default_to_this_process_address(tmp_path: Path, db: str) -> None:
    _creator(tmp_path, db)
    made = leakdesk("web-link", "--moderator", "mia", "--creator", "alice", db=db, cwd=tmp_path,
                    env={"LEAKDESK_WEB_PORT": "9123", "LEAKDESK_WEB_URL": ""})  # fmt: skip
    assert made.stdout.startswith("http://127.0.0.1:9123/signin?token="), made.stderr
