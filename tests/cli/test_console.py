"""`leakdesk chat`: the console adapter end to end, through the real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

LINK = "https://x.com/leaker/status/1234567890?s=20"


def chat(lines: list[str], tmp_path: Path, user: str) -> str:
    env = {
        **os.environ,
        "LEAKDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
        "LEAKDESK_FETCH_MEDIA": "false",
        "USER": user,
        "LOGNAME": user,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_fan_reports_and_moderator_works_the_queue(tmp_path: Path) -> None:
    fan = chat([f"look at this {LINK}", "http://127.0.0.1/admin", "/privacy"], tmp_path, "fan1")
    code = re.search(r"case (LD-[0-9A-Z]{6})", fan).group(1)  # type: ignore[union-attr]
    assert LINK not in fan and "x.com" not in fan  # a fan's replies never repeat the link
    assert "private address" in fan
    assert "never the pictures" in fan

    other = chat(
        ["/anon", "https://twitter.com/x/status/1234567890", f"/status {code.lower()}"],
        tmp_path,
        "fan2",
    )
    assert f"case {code} (1 other person reported it too)" in other
    assert f"Case {code}: received, waiting for review (2 reporter(s))" in other

    mod = chat(
        [
            "/queue",
            "/mod",
            "/queue",
            f"/claim {code}",
            f"/dismiss {code} not the creator",
            f"/status {code}",
        ],
        tmp_path,
        "mod1",
    )
    before, after = mod.split("moderator mode for creator", 1)
    assert "only the creator's moderators" in before
    assert LINK in after and f"{code} [open] 2 reporter(s)" in after
    assert f"dismissed: {code} [dismissed]" in after and "reason: not the creator" in after
    assert "closed after review" in after
