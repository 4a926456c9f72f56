"""The console asks yes/no after a report and prints the removal notice once, to that user."""

from __future__ import annotations

import io
from pathlib import Path

from bots.bootstrap import App
from bots.console import ConsoleChat
from core.model import ReporterRef
from core.notify.texts import OFFER_CONSOLE
from tests.notify.test_removal_notices import escalate_and_remove

LINK = "https://x.com/leaker/status/42"


def console(app: App, user: str) -> tuple[ConsoleChat, io.StringIO]:
    out = io.StringIO()
    return ConsoleChat(app, user=user, read_line=lambda: "", out=out), out


async def test_yes_then_one_notice_without_the_link(app: App, tmp_path: Path) -> None:
    fan, out = console(app, "fan1")
    other, other_out = console(app, "fan2")
    await fan.handle(f"look at this {LINK}")
    assert OFFER_CONSOLE in out.getvalue()
    await fan.handle("yes")
    [code] = await app.watches.open_watches(ReporterRef("console", "fan1"))
    assert f"I'll tell you here when {code} is down" in out.getvalue()

    await escalate_and_remove(app, code, tmp_path)
    await other.handle("")
    assert "[notice]" not in other_out.getvalue()  # not theirs
    await fan.handle("")
    await fan.handle("")
    notices = [line for line in out.getvalue().splitlines() if line.startswith("[notice]")]
    assert len(notices) == 1 and code in notices[0]
    assert "x.com" not in notices[0]


async def test_no_or_another_line_keeps_nothing(app: App) -> None:
    fan, out = console(app, "fan1")
    await fan.handle(f"look at this {LINK}")
    await fan.handle("no")
    assert "won't follow" in out.getvalue()
    await fan.handle("https://x.com/other/status/9")
    await fan.handle("/privacy")  # not an answer: the question lapses
    await fan.handle("yes")  # no question pending: an ordinary line
    assert await app.watches.open_watches(ReporterRef("console", "fan1")) == []


def console_in(app: App, user: str, lang: str) -> tuple[ConsoleChat, io.StringIO]:
    out = io.StringIO()
    return ConsoleChat(app, user=user, read_line=lambda: "", out=out, lang=lang), out


async def test_spanish_console_asks_accepts_si_and_tells_in_spanish(
    app: App, tmp_path: Path
) -> None:
    fan, out = console_in(app, "ana", "es")
    await fan.handle(f"mira esto {LINK}")
    assert "(sí/no)" in out.getvalue() and OFFER_CONSOLE not in out.getvalue()
    await fan.handle("Sí!")
    [code] = await app.watches.open_watches(ReporterRef("console", "ana"))

    await escalate_and_remove(app, code, tmp_path)
    await fan.handle("")
    [notice] = [line for line in out.getvalue().splitlines() if line.startswith("[notice]")]
    assert notice == (
        f"[notice] Buenas noticias: el caso {code} que denunciaste ya no está — la plataforma "
        "lo retiró. Gracias por denunciarlo."
    )


async def test_answers_in_other_languages_and_in_english(app: App) -> None:
    said = {}
    for user, lang, answer in (
        ("si", "es", "si"),
        ("sim", "pt_BR", "sim"),
        ("ja", "de", "Ja"),
        ("oui", "fr", "oui."),
        ("hai", "ja", "はい"),
        ("yes", "fr", "yes"),
        ("non", "fr", "non"),
        ("nein", "de", "nein"),
    ):
        fan, out = console_in(app, user, lang)
        await fan.handle(f"https://x.com/{user}/status/1")
        await fan.handle(answer)
        said[user] = await app.watches.open_watches(ReporterRef("console", user)) != []
        if answer in ("non", "nein"):
            assert out.getvalue().splitlines()[-1] in (
                "D'accord, je ne le suivrai pas.",
                "OK, ich verfolge es nicht.",
            )
    assert said == {
        "si": True, "sim": True, "ja": True, "oui": True, "hai": True, "yes": True,
        "non": False, "nein": False,
    }  # fmt: skip
    fan, _ = console_in(app, "other", "de")
    await fan.handle("https://x.com/other/status/1")
    await fan.handle("oui")  # French is not German: an ordinary line, the question lapses
    assert await app.watches.open_watches(ReporterRef("console", "other")) == []
