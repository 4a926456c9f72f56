"""`leakdesk chat` speaks the terminal's language (``LANG``), through the real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

LINK = "https://x.com/leaker/status/1234567890?s=20"


def chat(lines: list[str], tmp_path: Path, lang: str) -> str:
    env = {
        **os.environ,
        "LEAKDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
        "LEAKDESK_FETCH_MEDIA": "false",
        "USER": "fan1",
        "LOGNAME": "fan1",
        "LANG": lang,
    }
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
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


def test_a_french_terminal_gets_french_replies_without_the_link(tmp_path: Path) -> None:
    out = chat(
        [f"regarde {LINK}", "non", "/status LD-AAAAAA", "/anon", "/mod"], tmp_path, "fr_FR.UTF-8"
    )

    assert out.startswith("console leakdesk : collez un lien vers une fuite pour le signaler")

    code = re.search(r"Reçu : lien enregistré sous le dossier (LD-[0-9A-Z]{6})", out)
    assert code is not None, out
    assert "Vous prévenir quand ce sera retiré ? (oui/non)" in out
    assert "D'accord, je ne le suivrai pas." in out  # "non" answered the question
    assert "⚠ aucun dossier LD-AAAAAA" in out
    assert "signalements anonymes activés." in out
    assert "mode modération pour 'default'. /queue affiche la file." in out
    assert LINK not in out and "x.com" not in out


def test_an_unknown_terminal_language_is_english(tmp_path: Path) -> None:
    out = chat(["/status LD-AAAAAA"], tmp_path, "C.UTF-8")
    assert out.startswith("leakdesk console: paste a leak link to report it, or type /help.")
    assert "⚠ no case LD-AAAAAA" in out
