"""Case codes: short, human-friendly, not guessable in sequence (``LD-7KQ2MX``)."""

from __future__ import annotations

import secrets

#: Crockford's base32: no I, L, O or U, so codes survive being read aloud or retyped.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
PREFIX = "LD-"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_case_code() -> str:
    """Return a fresh random case code (30 random bits)."""
    bits = secrets.randbits(5 * CODE_LENGTH)
    return PREFIX + "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def normalize_case_code(text: str) -> str | None:
    """Return the canonical code for user input such as ``ld-7kq2mx``, or None if malformed."""
    cleaned = text.strip().upper().replace(" ", "")
    if cleaned.startswith("LD-"):
        cleaned = cleaned[3:]
    elif cleaned.startswith("LD"):
        cleaned = cleaned[2:]
    cleaned = cleaned.replace("-", "").translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return PREFIX + cleaned
