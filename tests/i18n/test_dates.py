"""Dates and numbers in localised replies are written the locale's way (Babel), not strftime's
English; English texts keep their own writing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.trust import ReporterSuspended
from handlers import render_text
from handlers.handlers import problem_for
from handlers.i18n import Texts

UNTIL = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)


def test_a_suspension_says_until_when_in_the_readers_writing() -> None:
    problem = problem_for(ReporterSuspended(UNTIL))

    assert "until 2026-12-02 14:05 UTC" in problem.text  # the English text, for logs
    assert "until 2026-12-02 14:05 UTC" in render_text(problem)
    assert "hasta el 2 dic 2026 14:05 UTC" in render_text(problem, "es")
    assert "02.12.2026 14:05 UTC" in render_text(problem, "de")
    assert "2026/12/02 14:05 UTC" in render_text(problem, "ja")
    assert "2026-12-02" not in render_text(problem, "fr")


def test_days_moments_and_numbers_per_locale() -> None:
    assert Texts("es").day(date(2026, 1, 2)) == "2 ene 2026"
    assert Texts("pt_BR").moment(datetime(2026, 1, 2, 9, 5)) == "2 de jan. de 2026 09:05"
    assert Texts("de").number(12345) == "12.345"
    assert Texts("fr").number(12345) == "12\u202f345"
    assert Texts("en").moment(datetime(2026, 1, 2, 21, 5, tzinfo=UTC)) == "Jan 2, 2026 9:05\u202fPM"
