"""Link extraction: same answers as the old backtracking pattern, and hostile messages.

The old pattern (kept here as the oracle) was quadratic on runs like ``a-a-a-…`` or
``https://x/))))…``; the new scanner must find exactly the same links on any text.  Its cost
is measured by ``python -m bench.hostile_text``.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.urls import extract_links

_OLD_LINK = re.compile(
    r"""(?:https?://|www\.)[^\s<>"'`]+|(?<![@\w.])(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>"'`]*""",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}>'\""


def old_extract_links(text: str) -> list[str]:
    """The extraction as it was before (quadratic on hostile runs), as the oracle."""
    seen: dict[str, None] = {}
    for match in _OLD_LINK.finditer(text):
        link = match.group(0)
        while link and link[-1] in _TRAILING:
            if link[-1] == ")" and link.count("(") >= link.count(")"):
                break
            link = link[:-1]
        if link:
            seen.setdefault(link, None)
    return list(seen)


PIECES = st.sampled_from(
    [
        "https://", "http://", "HTTP://", "www.", "WWW.", "example", "com", "org", ".", "..",
        "-", "/", "a", "b", "Z", "9", "_", "@", "é", "\u212a", " ", "\n", "(", ")", "]", ",",
        "!", "?", "'", '"', "<", ">", "`", "#", "=", "\u200d", "\u202e",
    ]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
@example("look (https://x.com/a/status/1) and www.example.com/v?id=2, also example.org/p.")
@example(".-a.com/x a..-b.com/y x-.com/ me@example.org/p a_b.org/q")
@example("https://example.com/((a))))) www.a.b/)")
def test_same_links_as_the_old_pattern(text: str) -> None:
    assert extract_links(text) == old_extract_links(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_same_links_on_any_text(text: str) -> None:
    assert extract_links(text) == old_extract_links(text)


def test_hostile_runs_give_their_links() -> None:
    assert extract_links("a-" * 2000) == []
    assert extract_links("a-" * 1998 + "b.com/") == ["a-" * 1998 + "b.com/"]
    assert extract_links("https://example.com/" + ")" * 4000) == ["https://example.com/"]
    assert extract_links("\u200d" * 4096) == []


def test_five_hundred_links_are_all_found_in_order() -> None:
    text = " ".join(f"https://example.com/leak/{n}" for n in range(500))
    assert extract_links(text) == [f"https://example.com/leak/{n}" for n in range(500)]


def test_a_right_to_left_override_stays_inside_the_link() -> None:
    assert extract_links("see https://ex.com/a\u202egpj.exe now") == ["https://ex.com/a\u202egpj.exe"]
