"""What a removal notice says about a case's evidence, in plain words.

Two kinds of evidence reach a notice (never a hash, never a prompt, never a picture):

* the case's picture matches one of the creator's protected originals
  (``leakdesk protect``): the notice says so, and the case may go out as a content
  owner's notice (DMCA) — see :func:`owned`;
* a case a moderator marked synthetic cites what its pictures declare about being
  AI-generated (Content Credentials, generator metadata). A signature is called verified
  only when it chains to a trusted certificate; anything else is worded as a declaration
  ("signature not verified"), never as proof. Weak signals and broken manifests are not
  cited at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.model import CaseView, ProvenanceSignal

#: protected-match tiers that count as the creator's own original in a notice ("possible"
#: matches are shown to moderators only)
OWNED_TIERS = frozenset({"exact", "auto"})
#: at most this many evidence sentences per case
MAX_LINES = 4

_C2PA = re.compile(
    r"^Content Credentials from (?P<generator>.+?), signed by (?P<signer>.+): "
    r"(?P<standing>trusted signer|untrusted signer|manifest invalid)$"
)
_SOURCE_TYPE = re.compile(r"^(?P<type>\S+) \((?P<standing>[^)]*)\)$")
_UNSIGNED = "this metadata is not signed"
_METADATA = {
    "png_parameters": "the image file carries the generation settings of an AI image "
    "generator (Stable Diffusion web UI format)",
    "exif_parameters": "the image file carries the generation settings of an AI image "
    "generator (Stable Diffusion web UI format)",
    "comfyui": "the image file embeds a ComfyUI image-generation workflow",
}


def owned(case: CaseView) -> bool:
    """Whether a picture of ``case`` matches (exactly or closely) one of the creator's
    protected originals: the creator's own content."""
    return case.protected_tier in OWNED_TIERS


def protected_sentence(case: CaseView) -> str | None:
    """'the picture is an exact copy of an original …' when the case is the creator's own."""
    if not owned(case):
        return None
    how = "is an exact copy of" if case.protected_tier == "exact" else "matches"
    return (
        f"the picture {how} one of the depicted person's own original images, which they "
        "registered (by its fingerprint only) before this request"
    )


def synthetic_sentences(signals: Iterable[ProvenanceSignal]) -> list[str]:
    """Plain sentences citing the evidence that the picture is AI-generated (strong and
    medium signals only; an invalid manifest is never cited)."""
    signals = list(signals)
    found: list[str] = []
    credentials = next((s for s in signals if s.kind == "c2pa"), None)
    for signal in signals:
        if signal.confidence == "weak":
            continue
        if signal.kind == "c2pa_source_type":
            found.append(_credentials_sentence(signal, credentials))
        elif signal.kind == "digital_source_type":
            found.append(
                "the image's embedded metadata (XMP) declares it AI-generated (IPTC digital "
                f"source type {signal.value}); {_UNSIGNED}"
            )
        elif signal.kind in _METADATA:
            found.append(f"{_METADATA[signal.kind]}; {_UNSIGNED}")
        elif signal.kind in ("png_software", "exif_software"):
            found.append(
                "the image file names an AI image generator as the software that made it "
                f"({signal.value}); {_UNSIGNED}"
            )
    return list(dict.fromkeys(found))


def _credentials_sentence(signal: ProvenanceSignal, credentials: ProvenanceSignal | None) -> str:
    kind = _SOURCE_TYPE.match(signal.value)
    source_type = kind.group("type") if kind else signal.value
    text = f"the image carries Content Credentials (C2PA) declaring it AI-generated ({source_type})"
    parsed = _C2PA.match(credentials.value) if credentials is not None else None
    if parsed is not None:
        text += f", made with {parsed.group('generator')}, issued by {parsed.group('signer')}"
    if signal.validated:
        return text + "; the signature was verified against a trusted certificate"
    return text + "; signature not verified"


def case_sentences(case: CaseView, *, synthetic: bool) -> tuple[str, ...]:
    """Every evidence sentence a notice about ``case`` cites (empty when there is none)."""
    lines = []
    own = protected_sentence(case)
    if own is not None:
        lines.append(own)
    if synthetic:
        lines += synthetic_sentences(case.provenance)
    return tuple(lines[:MAX_LINES])


__all__ = ["OWNED_TIERS", "case_sentences", "owned", "protected_sentence", "synthetic_sentences"]
