"""The hostile picture zoo: each item made here, in memory, small on the wire.

Used by ``tests/media/test_zoo.py`` (through the app's real worker pool).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
from PIL import Image


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width: int, height: int, *, mode: tuple[int, int] = (8, 0)) -> bytes:
    """A PNG signature and IHDR (bit depth, colour type ``mode``)."""
    depth, colour = mode
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)


def png_bomb(side: int = 12_000) -> bytes:
    """A greyscale PNG of ``side``² zero pixels, compressed row by row (a few hundred KB)."""
    packer = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte 0, then zeros
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return png_header(side, side) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def huge_header(side: int = 30_000) -> bytes:
    """A PNG that claims ``side``×``side`` pixels and carries one compressed row."""
    data = zlib.compress(bytes(side + 1))
    return png_header(side, side) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    """A 1,200×900 noisy JPEG cut at 40 % of its length."""
    noise = np.random.default_rng(7).integers(0, 255, (900, 1200, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "JPEG", quality=85)
    whole = out.getvalue()
    return whole[: len(whole) * 2 // 5]


def many_frame_gif(frames: int = 2_000, side: int = 64) -> bytes:
    """An animated GIF of ``frames`` small frames, each different."""
    images = [Image.new("P", (side, side), n % 256) for n in range(frames)]
    for n, image in enumerate(images):
        image.putpixel((n % side, (n // side) % side), (n + 1) % 256)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=10, loop=0)
    return out.getvalue()


def png_16_bit(side: int = 7_000) -> bytes:
    """A ``side``² 16-bit greyscale PNG (``I;16``)."""
    out = io.BytesIO()
    Image.new("I;16", (side, side)).save(out, "PNG")
    return out.getvalue()


def tiff_32_bit(mode: str, side: int = 7_000) -> bytes:
    """A ``side``² deflated TIFF in a 32-bit mode: integer (``I``) or float (``F``)."""
    out = io.BytesIO()
    Image.new(mode, (side, side)).save(out, "TIFF", compression="tiff_adobe_deflate")
    return out.getvalue()


def multi_page_tiff() -> bytes:
    """A TIFF whose first page is 1×1 and whose second is 36 Mpx."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(
        out,
        "TIFF",
        save_all=True,
        append_images=[Image.new("L", (6_000, 6_000), 7)],
        compression="tiff_adobe_deflate",
    )
    return out.getvalue()


def broken_exif_jpeg() -> bytes:
    """A JPEG whose APP1 EXIF segment claims an IFD far past its end."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(out, "JPEG")
    body = out.getvalue()
    tiff = b"II*\x00" + struct.pack("<I", 0x7FFF_FFF0) + b"\xff" * 32  # IFD offset: nowhere
    exif = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    return body[:2] + app1 + body[2:]


def svg() -> bytes:
    """An SVG with an external reference and a billion-laughs entity."""
    return (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<image href="http://127.0.0.1/x.png"/><text>&b;</text></svg>'
    )


def zip_named_jpg() -> bytes:
    """A ZIP archive holding a JPEG (sent as ``leak.jpg``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("leak.jpg", b"\xff\xd8\xff" + bytes(1000))
    return out.getvalue()


def zoo() -> dict[str, bytes]:
    """File name → bytes, for every item of the zoo."""
    return {
        "truncated.jpg": truncated_jpeg(),
        "bomb.png": png_bomb(),
        "30000x30000.png": huge_header(),
        "2000-frames.gif": many_frame_gif(),
        "16-bit.png": png_16_bit(),
        "32-bit-int.tiff": tiff_32_bit("I"),
        "32-bit-float.tiff": tiff_32_bit("F"),
        "multi-page.tiff": multi_page_tiff(),
        "broken-exif.jpg": broken_exif_jpeg(),
        "drawing.svg": svg(),
        "archive.jpg": zip_named_jpg(),
        "empty.jpg": b"",
    }
