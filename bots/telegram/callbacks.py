"""Inline buttons on moderator posts: short, namespaced ``callback_data`` (``ld:<a>:<code>``)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.codes import normalize_case_code
from core.model import CaseStatus, CaseView
from handlers.i18n import SOURCE
from handlers.moderator_buttons import case_label, offers_synthetic

NAMESPACE = "ld"
#: Telegram's limit for ``callback_data``.
MAX_CALLBACK_BYTES = 64
#: one letter per action keeps the data short; the case code identifies the case.
ACTIONS = {
    "c": "claim",
    "f": "confirm",
    "d": "dismiss",
    "e": "escalate",
    "r": "reopen",
    "y": "synthetic_yes",
    "n": "synthetic_no",
}
_LETTERS = {action: letter for letter, action in ACTIONS.items()}
#: the "AI-generated?" decision, a row of its own when the case has provenance evidence
_SYNTHETIC_ROW = ("synthetic_yes", "synthetic_no")
#: the buttons offered in each state (none once a case is merged or closed for good)
_BUTTONS: dict[CaseStatus, tuple[tuple[str, ...], ...]] = {
    CaseStatus.OPEN: (("claim", "confirm"), ("dismiss", "escalate")),
    CaseStatus.CLAIMED: (("confirm",), ("dismiss", "escalate")),
    CaseStatus.CONFIRMED: (("escalate",), ("dismiss",)),
    CaseStatus.DISMISSED: (("reopen",),),
}


@dataclass(frozen=True)
class CaseButton:
    """A pressed button: which action on which case."""

    action: str
    code: str


def encode(action: str, code: str) -> str:
    """``callback_data`` for ``action`` on case ``code``; at most 64 bytes."""
    data = f"{NAMESPACE}:{_LETTERS[action]}:{code}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> CaseButton | None:
    """The button behind ``data``, or None when it is not one of ours (or malformed)."""
    parts = (data or "").split(":", 2)
    if len(parts) != 3 or parts[0] != NAMESPACE or parts[1] not in ACTIONS:
        return None
    code = normalize_case_code(parts[2])
    return CaseButton(ACTIONS[parts[1]], code) if code else None


def case_keyboard(case: CaseView, lang: str = SOURCE) -> InlineKeyboardMarkup | None:
    """The buttons for ``case`` in its current state, labelled in ``lang`` (the creator's
    language); "AI-generated: yes / no" too when the case has provenance evidence."""
    rows = list(_BUTTONS.get(case.status, ()))
    if offers_synthetic(case):
        rows.append(_SYNTHETIC_ROW)
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(case_label(a, lang), callback_data=encode(a, case.code))
                for a in row
            ]
            for row in rows
        ]
    )


__all__ = ["ACTIONS", "MAX_CALLBACK_BYTES", "CaseButton", "case_keyboard", "decode", "encode"]
