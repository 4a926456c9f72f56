"""Content sniffing from magic numbers."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.media.sniff import MediaKind, sniff


def _encoded(fmt: str, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (8, 8), "red" if mode != "1" else 1).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [
        ("JPEG", MediaKind.JPEG),
        ("PNG", MediaKind.PNG),
        ("GIF", MediaKind.GIF),
        ("WEBP", MediaKind.WEBP),
        ("BMP", MediaKind.BMP),
        ("TIFF", MediaKind.TIFF),
        ("AVIF", MediaKind.AVIF),
    ],
)
def test_images_encoded_by_pillow(fmt: str, kind: MediaKind) -> None:
    assert sniff(_encoded(fmt)) is kind
    assert kind.is_image and not kind.is_video


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\0" * 64


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (_ftyp(b"isom", b"isom", b"avc1", b"mp41"), MediaKind.MP4),
        (_ftyp(b"mp42", b"mp42", b"isom"), MediaKind.MP4),
        (_ftyp(b"heic", b"mif1", b"heic"), MediaKind.HEIC),
        (_ftyp(b"mif1", b"mif1", b"heic"), MediaKind.HEIC),
        (_ftyp(b"avif", b"mif1", b"avif"), MediaKind.AVIF),
        (_ftyp(b"mif1", b"mif1", b"avif", b"miaf"), MediaKind.AVIF),
        (b"\x1a\x45\xdf\xa3" + b"\0" * 60, MediaKind.WEBM),
        (b"<!DOCTYPE html><html><head>", MediaKind.HTML),
        (b"\xef\xbb\xbf  \n<html lang=en>", MediaKind.HTML),
        (b"<!-- comment --><p>hi", MediaKind.HTML),
        (b"<HEAD><TITLE>x", MediaKind.HTML),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', MediaKind.HTML),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", MediaKind.UNKNOWN),
        (b"%PDF-1.7", MediaKind.UNKNOWN),
        (b"<htmlfoo>", MediaKind.UNKNOWN),
        (b"", MediaKind.UNKNOWN),
        (b"PK\x03\x04", MediaKind.UNKNOWN),
    ],
)
def test_magic_numbers(head: bytes, kind: MediaKind) -> None:
    assert sniff(head) is kind


def test_video_kinds_are_video() -> None:
    assert MediaKind.MP4.is_video and MediaKind.WEBM.is_video
    assert not MediaKind.HTML.is_image and not MediaKind.HTML.is_video
