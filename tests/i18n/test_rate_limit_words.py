"""A full shared rate window is told with its true wait, in seconds or minutes, in any language."""

from __future__ import annotations

from core.errors import RateLimited
from handlers.handlers import scoped_problem
from handlers.render import render_text


def test_a_short_wait_is_in_seconds_and_a_long_one_in_minutes() -> None:
    short = scoped_problem(RateLimited("full", 59.2, "place"))
    long = scoped_problem(RateLimited("full", 30 * 60 - 1, "global"))
    assert short.scope == "place" and short.retry_after == 59.2
    assert render_text(short).endswith("try again in 60 s.")
    assert render_text(long).endswith("try again in 30 min.")
    assert "30 min" in render_text(long, "es") and "30 分" in render_text(long, "ja")


def test_a_reporter_refusal_keeps_the_cores_own_words() -> None:
    mine = scoped_problem(RateLimited("too many reports, slow down", 12.0, "reporter"))
    assert mine.text == "too many reports, slow down" and mine.kind == "rate_limited"
