"""Perceptual hashing of image bytes, in memory only.

``hash_image(data)`` sniffs the bytes, then for images:

* checks the pixel count from the header *before* decoding (decompression bombs are
  :class:`MediaTooLarge`), and only lets Pillow open the sniffed format.  JPEGs are
  decoded at a reduced DCT scale (``Image.draft``) and may have up to ``max_pixels``;
  every other format is decoded at full size, so its cap is lower
  (:data:`MAX_FULL_DECODE_PIXELS`);
* bounds the memory of every decode whatever the mode: each frame is box-reduced (or
  converted, for palette and bilevel frames) before any numeric array is made, and
  every frame of an animation or multi-page file is checked against the per-frame cap
  and a total pixel budget *before* it is decoded;
* applies the EXIF orientation, composites transparency on white and converts every
  Pillow mode (1, CMYK, F, HSV, I, I;16, L, LA, LAB, P, PA, RGB, RGBA, YCbCr …) to RGB;
* hashes every frame of an animation up to ``max_frames`` (near-identical consecutive
  frames are kept once), each with pHash (imagehash-compatible, plus its mirror) and
  PDQ (with the eight dihedral variants from ``pdqhash.compute_dihedral``), plus the
  pHash and PDQ of its views (:mod:`core.media.views`: regions that survive crops and
  banners, and the colour channels of a transparent image).

Videos (MP4/WebM) get the sha256 only (``kind="video"``): exact copies still match.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pdqhash
from PIL import Image, ImageSequence
from PIL.JpegImagePlugin import JpegImageFile

from core.errors import MediaTooLarge, NotAnImage
from core.media import watermark
from core.media.credentials import read_credentials
from core.media.provenance import ProvenanceSignal, read_provenance
from core.media.sniff import MediaKind, sniff
from core.media.views import View, ViewHashes, bits_hex, frame_view, phash_bits, region_views

MAX_PIXELS = 50_000_000
"""Default cap on width × height of one frame, checked before decoding."""
MAX_FULL_DECODE_PIXELS = 24_000_000
"""Cap on width × height of one frame of a format without reduced decoding (all but JPEG):
a full decode holds ≤ 4 bytes a pixel, so ≤ 96 MB (a 24 Mpx phone photo saved as PNG passes)."""
MAX_FRAMES = 16
"""Default cap on how many frames of an animation are hashed."""
FRAME_PIXEL_BUDGET = 48_000_000
"""Total pixels decoded over all frames of one input; later frames are not hashed."""
DECODE_SIDE = 512
"""JPEGs are decoded at a DCT scale that keeps ≥ this many pixels on the short side."""
HASH_SIDE = 320
"""Every frame is box-resampled to at most HASH_SIDE × HASH_SIDE before hashing: both
hashes ignore the aspect ratio, and PDQ slows down sharply on larger buffers."""
PDQ_DIHEDRAL = ("original", "rot90", "rot180", "rot270", "flipx", "flipy", "flip+1", "flip-1")
"""Order of :attr:`FrameHashes.pdq_dihedral`, as returned by ``pdqhash.compute_dihedral``."""
_MIRROR = PDQ_DIHEDRAL.index("flipy")  # PDQ "flipy" reflects across the vertical axis: left↔right
_PRE_SHRINK_SIDE = 4 * HASH_SIDE
_DUPLICATE_FRAME_PDQ = 10

_PIL_FORMATS = {
    MediaKind.JPEG: "JPEG",
    MediaKind.PNG: "PNG",
    MediaKind.GIF: "GIF",
    MediaKind.WEBP: "WEBP",
    MediaKind.BMP: "BMP",
    MediaKind.TIFF: "TIFF",
    MediaKind.AVIF: "AVIF",
}
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_RESIZABLE_MODES = frozenset(
    {"RGB", "RGBA", "RGBa", "RGBX", "L", "LA", "La", "CMYK", "YCbCr", "I", "F"}
    | {"I;16", "I;16L", "I;16B", "I;16N"}
)
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "PA"})
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    TypeError,
    LookupError,
    ArithmeticError,
    struct.error,
)


@dataclass(frozen=True, slots=True)
class FrameHashes:
    """Perceptual hashes of one (upright, RGB-normalised) frame."""

    phash: int
    """64-bit pHash as an unsigned int; ``int(str(imagehash.phash(img)), 16)``."""
    phash_mirror: int
    """pHash of the horizontally mirrored frame."""
    pdq: str
    """256-bit PDQ as 64 hex digits (ThreatExchange's bit order)."""
    pdq_quality: int
    """PDQ quality 0–100; below ~50 the frame is too flat for PDQ to mean much."""
    pdq_dihedral: tuple[str, ...] = field(repr=False)
    """PDQ of the eight dihedral transforms, in :data:`PDQ_DIHEDRAL` order."""
    views: tuple[ViewHashes, ...] = field(default=(), repr=False)
    """Hashes of the frame's views other than ``FULL`` (stored and query-only ones)."""

    @property
    def phash_hex(self) -> str:
        """pHash as 16 hex digits (what ``str(imagehash.phash(img))`` prints)."""
        return f"{self.phash:016x}"

    @property
    def pdq_mirror(self) -> str:
        """PDQ of the horizontally mirrored frame."""
        return self.pdq_dihedral[_MIRROR]


@dataclass(frozen=True, slots=True)
class ImageSignals:
    """Everything the dedupe step needs from one piece of media; holds no pixels."""

    kind: Literal["image", "video"]
    media: MediaKind
    sha256: str
    width: int = 0
    """Upright size in pixels (0 for video)."""
    height: int = 0
    frames: tuple[FrameHashes, ...] = ()
    """One entry per distinct frame (one for stills, none for video)."""
    provenance: tuple[ProvenanceSignal, ...] = ()
    """Provenance evidence read from the metadata (:mod:`core.media.provenance`)."""

    @property
    def first(self) -> FrameHashes | None:
        """The first frame's hashes, or ``None`` for video."""
        return self.frames[0] if self.frames else None

    @property
    def phash(self) -> int | None:
        """The first frame's pHash."""
        return self.frames[0].phash if self.frames else None

    @property
    def pdq(self) -> str | None:
        """The first frame's PDQ hex."""
        return self.frames[0].pdq if self.frames else None

    @property
    def pdq_quality(self) -> int | None:
        """The first frame's PDQ quality."""
        return self.frames[0].pdq_quality if self.frames else None


def hash_image(
    data: bytes,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frames: int = MAX_FRAMES,
    max_full_pixels: int = MAX_FULL_DECODE_PIXELS,
    provenance: bool = True,
) -> ImageSignals:
    """Hash image (or video) bytes.  Raises :class:`NotAnImage` or :class:`MediaTooLarge`.

    With ``provenance`` the same bytes are also read for provenance evidence
    (:mod:`core.media.provenance`, :mod:`core.media.credentials`, and the first frame's
    pixels for generator watermarks, :mod:`core.media.watermark`, when the picture's
    size and compression let one survive).

    ``max_pixels`` caps a JPEG frame, ``min(max_pixels, max_full_pixels)`` a frame of
    any other format; see the module docstring for the memory bounds.
    """
    kind = sniff(data[:512])
    sha256 = hashlib.sha256(data).hexdigest()
    if kind.is_video:
        return ImageSignals(kind="video", media=kind, sha256=sha256)
    if kind is MediaKind.HEIC:
        raise NotAnImage("HEIC/HEIF images are not supported yet")
    pil_format = _PIL_FORMATS.get(kind)
    if pil_format is None:
        raise NotAnImage("the file is not an image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
                cap = max_pixels if pil_format == "JPEG" else min(max_pixels, max_full_pixels)
                evidence = read_provenance(image) if provenance else ()
                marks = _watermark_reader(image) if provenance else None
                width, height, frames = _hash_frames(image, cap, max_frames, marks)
                evidence += marks.found if marks is not None else ()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise MediaTooLarge("the image has too many pixels") from None
        except MemoryError:
            raise MediaTooLarge("the image is too large to decode") from None
        except _DECODE_ERRORS:
            raise NotAnImage("the image could not be decoded") from None
    if provenance:
        evidence += read_credentials(data, kind)
    return ImageSignals("image", kind, sha256, width, height, frames, evidence)


def hash_file(path: str | Path, **limits: int) -> ImageSignals:
    """Hash a file on disk (for the CLI); same limits and errors as :func:`hash_image`."""
    return hash_image(Path(path).read_bytes(), **limits)


def hash_frame(frame: Image.Image) -> FrameHashes:
    """Hash one decoded, upright frame of any mode, with its views."""
    shrunk = _shrunk(frame, _PRE_SHRINK_SIDE)
    rgb = to_rgb(shrunk)
    untrimmed = _squashed(rgb)
    views = region_views(untrimmed)
    square = _trimmed(rgb, untrimmed)
    phash, phash_mirror = _phash_pair(square)
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(np.asarray(square)))
    dihedral = tuple(bits_hex(vector) for vector in vectors)
    colour = _colour_channels(shrunk)
    if colour is not None:
        colour_square = _trimmed(colour, _squashed(colour))
        colour_phash = _phash_pair(colour_square)[0]
        views = (frame_view(View.COLOUR, colour_square, colour_phash), *views)
    return FrameHashes(phash, phash_mirror, dihedral[0], int(quality), dihedral, views)


def _trimmed(rgb: Image.Image, square: Image.Image) -> Image.Image:
    """The work square of what lies inside a uniform border of ``rgb`` (``square`` if none)."""
    box = content_box(np.asarray(square.convert("L")))
    if box == (0, 0, HASH_SIDE, HASH_SIDE):
        return square
    x_scale, y_scale = rgb.width / HASH_SIDE, rgb.height / HASH_SIDE
    left, top, right, bottom = box
    crop = (
        round(left * x_scale),
        round(top * y_scale),
        round(right * x_scale),
        round(bottom * y_scale),
    )
    return _squashed(rgb.crop(crop))


def _colour_channels(frame: Image.Image) -> Image.Image | None:
    """The colour channels of a frame with a partly transparent alpha channel, else None."""
    if frame.mode not in ("RGBA", "LA", "PA"):
        return None
    low, _high = frame.getchannel("A").getextrema()
    if low == 255:
        return None
    return frame.convert("RGB") if frame.mode != "PA" else frame.convert("RGBA").convert("RGB")


def _squashed(rgb: Image.Image) -> Image.Image:
    """Resample to HASH_SIDE × HASH_SIDE (box filter when shrinking both sides)."""
    width, height = rgb.size
    shrinking = min(width, height) >= HASH_SIDE
    return rgb.resize(
        (HASH_SIDE, HASH_SIDE), Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    )


_BORDER_TOLERANCE = 12
_BORDER_FRACTION = 0.99
_KEEP_MIN = 0.4


def content_box(grey: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the picture inside a uniform border.

    A border is trimmed on an axis only when both opposite edges carry a run of near
    identical rows (or columns) of the same grey level: added borders and letterboxes are
    symmetric, a natural sky at the top alone is not.  At least ``_KEEP_MIN`` of each side
    is kept, so flat images are left alone.
    """
    _height, _width = grey.shape
    top, bottom = _trim_axis(grey)
    left, right = _trim_axis(grey[top:bottom].T)
    return left, top, right, bottom


def _trim_axis(grey: np.ndarray) -> tuple[int, int]:
    rows = grey.shape[0]
    first, last = float(np.median(grey[0])), float(np.median(grey[-1]))
    if abs(first - last) > _BORDER_TOLERANCE:
        return 0, rows
    start = _run(grey, first)
    end = rows - _run(grey[::-1], last)
    if start == 0 or end == rows or end - start < _KEEP_MIN * rows:
        return 0, rows
    return start, end


def _run(grey: np.ndarray, level: float) -> int:
    """How many leading rows of ``grey`` are (nearly) all ``level``."""
    near = (np.abs(grey.astype(np.int16) - round(level)) <= _BORDER_TOLERANCE).mean(axis=1)
    below = np.flatnonzero(near < _BORDER_FRACTION)
    return int(below[0]) if below.size else len(near)


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to RGB; transparency is composited on white."""
    mode = image.mode
    if mode == "La":  # premultiplied: compositing on white is C + (255 - alpha)
        grey, alpha = (np.asarray(band, np.uint16) for band in image.split())
        return Image.fromarray((grey + 255 - alpha).clip(0, 255).astype(np.uint8)).convert("RGB")
    if mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if mode in ("F", "I") or mode.startswith("I;"):
        return _scale_to_l(image).convert("RGB")
    return image if mode == "RGB" else image.convert("RGB")


def hamming64(a: int, b: int) -> int:
    """Hamming distance of two 64-bit pHashes."""
    return (a ^ b).bit_count()


def pdq_distance(a: str, b: str) -> int:
    """Hamming distance of two PDQ hex strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def phash_to_signed(value: int) -> int:
    """Map an unsigned 64-bit pHash to the signed range SQL ``BIGINT`` columns hold."""
    return value - (1 << 64) if value >= 1 << 63 else value


def phash_from_signed(value: int) -> int:
    """Inverse of :func:`phash_to_signed`."""
    return value + (1 << 64) if value < 0 else value


@dataclass(slots=True)
class _WatermarkReader:
    """Reads the first frame (as decoded for hashing: a JPEG at reduced scale) for
    generator watermarks."""

    original_size: tuple[int, int]
    found: tuple[ProvenanceSignal, ...] = ()

    def __call__(self, frame: Image.Image) -> None:
        self.found = watermark.read_watermark(frame, self.original_size)


def _watermark_reader(image: Image.Image) -> _WatermarkReader | None:
    """A reader when the picture could carry a watermark (cheap checks only), else None."""
    width, height = image.size
    if not watermark.worth_decoding(width, height, watermark.jpeg_chroma(image)):
        return None
    return _WatermarkReader((width, height)) if watermark.installed() else None


def _hash_frames(
    image: Image.Image,
    max_pixels: int,
    max_frames: int,
    first_frame: Callable[[Image.Image], None] | None = None,
) -> tuple[int, int, tuple[FrameHashes, ...]]:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise NotAnImage("the image has no pixels")
    if width * height > max_pixels:
        raise MediaTooLarge(
            f"the image has too many pixels ({width}×{height}; at most "
            f"{max_pixels / 1e6:g} megapixels for this format)"
        )
    orientation = _orientation(image)
    if isinstance(image, JpegImageFile):
        image.draft(image.mode, (DECODE_SIDE, DECODE_SIDE))
    frames: list[FrameHashes] = []
    for frame in _frames(image, max_frames, max_pixels):
        if first_frame is not None and not frames:
            first_frame(frame)
        hashes = hash_frame(_upright(_shrunk(frame, _PRE_SHRINK_SIDE), orientation))
        if not frames or pdq_distance(hashes.pdq, frames[-1].pdq) > _DUPLICATE_FRAME_PDQ:
            frames.append(hashes)
    if not frames:
        raise NotAnImage("the image has no frames")
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return width, height, tuple(frames)


def _frames(image: Image.Image, limit: int, max_pixels: int) -> Iterator[Image.Image]:
    """The first ``limit`` frames, each checked against the caps *before* it is decoded.

    A frame over ``max_pixels`` is refused (a first page of 1×1 does not vouch for the
    next ones); frames past :data:`FRAME_PIXEL_BUDGET` in total are left undecoded.
    """
    spent = 0
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= limit:
            return
        width, height = frame.size
        if width * height > max_pixels:
            raise MediaTooLarge(
                f"frame {index + 1} of the image has too many pixels ({width}×{height})"
            )
        spent += width * height
        if spent > FRAME_PIXEL_BUDGET and index > 0:
            return
        frame.load()
        yield frame


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1
    return value if isinstance(value, int) and value in _ORIENTATION else 1


def _upright(frame: Image.Image, orientation: int) -> Image.Image:
    method = _ORIENTATION.get(orientation)
    return frame.transpose(method) if method is not None else frame


def _shrunk(frame: Image.Image, side: int) -> Image.Image:
    """Box-resample each side to ≤ side."""
    width, height = frame.size
    size = (min(width, side), min(height, side))
    if size == frame.size or frame.mode not in _RESIZABLE_MODES:
        return frame
    if frame.mode in ("RGBA", "LA") and width * height > _STRIP_PIXELS:
        return _shrunk_in_strips(frame, size)
    return frame.resize(size, Image.Resampling.BOX)


_STRIP_PIXELS = 4_000_000


def _shrunk_in_strips(frame: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Box-resample an RGBA/LA frame a band of rows at a time.

    Pillow resamples these modes through a premultiplied copy of the whole frame (another
    4 bytes a pixel); a band at a time, that copy stays small.  Each band is resampled
    from exactly the source rows its output rows cover (float boxes), as one call would.
    """
    width, height = frame.size
    out_width, out_height = size
    out = Image.new(frame.mode, size)
    rows_per_band = max(1, _STRIP_PIXELS // (4 * width) * out_height // height)
    scale = height / out_height
    for first in range(0, out_height, rows_per_band):
        last = min(out_height, first + rows_per_band)
        top, bottom = first * scale, last * scale
        source_top, source_bottom = int(top), min(height, int(-(-bottom // 1)))
        band = frame.crop((0, source_top, width, source_bottom))
        box = (0.0, top - source_top, float(width), bottom - source_top)
        out.paste(band.resize((out_width, last - first), Image.Resampling.BOX, box=box), (0, first))
    return out


def _scale_to_l(image: Image.Image) -> Image.Image:
    """Map 16/32-bit integer and float pixels to 8-bit grey by their value range."""
    values = np.asarray(image, dtype=np.float64)
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    bottom = float(finite.min()) if finite.size else 0.0
    if bottom >= 0 and top <= 1.0 and image.mode == "F":
        scale, offset = 255.0, 0.0
    elif bottom >= 0 and top <= 255:
        scale, offset = 1.0, 0.0
    elif bottom >= 0 and top <= 65535:
        scale, offset = 255.0 / 65535.0, 0.0
    else:
        scale, offset = 255.0 / max(top - bottom, 1e-9), bottom
    grey = np.nan_to_num((values - offset) * scale, nan=0.0).clip(0, 255)
    return Image.fromarray(grey.round().astype(np.uint8))


def _phash_pair(rgb: Image.Image) -> tuple[int, int]:
    """imagehash.phash (hash_size 8, highfreq 4) of the frame and of its mirror image."""
    small = np.asarray(rgb.convert("L").resize((32, 32), Image.Resampling.LANCZOS), np.float64)
    return phash_bits(small), phash_bits(small[:, ::-1])
