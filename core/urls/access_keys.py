"""Access keys that live in a link but not in its dedupe key (MEGA's decryption key).

Leakers post a MEGA link and its key separately, so the link is deduped by its file or
folder handle alone (see ``platforms.toml``); yet the host's removal form needs the
full link, key included.  When a link was first stored without its key and a later
report of the same file gives it, the stored link takes the keyed form; a link stored
with a key keeps it (another key reported later is the same case and changes nothing).
"""

from __future__ import annotations

from core.urls.canonical import CanonicalLink

#: platforms whose links carry a decryption key in the fragment
KEYED_PLATFORMS = frozenset({"mega"})


def access_key(url: str) -> str | None:
    """The MEGA key in ``url`` (``/file/H#KEY``, ``/folder/F#KEY/file/S``, ``#!H!KEY``,
    ``#F!F!KEY``), or None when the link has none."""
    fragment = url.partition("#")[2]
    if not fragment:
        return None
    if fragment.startswith(("!", "F!")):  # the legacy forms: #!handle!key, #F!handle!key
        parts = fragment.split("!")
        return parts[2] or None if len(parts) >= 3 else None
    return fragment.split("/", 1)[0] or None


def keyed_original(link: CanonicalLink | None) -> str | None:
    """``link`` as given, if it is a link whose access key lives outside its dedupe key
    and the reporter gave that key; else None."""
    if link is None or link.platform not in KEYED_PLATFORMS:
        return None
    return link.original if access_key(link.original) else None


def upgraded_url(stored: str, given: str) -> str | None:
    """The URL to store instead of ``stored`` when ``given`` (the same item) adds the key
    ``stored`` lacks; None when ``stored`` stays (it has a key already, or ``given`` none)."""
    if access_key(stored) is None and access_key(given) is not None:
        return given
    return None


__all__ = ["KEYED_PLATFORMS", "access_key", "keyed_original", "upgraded_url"]
