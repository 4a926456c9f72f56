"""Untrusted text as moderators see it: links in canonical form, invisible characters shown.

The one place a reported link (or a note, a reason) becomes text for a moderator's screen.
Adapters add only their own escaping on top (Discord: a code span, so no markdown, spoiler,
masked link or mention is live; Telegram and the console: plain text, no parse mode).

- :func:`visible` replaces every control, format and other invisible character — bidi
  overrides and isolates (U+202A–202E, U+2066–2069), zero-width spaces and joiners (U+200B–
  U+200D, U+2060, U+FEFF), line and paragraph separators — with ``<U+XXXX>``, so a link cannot
  read backwards (``…/gpj.exe`` for ``exe.jpg``) or hide a difference between two links.
- :func:`shown_link` is a link's canonical form (the one its dedupe key is made from),
  percent-escaped by canonicalization, then made visible.
"""

from __future__ import annotations

import unicodedata

from core.model import LinkView

#: general categories drawn as ``<U+XXXX>``: controls, format (bidi, zero-width), private
#: use, surrogates, unassigned, line and paragraph separators
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def codepoint(ch: str) -> str:
    """``<U+202E>`` for one character."""
    return f"<U+{ord(ch):04X}>"


def visible(text: str) -> str:
    """``text`` with every invisible or direction-changing character written as ``<U+XXXX>``."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        codepoint(ch) if unicodedata.category(ch) in _INVISIBLE else ch for ch in text
    )


def shown_link(link: LinkView | str) -> str:
    """How a reported link is shown to moderators: canonical form, nothing invisible.

    A bare string (an old record without its canonical form) is made visible as it is.
    """
    if isinstance(link, str):
        return visible(link)
    return visible(link.canonical or link.url)


def one_line(text: str, limit: int) -> str:
    """Untrusted free text as one visible line of at most ``limit`` characters.

    Line breaks and other whitespace runs become one space (a note cannot fake extra lines);
    invisible characters are shown as ``<U+XXXX>``; a longer text is cut with "…".
    """
    folded = " ".join(visible(" ".join(text.split())).split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"
