"""Run the ``leakdesk`` command as a real process, the way an operator does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def leakdesk(
    *args: str,
    db: str,
    cwd: Path,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m bots.cli ARGS`` with the database ``db``, picture fetching and RDAP off."""
    environment = {
        **os.environ,
        "LEAKDESK_DATABASE_URL": db,
        "LEAKDESK_FETCH_MEDIA": "false",
        "LEAKDESK_RDAP_LOOKUPS": "false",  # never the internet; tests of RDAP turn it on
        **(env or {}),
    }
    environment.pop("LEAKDESK_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        input=stdin,
        timeout=120,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``leakdesk: …`` line a failed command printed (asserts there is exactly one)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("leakdesk: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def console_chat(
    lines: list[str], *, db: str, cwd: Path, user: str, env: dict[str, str] | None = None
) -> str:
    """``leakdesk chat`` as ``user`` (``USER``/``LOGNAME``) typing ``lines``; its output.

    Asserts the console exited cleanly and printed no traceback.
    """
    result = leakdesk(
        "chat",
        db=db,
        cwd=cwd,
        stdin="\n".join(lines) + "\n",
        env={"USER": user, "LOGNAME": user, **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout
