"""Hostile chat messages get a clear outcome through the handlers, on a real database.

500 links in one message, 4,096 zero-width joiners, right-to-left overrides inside links.
"""

from __future__ import annotations

from bots.bootstrap import App
from core.model import Actor, CaseStatus, ReporterRef
from handlers import HelpText, IncomingMessage, Problem, ReportReceived
from handlers.render import case_line

FAN = Actor(ReporterRef("console", "hostile-fan"), creator="default")
MOD = Actor(ReporterRef("console", "mod"), is_moderator=True, creator="default")


async def test_five_hundred_links_are_refused_with_the_maximum_per_message(app: App) -> None:
    text = " ".join(f"https://example.com/leak/{n}" for n in range(500))

    reply = await app.handlers.dispatch(IncomingMessage(FAN, text))

    assert isinstance(reply, Problem) and reply.kind == "invalid" and reply.retry_after is None
    assert "at most 50 links or pictures per message" in reply.text
    assert "several messages of up to 50" in reply.text and "try again" not in reply.text
    assert await app.cases.count_cases() == {}
    fifty = " ".join(f"https://example.com/leak/{n}" for n in range(50))
    accepted = await app.handlers.dispatch(IncomingMessage(FAN, fifty))
    assert isinstance(accepted, ReportReceived) and len(accepted.outcomes) == 50


async def test_a_flood_of_zero_width_joiners_is_no_report(app: App) -> None:
    reply = await app.handlers.dispatch(IncomingMessage(FAN, "\u200d" * 4096))

    assert isinstance(reply, HelpText)
    assert await app.cases.count_cases() == {}


async def test_right_to_left_overrides_in_links_are_recorded_inert_or_refused(app: App) -> None:
    text = "https://example.com/clip\u202egpj.exe and https://ex\u202eample.com/v"

    reply = await app.handlers.dispatch(IncomingMessage(FAN, text))

    assert isinstance(reply, ReportReceived)
    [outcome] = reply.outcomes
    [refused] = reply.rejected
    assert refused.item == "https://ex\u202eample.com/v" and refused.reason == "malformed link"
    listing = await app.moderation.queue(MOD, (CaseStatus.OPEN,))
    [line] = [case_line(case) for case in listing if case.code == outcome.case_code]
    assert "https://example.com/clip%E2%80%AEgpj.exe" in line and "\u202e" not in line
