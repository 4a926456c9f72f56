"""The wording of messages leakdesk sends on its own. Never a link: case codes only."""

from __future__ import annotations

OFFER = (
    "Want to hear when it's down? Press the button and I'll message you here once the "
    "reported link is removed (your account is kept only until then)."
)
OFFER_CONSOLE = "Tell you when it's down? (yes/no)"


def removed_text(code: str) -> str:
    """What a reporter who opted in is told when their case is down (no link)."""
    return (
        f"Good news: case {code}, which you reported, is down — the platform removed it. "
        "Thank you for reporting."
    )


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
