"""`leakdesk --help` and `leakdesk url` start without the database, chat or image libraries."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "discord", "telegram", "numpy", "scipy", "PIL", "aiosqlite", "asyncpg")

PROBE = """
import json, sys
args, heavy_names = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
sys.argv = ["leakdesk", *args]
from bots.cli import app
try:
    app()
except SystemExit as done:
    code = done.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & heavy_names)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def loaded_by(args: list[str], cwd: Path) -> dict[str, object]:
    """Run the CLI in a fresh interpreter and report the heavy modules it imported."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["report", "--help"],
        ["cases", "--help"],
        ["url", "https://x.com/a/status/1234567890", "--json"],
        ["url", "javascript:alert(1)"],
    ],
)
def test_help_and_url_load_no_heavy_library(tmp_path: Path, args: list[str]) -> None:
    probe = loaded_by(args, tmp_path)
    assert probe["heavy"] == []
    assert probe["code"] in (0, 2)


def test_the_probe_sees_heavy_libraries_when_a_command_needs_them(tmp_path: Path) -> None:
    probe = loaded_by(["db", "upgrade"], tmp_path)  # default URL: ./leakdesk.db in cwd
    assert "sqlalchemy" in probe["heavy"] and probe["code"] == 0
    assert (tmp_path / "leakdesk.db").exists()


def test_moderator_commands_leave_lookup_libraries_unloaded(tmp_path: Path) -> None:
    """RDAP's library (and the requests stack under it) loads at the first lookup only."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(["cases"]), json.dumps(["whoisit", "requests"])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    probe = json.loads(result.stderr.strip().splitlines()[-1])
    assert probe == {"code": 0, "heavy": []}


def test_help_shows_plain_types_without_tags(tmp_path: Path) -> None:
    for command in (["--help"], ["report", "--help"], ["import", "--help"], ["cases", "--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "bots.cli", *command],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert result.returncode == 0
        assert re.search(r"<[a-z]+(\[\w+\])?>", result.stdout, re.IGNORECASE) is None
    report_help = subprocess.run(
        [sys.executable, "-m", "bots.cli", "report", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    ).stdout
    assert "--creator TEXT" in report_help and "--file PATH" in report_help
