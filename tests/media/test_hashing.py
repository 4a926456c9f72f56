"""hash_image: normalisation, limits and errors."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageOps

from core.errors import MediaTooLarge, NotAnImage
from core.media.hashing import (
    PDQ_DIHEDRAL,
    hamming64,
    hash_file,
    hash_frame,
    hash_image,
    pdq_distance,
    phash_from_signed,
    phash_to_signed,
    to_rgb,
)
from core.media.sniff import MediaKind
from tests.media.photos import CORPUS_ABSENT, corpus, photo

CORPUS = corpus()


@pytest.fixture(scope="module")
def bridge() -> Image.Image:
    """A real photo (scikit-image's coffee) at 800 × 502."""
    return photo("coffee").convert("RGB").resize((800, 502), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **params)
    return buffer.getvalue()


def test_signals_shape(bridge: Image.Image) -> None:
    data = _jpeg(bridge)
    signals = hash_image(data)
    frame = signals.first
    assert frame is not None
    assert signals.kind == "image" and signals.media is MediaKind.JPEG
    assert (signals.width, signals.height) == (800, 502)
    assert (
        len(signals.sha256) == 64
        and signals.sha256 == __import__("hashlib").sha256(data).hexdigest()
    )
    assert len(frame.pdq) == 64 and len(frame.phash_hex) == 16
    assert len(frame.pdq_dihedral) == len(PDQ_DIHEDRAL) == 8
    assert 0 <= frame.pdq_quality <= 100
    assert signals.phash == frame.phash and signals.pdq == frame.pdq


def test_phash_is_imagehash_phash_of_the_hashed_frame(bridge: Image.Image) -> None:
    square = bridge.resize((320, 320), Image.Resampling.BOX)
    frame = hash_frame(square)
    assert frame.phash_hex == str(imagehash.phash(square))
    assert frame.phash_mirror == int(str(imagehash.phash(ImageOps.mirror(square))), 16)


@pytest.mark.skipif(CORPUS is None, reason=CORPUS_ABSENT)
def test_corpus_modes_all_hash_alike() -> None:
    assert CORPUS is not None
    original = hash_file(CORPUS / "misc-images" / "modes" / "original.jpg").first
    assert original is not None
    for path in sorted((CORPUS / "misc-images" / "modes").iterdir()):
        frame = hash_file(path).first
        assert frame is not None
        assert pdq_distance(frame.pdq, original.pdq) <= 16, path.name
        assert hamming64(frame.phash, original.phash) <= 4, path.name


@pytest.mark.parametrize(
    "mode",
    [
        "1",
        "CMYK",
        "F",
        "HSV",
        "I",
        "I;16",
        "L",
        "LA",
        "La",
        "LAB",
        "P",
        "PA",
        "RGB",
        "RGBA",
        "RGBa",
        "YCbCr",
    ],
)
def test_every_pillow_mode_converts_to_rgb(bridge: Image.Image, mode: str) -> None:
    if mode == "La":  # Pillow cannot convert to La; build it from bands
        converted = Image.merge("La", (bridge.convert("L"), Image.new("L", bridge.size, 255)))
    else:
        converted = bridge.convert(mode)
    rgb = to_rgb(converted)
    assert rgb.mode == "RGB" and rgb.size == bridge.size
    reference = hash_frame(bridge)
    frame = hash_frame(converted)
    limit = 40 if mode == "1" else 16
    assert pdq_distance(frame.pdq, reference.pdq) <= limit


def test_sixteen_bit_and_float_images_are_scaled_not_clipped() -> None:
    ramp = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    grey = np.asarray(to_rgb(Image.fromarray(ramp)).convert("L"))
    assert grey.min() == 0 and grey.max() == 255 and grey[32, 0] not in (0, 255)
    unit = Image.fromarray(np.linspace(0, 1, 64 * 64).reshape(64, 64).astype(np.float32))
    assert np.asarray(to_rgb(unit).convert("L")).max() == 255


def test_transparency_is_composited_on_white() -> None:
    clear = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert to_rgb(clear).getpixel((5, 5)) == (255, 255, 255)
    half = Image.new("LA", (10, 10), (0, 128))
    assert to_rgb(half).getpixel((5, 5))[0] in (127, 128)
    palette = Image.new("P", (10, 10), 0)
    palette.info["transparency"] = 0
    assert to_rgb(palette).getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_exif_orientation_is_applied(bridge: Image.Image, orientation: int) -> None:
    undo = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    stored = bridge.transpose(undo)  # pixels as a camera would store them
    exif = Image.Exif()
    exif[0x0112] = orientation
    rotated = hash_image(_jpeg(stored, exif=exif.tobytes()))
    upright = hash_image(_jpeg(bridge))
    assert (rotated.width, rotated.height) == (800, 502)
    assert pdq_distance(rotated.pdq or "", upright.pdq or "") <= 16
    assert hamming64(rotated.phash or 0, upright.phash or 0) <= 4


def test_large_jpeg_is_drafted_but_hashes_like_full_decode(bridge: Image.Image) -> None:
    big = bridge.resize((2400, 1506), Image.Resampling.LANCZOS)
    drafted = hash_image(_jpeg(big)).first
    full = hash_frame(Image.open(io.BytesIO(_jpeg(big))).convert("RGB"))
    assert drafted is not None
    assert hamming64(drafted.phash, full.phash) <= 2
    assert pdq_distance(drafted.pdq, full.pdq) <= 12


def test_animated_gif_hashes_distinct_frames(bridge: Image.Image) -> None:
    small = bridge.resize((200, 126))
    frames = [small, ImageOps.flip(small), small.rotate(90, expand=False)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=[*frames[1:], frames[2]], duration=100
    )
    signals = hash_image(buffer.getvalue())
    assert len(signals.frames) == 3  # the repeated last frame is kept once
    capped = hash_image(buffer.getvalue(), max_frames=2)
    assert len(capped.frames) == 2


def test_video_gets_sha256_only() -> None:
    data = (24).to_bytes(4, "big") + b"ftypisom\0\0\0\0isomavc1" + b"\0" * 100
    signals = hash_image(data)
    assert signals.kind == "video" and signals.media is MediaKind.MP4
    assert signals.frames == () and signals.phash is None and len(signals.sha256) == 64


def test_pixel_cap_is_checked_before_decoding(bridge: Image.Image) -> None:
    with pytest.raises(MediaTooLarge):
        hash_image(_jpeg(bridge), max_pixels=100_000)


def test_decompression_bomb_png_is_too_large() -> None:
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG")  # 144 Mpx, a few kB
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(MediaTooLarge):
        hash_image(buffer.getvalue())
    with pytest.raises(MediaTooLarge):
        hash_image(buffer.getvalue(), max_pixels=10**12)  # Pillow's own bomb guard


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world",
        b"\xff\xd8\xff\xe0" + b"\0" * 50,
        b"<html><body>hi</body></html>",
        b"GIF89a",
    ],
)
def test_garbage_is_not_an_image(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        hash_image(data)


def test_truncated_image_is_not_an_image(bridge: Image.Image) -> None:
    data = _png(bridge)
    with pytest.raises(NotAnImage):
        hash_image(data[: len(data) // 2])


def test_heic_is_refused_with_a_reason() -> None:
    data = (24).to_bytes(4, "big") + b"ftypheic\0\0\0\0mif1heic" + b"\0" * 100
    with pytest.raises(NotAnImage, match="HEIC"):
        hash_image(data)


def test_signed_phash_round_trip() -> None:
    for value in (0, 1, 2**63 - 1, 2**63, 2**64 - 1):
        signed = phash_to_signed(value)
        assert -(2**63) <= signed < 2**63
        assert phash_from_signed(signed) == value


def test_repr_holds_no_bytes(bridge: Image.Image) -> None:
    signals = hash_image(_jpeg(bridge))
    assert "pdq_dihedral" not in repr(signals)


def _tiff_pages(*sizes: tuple[int, int]) -> bytes:
    pages = [Image.new("L", size, 128) for size in sizes]
    buffer = io.BytesIO()
    pages[0].save(
        buffer, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_adobe_deflate"
    )
    return buffer.getvalue()


def test_a_sixteen_bit_picture_over_the_full_decode_cap_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("I;16", (7000, 7000)).save(buffer, "PNG")  # 49 Mpx in ~100 KB
    with pytest.raises(MediaTooLarge, match=r"7000×7000; at most 24 megapixels"):
        hash_image(buffer.getvalue())


def test_formats_without_reduced_decoding_have_a_lower_pixel_cap() -> None:
    big = Image.new("L", (6000, 5000), 90)  # 30 Mpx: over the PNG cap, under the JPEG one
    png, jpeg = io.BytesIO(), io.BytesIO()
    big.save(png, "PNG")
    big.save(jpeg, "JPEG")
    with pytest.raises(MediaTooLarge, match="too many pixels"):
        hash_image(png.getvalue())
    assert hash_image(jpeg.getvalue()).width == 6000  # decoded at 1/8 scale
    assert hash_image(png.getvalue(), max_full_pixels=40_000_000).width == 6000


def test_every_frame_is_checked_before_it_is_decoded() -> None:
    """A 1×1 first page does not vouch for a 36 Mpx second page."""
    with pytest.raises(MediaTooLarge, match=r"frame 2 of the image has too many pixels"):
        hash_image(_tiff_pages((1, 1), (6000, 6000)))
    assert len(hash_image(_tiff_pages((64, 64), (64, 64))).frames) == 1  # same page: kept once


def test_frames_past_the_total_pixel_budget_are_not_decoded() -> None:
    noise = np.random.default_rng(3)
    pages = [
        Image.fromarray(noise.integers(0, 255, (4000, 4000), dtype=np.uint8)) for _ in range(4)
    ]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])
    signals = hash_image(buffer.getvalue())  # 16 Mpx a page, 48 Mpx budget: three pages
    assert len(signals.frames) == 3


@pytest.mark.parametrize(
    ("mode", "encoding"),
    [
        ("1", "PNG"),
        ("L", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("RGBA", "PNG"),
        ("I;16", "PNG"),
        ("I", "TIFF"),
        ("F", "TIFF"),
        ("CMYK", "JPEG"),
        ("RGB", "WEBP"),
    ],
)
def test_encoded_modes_hash_alike(bridge: Image.Image, mode: str, encoding: str) -> None:
    """Every mode a file can hold, decoded through the bounded path, hashes like the photo."""
    if mode == "I;16":
        converted = Image.fromarray(np.asarray(bridge.convert("L"), np.uint16) * 257)
    else:
        converted = bridge.convert(mode)
    buffer = io.BytesIO()
    converted.save(buffer, encoding)
    frame = hash_image(buffer.getvalue()).first
    reference = hash_frame(bridge)
    assert frame is not None
    assert pdq_distance(frame.pdq, reference.pdq) <= (40 if mode == "1" else 16)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_large_transparent_frames_shrink_in_bands_exactly_as_in_one_call(mode: str) -> None:
    """Banded resampling (no premultiplied copy of the whole frame) changes no pixel."""
    from core.media.hashing import _shrunk_in_strips

    bands = 4 if mode == "RGBA" else 2
    noise = np.random.default_rng(5).integers(0, 255, (1700, 1500, bands), dtype=np.uint8)
    image = Image.fromarray(noise, mode)
    whole = np.asarray(image.resize((1280, 1280), Image.Resampling.BOX))
    assert np.array_equal(np.asarray(_shrunk_in_strips(image, (1280, 1280))), whole)
