"""Provenance signals read from a picture's metadata: is it declared AI-generated?

Read in memory from the image Pillow already opened for hashing (no extra decode, no
extra library), then only small typed records are kept (:class:`ProvenanceSignal`):

* PNG text chunks of common generator front-ends: A1111's ``parameters`` (with a short,
  escaped excerpt of the prompt, never more), ComfyUI's ``prompt`` / ``workflow``
  (named, never copied), and NovelAI-style ``Software`` / ``Source`` chunks;
* the IPTC ``DigitalSourceType`` in XMP (``trainedAlgorithmicMedia``,
  ``compositeWithTrainedAlgorithmicMedia`` …);
* the EXIF ``Software`` of known generators, and A1111's parameters in the EXIF
  ``UserComment`` of its JPEGs.

None of these is signed: they are evidence that *suggests* a synthetic picture (a
moderator decides), never proof, and ``validated`` is always False for them.  Signed
Content Credentials (C2PA) are read by :mod:`core.media.credentials` (the
``provenance`` extra).
"""

from __future__ import annotations

import re

from PIL import Image

from core.model import Confidence, ProvenanceSignal

EXCERPT_CHARS = 40
"""At most this many characters of a prompt are kept, escaped."""

AI_SOURCE_TYPES = frozenset(
    {
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
    }
)
"""IPTC digital source types that declare generated (or partly generated) content."""
GENERATORS = (
    "stable diffusion",
    "automatic1111",
    "comfyui",
    "invokeai",
    "fooocus",
    "novelai",
    "midjourney",
    "dall-e",
    "dall·e",
    "openai",
    "adobe firefly",
    "leonardo.ai",
    "imagen",
    "flux",
    "stability ai",
    "dreamstudio",
    "nightcafe",
)
"""Lower-case substrings of the ``Software`` names of known image generators."""
_SOURCE_TYPE = re.compile(rb"digitalsourcetype/([A-Za-z]{3,64})", re.IGNORECASE)
_XMP_KEYS = ("xmp", "XML:com.adobe.xmp")
_EXIF_SOFTWARE = 0x0131
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters of ``text`` as printable ASCII (others escaped)."""
    short = " ".join(text.split())[:limit]
    escaped = short.encode("ascii", "backslashreplace").decode("ascii")
    escaped = "".join(c if c.isprintable() else "?" for c in escaped)
    return escaped + ("…" if len(" ".join(text.split())) > limit else "")


def read_provenance(image: Image.Image) -> tuple[ProvenanceSignal, ...]:
    """Every provenance signal in an opened image's metadata (never raises)."""
    found: list[ProvenanceSignal] = []
    info = image.info
    try:
        found += _png_text(info)
        found += _digital_source_type(info)
        found += _exif_software(image)
    except Exception:  # hostile metadata: the picture is still hashed, nothing is claimed
        return tuple(found)
    return tuple(dict.fromkeys(found))


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _generator(name: str) -> bool:
    lowered = name.lower()
    return any(known in lowered for known in GENERATORS)


def _png_text(info: dict[str, object]) -> list[ProvenanceSignal]:
    found = []
    parameters = _text(info.get("parameters"))
    if parameters and ("Steps:" in parameters or "Sampler:" in parameters):
        value = f"A1111-style generation parameters: {excerpt(parameters)}"
        found.append(ProvenanceSignal("png_parameters", value, "strong"))
    comfy = [key for key in ("prompt", "workflow") if _text(info.get(key))]
    if comfy:
        value = "ComfyUI " + " and ".join(comfy) + " embedded"
        found.append(ProvenanceSignal("comfyui", value, "strong"))
    for key in ("Software", "Source"):
        text = _text(info.get(key))
        if text and _generator(text):
            found.append(ProvenanceSignal("png_software", excerpt(text), "medium"))
    return found


def _digital_source_type(info: dict[str, object]) -> list[ProvenanceSignal]:
    found = []
    for key in _XMP_KEYS:
        raw = info.get(key)
        data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
        if not isinstance(data, bytes):
            continue
        for match in _SOURCE_TYPE.finditer(data[:1_000_000]):
            name = match.group(1).decode("ascii")
            confidence: Confidence = "strong" if name in AI_SOURCE_TYPES else "weak"
            found.append(ProvenanceSignal("digital_source_type", name, confidence))
    return found


def _exif_software(image: Image.Image) -> list[ProvenanceSignal]:
    exif = image.getexif()
    found = []
    software = _text(exif.get(_EXIF_SOFTWARE))
    if software and _generator(software):
        found.append(ProvenanceSignal("exif_software", excerpt(software), "medium"))
    comment = _user_comment(exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT))
    if comment and "Steps:" in comment and ("Sampler:" in comment or "Seed:" in comment):
        value = f"A1111-style generation parameters: {excerpt(comment)}"
        found.append(ProvenanceSignal("exif_parameters", value, "strong"))
    return found


def _user_comment(raw: object) -> str | None:
    """EXIF UserComment: an 8-byte character-code prefix, then the text."""
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, bytes) or len(raw) <= 8:
        return None
    code, body = raw[:8], raw[8:]
    if code.startswith(b"UNICODE"):
        big = body.decode("utf-16-be", "replace")
        little = body.decode("utf-16-le", "replace")
        return big if big.isascii() or not little.isascii() else little
    return body.decode("utf-8", "replace")


__all__ = [
    "ProvenanceSignal",
    "excerpt",
    "read_provenance",
]
