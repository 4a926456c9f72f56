"""Content sniffing: what the first bytes of a body say it is.

Headers lie (``Content-Type: image/jpeg`` on an HTML error page is common), so the
fetcher and the hasher decide from magic numbers only, in the spirit of the WHATWG
MIME Sniffing standard.  ``SNIFF_BYTES`` bytes are always enough to decide.
"""

from __future__ import annotations

from enum import StrEnum

SNIFF_BYTES = 512
"""How many leading bytes :func:`sniff` needs to reach a final answer."""


class MediaKind(StrEnum):
    """A sniffed content kind."""

    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    BMP = "bmp"
    TIFF = "tiff"
    HEIC = "heic"
    AVIF = "avif"
    MP4 = "mp4"
    WEBM = "webm"
    HTML = "html"
    UNKNOWN = "unknown"

    @property
    def is_image(self) -> bool:
        """True for still or animated image formats."""
        return self in _IMAGES

    @property
    def is_video(self) -> bool:
        """True for video containers (hashed by sha256 only)."""
        return self in (MediaKind.MP4, MediaKind.WEBM)


_IMAGES = frozenset(
    {
        MediaKind.JPEG,
        MediaKind.PNG,
        MediaKind.GIF,
        MediaKind.WEBP,
        MediaKind.BMP,
        MediaKind.TIFF,
        MediaKind.HEIC,
        MediaKind.AVIF,
    }
)

_HEVC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
_HEIF_BRANDS = _HEVC_BRANDS | {b"mif1", b"msf1"}
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

# WHATWG "identifying a resource with an unknown MIME type": HTML tag openers, each
# followed by a tag-terminating byte (space or '>').
_HTML_OPENERS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
    b"<meta",
    b"<link",
)
_TAG_END = b" \t\n\x0c\r>"
_WHITESPACE = b" \t\n\x0c\r"


def sniff(head: bytes) -> MediaKind:
    """Return the kind of content whose first bytes are ``head`` (pass ≥ SNIFF_BYTES if any)."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaKind.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.WEBP
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\0\0\0\0":
        return MediaKind.BMP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaKind.TIFF
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return MediaKind.WEBM
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(head)
    if _looks_like_html(head):
        return MediaKind.HTML
    return MediaKind.UNKNOWN


def _sniff_isobmff(head: bytes) -> MediaKind:
    """Tell HEIF/AVIF stills from MP4-family video by the ftyp box brands."""
    box_size = int.from_bytes(head[:4], "big")
    end = min(max(box_size, 16), len(head))
    major = head[8:12]
    brands = {major} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in _AVIF_BRANDS or (major not in _HEVC_BRANDS and brands & _AVIF_BRANDS):
        return MediaKind.AVIF
    if brands & _HEIF_BRANDS:
        return MediaKind.HEIC
    return MediaKind.MP4


def _looks_like_html(head: bytes) -> bool:
    text = head
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    text = text.lstrip(_WHITESPACE)[:64].lower()
    if text.startswith(b"<?xml"):
        return b"<html" in head.lower() or b"xhtml" in head.lower()
    for opener in _HTML_OPENERS:
        if text.startswith(opener):
            rest = text[len(opener) : len(opener) + 1]
            if opener == b"<!--" or (rest and rest in _TAG_END):
                return True
    return False
