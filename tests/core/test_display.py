"""What moderators see of untrusted text: canonical links, invisible characters made visible."""

from __future__ import annotations

from core.model import LinkView
from handlers.display import one_line, shown_link, visible


def test_bidi_and_zero_width_characters_are_drawn_as_code_points() -> None:
    assert visible("abc\u202egpj.exe") == "abc<U+202E>gpj.exe"
    assert visible("a\u200bb\u200cc\u200dd\u2060e\ufefff\u2066g") == (
        "a<U+200B>b<U+200C>c<U+200D>d<U+2060>e<U+FEFF>f<U+2066>g"
    )
    assert visible("plain ascii, é and 日本") == "plain ascii, é and 日本"


def test_a_link_is_shown_in_its_canonical_form() -> None:
    given = "HTTPS://WWW.X.com/leaker/status/1?s=20"
    link = LinkView(given, "https://x.com/i/status/1", "x.com", "x")
    assert shown_link(link) == "https://x.com/i/status/1"
    old = LinkView("https://e.com/\u202ex", "", "e.com", None)  # no canonical form stored
    assert shown_link(old) == "https://e.com/<U+202E>x"


def test_a_note_stays_one_visible_line() -> None:
    assert one_line("line one\nline two\u2028\u202eevil", 100) == "line one line two <U+202E>evil"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"
