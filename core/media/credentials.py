"""Content Credentials (C2PA) read from picture bytes in memory, with ``c2pa-python``.

Needs the ``provenance`` extra (``pip install 'leakdesk[provenance]'``); without it
nothing is read and ``"c2pa"`` is listed in :func:`not_checked`.  The manifest store is
only parsed when the bytes carry one (a JUMBF ``c2pa`` label), so ordinary pictures cost
one byte search.

What is kept (:class:`~core.model.ProvenanceSignal`, kind ``c2pa`` and
``c2pa_source_type``): the claim generator, the signer, each assertion's
``digitalSourceType``, and the validation state.  A signature from a signer outside the
trust list is shown as "untrusted signer", a broken one as "manifest invalid": neither is
ever presented as proof (``validated`` is True only for a trusted, valid manifest).
"""

from __future__ import annotations

import io
import json
import logging
from functools import cache
from typing import Any

from core.media.sniff import MediaKind
from core.model import Confidence, ProvenanceSignal

log = logging.getLogger(__name__)

_MIME = {
    MediaKind.JPEG: "image/jpeg",
    MediaKind.PNG: "image/png",
    MediaKind.WEBP: "image/webp",
    MediaKind.TIFF: "image/tiff",
    MediaKind.AVIF: "image/avif",
    MediaKind.GIF: "image/gif",
}
_AI_SOURCE_TYPES = frozenset(
    {
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
    }
)
_NAME_CHARS = 80


@cache
def available() -> bool:
    """Whether ``c2pa-python`` is installed (the ``provenance`` extra)."""
    try:
        import c2pa  # noqa: F401
    except ImportError:
        return False
    return True


def not_checked() -> tuple[str, ...]:
    """Provenance signals this installation cannot read (``"c2pa"``, ``"watermark"``)."""
    from core.media import watermark

    missing = () if available() else ("c2pa",)
    return missing + (() if watermark.available() else ("watermark",))


def read_credentials(data: bytes, kind: MediaKind) -> tuple[ProvenanceSignal, ...]:
    """The C2PA evidence of picture bytes (empty without a manifest or without c2pa)."""
    mime = _MIME.get(kind)
    if mime is None or b"c2pa" not in data or not available():
        return ()
    import c2pa

    try:
        reader = c2pa.Reader(mime, io.BytesIO(data))
        try:
            state = reader.get_validation_state() or "Invalid"
            manifest = reader.get_active_manifest() or {}
        finally:
            reader.close()
    except Exception as err:  # a broken or hostile manifest store: say so, never crash
        log.info("content credentials could not be read: %s", type(err).__name__)
        return (ProvenanceSignal("c2pa", "Content Credentials present but unreadable", "weak"),)
    return _signals(state, manifest)


def _signals(state: str, manifest: dict[str, Any]) -> tuple[ProvenanceSignal, ...]:
    trusted = state == "Trusted"
    invalid = state not in ("Trusted", "Valid")
    standing = (
        "trusted signer" if trusted else "manifest invalid" if invalid else "untrusted signer"
    )
    signature = manifest.get("signature_info") or {}
    signer = _short(signature.get("common_name") or signature.get("issuer") or "unknown signer")
    issuer = _short(signature.get("issuer") or "")
    generator = _short(_generator(manifest))
    by = f"{signer} ({issuer})" if issuer and issuer != signer else signer
    found = [
        ProvenanceSignal(
            "c2pa",
            f"Content Credentials from {generator}, signed by {by}: {standing}",
            "weak",
            trusted,
        )
    ]
    for source_type in dict.fromkeys(_source_types(manifest)):
        ai = source_type in _AI_SOURCE_TYPES
        confidence: Confidence = "strong" if ai and not invalid else "weak"
        found.append(
            ProvenanceSignal("c2pa_source_type", f"{source_type} ({standing})", confidence, trusted)
        )
    return tuple(found)


def _generator(manifest: dict[str, Any]) -> str:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        name, version = info[0].get("name"), info[0].get("version")
        if name:
            return f"{name} {version}" if version else str(name)
    return str(manifest.get("claim_generator") or "an unnamed generator")


def _source_types(manifest: dict[str, Any]) -> list[str]:
    """The ``digitalSourceType`` of every action of every actions assertion, short names."""
    found = []
    for assertion in manifest.get("assertions") or []:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            value = action.get("digitalSourceType") if isinstance(action, dict) else None
            if isinstance(value, str) and value:
                found.append(_short(value.rstrip("/").rsplit("/", 1)[-1]))
    return found


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    return text.encode("ascii", "backslashreplace").decode("ascii")[:_NAME_CHARS]


__all__ = ["available", "not_checked", "read_credentials"]
