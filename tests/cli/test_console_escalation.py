"""`leakdesk chat` moderator mode: /agent, /escalate (preview, then a yes/no), /marksent,
/approve — the replies in the creator's language, the console's own prompts in its language."""

from __future__ import annotations

import io
import re

from bots.bootstrap import App
from bots.console import ConsoleChat

LINK = "https://x.com/leaker/status/31337"


def console(app: App, user: str, lang: str) -> tuple[ConsoleChat, io.StringIO]:
    out = io.StringIO()
    return ConsoleChat(app, user=user, read_line=lambda: "", out=out, lang=lang), out


def since(out: io.StringIO, mark: int) -> str:
    return out.getvalue()[mark:]


async def test_a_spanish_console_escalates_for_a_german_creator(app: App) -> None:
    await app.creators.set_language("default", "de")
    fan, fan_out = console(app, "fan", "es")
    await fan.handle(f"mira {LINK}")
    code = re.search(r"(LD-[0-9A-Z]{6})", fan_out.getvalue()).group(1)  # type: ignore[union-attr]
    mod, out = console(app, "mod", "es")
    await mod.handle("/mod")
    await mod.handle(f"/confirm {code}")

    mark = len(out.getvalue())
    await mod.handle("/escalate")
    assert since(out, mark).startswith("Eskalieren noch nicht möglich")
    await mod.handle('/agent signer="Ava Lee" email=ava@example.org jurisdiction=US')
    assert "Gespeichert. Unterzeichner der Meldungen für default:" in out.getvalue()
    assert "• signer: Ava Lee" in out.getvalue()

    mark = len(out.getvalue())
    await mod.handle("/escalate x")
    preview = since(out, mark)
    assert preview.startswith("Das Eskalieren von 1 bestätigten Fall von default auf x würde")
    assert preview.rstrip().endswith("¿Confirmas el escalado? (sí/no)")  # the console's words
    await mod.handle("no")
    assert out.getvalue().rstrip().endswith("No se ha escalado.")
    assert await app.tracker.list("default") == []

    await mod.handle("/escalate x")
    mark = len(out.getvalue())
    await mod.handle("sí")
    done = since(out, mark)
    assert done.startswith("1 Fall von default eskaliert:")
    assert f"Fälle: {code}. In dieser Reihenfolge einfügen:" in done
    key = re.search(r"^/marksent (\S+)$", done, re.MULTILINE).group(1)  # type: ignore[union-attr]
    await mod.handle(f"/marksent {key}")
    assert "Als gesendet markiert: 1 Eskalation an " in out.getvalue()
    [sent] = await app.tracker.list("default")
    assert sent.status == "sent"
    await mod.handle("/approve 0123456789ab")
    assert out.getvalue().rstrip().endswith("⚠ Dieser Versand wartet nicht mehr auf Freigabe.")
    assert LINK not in fan_out.getvalue()  # the fan never sees the link


async def test_escalation_commands_are_for_moderators_only(app: App) -> None:
    fan, out = console(app, "fan", "fr")
    await fan.handle("/escalate")
    await fan.handle("oui")
    assert "Confirmer la transmission" not in out.getvalue()
    assert await app.tracker.list("default") == []
