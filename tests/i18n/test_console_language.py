"""`leakdesk chat` speaks the terminal's language (``LANG``), through the real process."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.cli.runner import console_chat
from tests.hosts import HostServer
from tests.pictures import ORIGINAL

LINK = "https://x.com/leaker/status/1234567890?s=20"


def chat(lines: list[str], tmp_path: Path, lang: str, **env: str) -> str:
    """``leakdesk chat`` in a terminal whose only language setting is ``LANG``."""
    only_lang = {"LANG": lang, "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", **env}
    db = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    return console_chat(lines, db=db, cwd=tmp_path, user="fan1", env=only_lang)


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


async def test_a_french_terminal_with_picture_fetching_on_as_a_user_gets_it(
    tmp_path: Path,
) -> None:
    """The default: pictures behind links are fetched (here from a loopback host only); the
    answer still comes at once, in French, and never shows the link."""
    async with HostServer({"/leak.jpg": ("image/jpeg", ORIGINAL)}) as host:
        link = f"http://127.0.0.1:{host.port}/leak.jpg"
        out = await asyncio.to_thread(
            chat,
            [f"regarde {link}", "oui"],
            tmp_path,
            "fr_FR.UTF-8",
            LEAKDESK_FETCH_MEDIA="true",
            LEAKDESK_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        )
    assert re.search(r"Reçu : lien enregistré sous le dossier LD-[0-9A-Z]{6}", out), out
    assert "Vous prévenir quand ce sera retiré ? (oui/non)" in out
    assert link not in out and str(host.port) not in out
