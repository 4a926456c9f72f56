"""The wording of messages leakdesk sends on its own. Never a link: case codes only."""

from __future__ import annotations

from collections.abc import Callable

OFFER = (
    "Want to hear when it's down? Press the button and I'll message you here once the "
    "reported link is removed (your account is kept only until then)."
)
OFFER_CONSOLE = "Tell you when it's down? (yes/no)"


REMOVED = (
    "Good news: case %(code)s, which you reported, is down — the platform removed it. "
    "Thank you for reporting."
)

#: words the "it's down" notice of a case code in a language (None: English)
RemovedWording = Callable[[str, str | None], str]


def removed_text(code: str, lang: str | None = None) -> str:
    """What a reporter who opted in is told when their case is down (no link), in English
    (``handlers.watch.removed_notice`` words it in the reporter's language)."""
    return REMOVED % {"code": code}


def watching_text(codes: list[str]) -> str:
    """The answer to "tell me when it's down"."""
    if not codes:
        return (
            "I can't follow that report for you (it was anonymous, is not yours, "
            "or its case is already closed)."
        )
    return (
        f"OK: I'll tell you here when {', '.join(codes)} is down. "
        "Your account is kept for this only until then."
    )
