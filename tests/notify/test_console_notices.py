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
