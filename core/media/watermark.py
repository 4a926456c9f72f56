"""Invisible watermarks of open image generators, read in memory from decoded pixels.

The Stable Diffusion reference scripts and pipelines mark every picture they save with
``invisible-watermark``'s ``dwtDct`` method (``WatermarkEncoder().encode(bgr, "dwtDct")``):
one Haar DWT level of the U channel (``cv2`` YUV), cut into 4×4 blocks; in each block the
largest AC value is quantised (step 36) to carry one bit of the message, the message
repeated over all blocks in raster order.  Known messages (:data:`MESSAGES`):

* ``b"StableDiffusionV1"`` (136 bits): CompVis ``scripts/txt2img.py``, SD 1.x;
* ``b"SDV2"`` (32 bits): Stability-AI ``stablediffusion`` scripts, SD 2.x;
* a fixed 48-bit message (``0xB3EC907BB19E``): SDXL in Stability-AI ``generative-models``
  and in diffusers' SDXL pipelines.

Decoding follows ``imwatermark.WatermarkDecoder(...).decode(bgr, "dwtDct")`` exactly
(same colour conversion, same DWT, same per-block rule, same averaging; the tests check
bit-for-bit equality with the library), but vectorised with numpy: the library's
per-block Python loop takes about a second on a 1080p frame, this a tenth of it.  Only
``cv2`` is imported, never ``imwatermark`` itself, whose package imports
PyTorch (hundreds of MB in every worker) for a method we do not use.  All come with the
``provenance`` extra; without it :func:`available` is False and ``"watermark"`` is
listed as not checked.

Each message is matched with a bit-error tolerance (:data:`MAX_BIT_ERRORS`) chosen from
measurements so that a clean picture's random-looking bits match with a probability
below about 1e-6 (binomial), and a flat picture's all-zero bits never match.  The
watermark is fragile: it survives lossless files and gentle JPEG, not strong JPEG
compression, crops or rotations.  Pillow's default JPEG (q85, 4:2:0 chroma) leaves the
library's bits as coin flips, but not the mark's energy: :func:`mark_strength` correlates
every block's peak with the message (a matched filter) and finds it in most such copies.
Two alignments are tried: the picture as saved, and
the picture as a 50 % reduced copy of a marked original (one Haar level is a 2×2 box
average, so the reduced copy's U channel *is* the original's DWT band, scaled by ½).
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from core.model import ProvenanceSignal

log = logging.getLogger(__name__)

SCALE = 36.0
"""Quantisation step of the ``dwtDct`` method on the U channel (``scales=[0, 36, 36]``)."""
BLOCK = 4
"""Side of the blocks of the DWT band, one bit each."""
MIN_SIDE = 256
"""Pictures with a shorter side are not decoded (the library refuses < 256×256)."""
MAX_PIXELS = 4_200_000
"""Pictures larger than this are not decoded: generators mark their own output size
(512² … 1024², 2048² at most after an upscale pass), and a copy resized by any other
factor has lost the block grid the watermark lives in."""
MIN_REPEATS = 8
"""A message must be repeated at least this many times over the blocks to be decoded."""


@dataclass(frozen=True, slots=True)
class Message:
    """A known generator watermark: its bits and how it is named to moderators."""

    name: str
    bits: tuple[int, ...]
    max_errors: int


def _bits_of_bytes(data: bytes) -> tuple[int, ...]:
    return tuple(int(bit) for bit in np.unpackbits(np.frombuffer(data, np.uint8)))


def _bits_of_int(value: int, length: int) -> tuple[int, ...]:
    return tuple(int(bit) for bit in f"{value:0{length}b}")


MAX_BIT_ERRORS = {136: 34, 48: 6, 32: 3}
"""Tolerated bit errors by message length.  A clean picture's bits behave like coin
flips (measured: mean 68 of 136 wrong, none below 48 on the test photos); the chance of
at most k errors of n by chance is 4e-10 (34/136), 4e-8 (6/48), 1.4e-6 (3/32)."""

MESSAGES = (
    Message("Stable Diffusion", _bits_of_bytes(b"StableDiffusionV1"), MAX_BIT_ERRORS[136]),
    Message("Stable Diffusion 2", _bits_of_bytes(b"SDV2"), MAX_BIT_ERRORS[32]),
    Message("Stable Diffusion XL", _bits_of_int(0xB3EC907BB19E, 48), MAX_BIT_ERRORS[48]),
)
"""The generator watermarks looked for, longest first."""


@cache
def installed() -> bool:
    """Whether invisible-watermark and ``cv2`` are installed (looked up, not imported)."""
    return all(importlib.util.find_spec(name) is not None for name in ("imwatermark", "cv2"))


@cache
def available() -> bool:
    """Whether the ``provenance`` extra's decoder parts are installed and ``cv2`` imports
    (it needs libGL).  Imports ``cv2``: called once a decode is due, and by the CLI."""
    if not installed():
        return False
    try:
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


MAX_CHROMA_STEP_FULL = 45.0
"""A JPEG with full-resolution chroma (4:4:4) is decoded when the mean step of its
chroma quantisation table is at most this (about quality 75: measured median 11 bit
errors of 136 at q75, 9 at q85, 0 at q90)."""
MAX_CHROMA_STEP_SUBSAMPLED = 35.0
"""A JPEG with subsampled chroma (4:2:0, 4:2:2: Pillow's and most sites' default) is
decoded from about quality 80 up: its bits are coin flips below q95, but the mark's
energy survives for :func:`mark_strength` (measured at q85 on 35 colour photos: read in
32 at 512², 35 at 1024², 34 at 1344×768; at 512² q90: 35, q80: 30)."""
MAX_SUBSAMPLED_PIXELS = 1_200_000
"""A subsampled-chroma JPEG is decoded only up to a generator's native output size
(1024², 1344×768 …): larger ones are read at ¼ scale or less, where nothing is left."""


def worth_decoding(width: int, height: int, jpeg_chroma: tuple[float, bool] | None = None) -> bool:
    """The cheap checks: could a watermark have survived in a picture of this size?

    ``jpeg_chroma`` is a JPEG's (mean chroma quantisation step, chroma subsampled?), None
    for other formats.
    """
    if min(width, height) < MIN_SIDE or width * height > MAX_PIXELS:
        return False
    if jpeg_chroma is None:
        return True
    step, subsampled = jpeg_chroma
    if subsampled:
        return step <= MAX_CHROMA_STEP_SUBSAMPLED and width * height <= MAX_SUBSAMPLED_PIXELS
    return step <= MAX_CHROMA_STEP_FULL


def jpeg_chroma(image: Image.Image) -> tuple[float, bool] | None:
    """(mean chroma quantisation step, subsampled?) of an opened JPEG, None otherwise."""
    from PIL import JpegImagePlugin

    if not isinstance(image, JpegImagePlugin.JpegImageFile):
        return None
    unreadable = (float("inf"), True)
    try:
        tables = getattr(image, "quantization", None) or {}
        if len(tables) < 2 or image.mode not in ("RGB", "YCbCr"):
            return unreadable  # greyscale or CMYK: no U channel left to read
        step = float(np.mean(list(tables[1])))
        return step, JpegImagePlugin.get_sampling(image) != 0
    except Exception:  # a crafted header: the picture is still hashed, just not decoded
        return unreadable


def _blocks(band: np.ndarray) -> np.ndarray:
    """The band's 4×4 blocks as rows of 16 values, in the library's raster order."""
    rows, cols = band.shape[0] // BLOCK, band.shape[1] // BLOCK
    blocks = band[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK)
    return blocks.transpose(0, 2, 1, 3).reshape(rows * cols, BLOCK * BLOCK)


def _peaks(flat: np.ndarray) -> np.ndarray:
    """Where each block's mark sits: its largest value but the first (the library's rule)."""
    return np.argmax(np.abs(flat[:, 1:]), axis=1) + 1


def block_scores(u_band: np.ndarray) -> np.ndarray:
    """The 0/1 score of every 4×4 block of a DWT band, in the library's raster order."""
    flat = _blocks(u_band)
    value = np.abs(flat[np.arange(flat.shape[0]), _peaks(flat)])
    return (np.mod(value, SCALE) > 0.5 * SCALE).astype(np.float64)


def message_bits(scores: np.ndarray, length: int) -> np.ndarray | None:
    """The message of ``length`` bits the block scores vote for (None: too few blocks)."""
    if scores.size < length * MIN_REPEATS:
        return None
    slot = np.arange(scores.size) % length
    mean = np.bincount(slot, weights=scores, minlength=length) / np.bincount(slot, minlength=length)
    return (mean * 255 > 127).astype(np.uint8)


_HAAR = float(np.sqrt(0.5))


def u_band_full(bgr: np.ndarray) -> np.ndarray:
    """The DWT band the library decodes: Haar approximation of the U channel.

    Computed as ``pywt.dwt2(u, "haar")[0]`` computes it (rows, then columns, each pair
    weighted by 1/√2 in that order), so the values are bit-identical; about 4× faster.
    """
    import cv2

    rows, cols = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    u = yuv[: rows // 4 * 4, : cols // 4 * 4, 1].astype(np.float64)
    pairs = u[0::2] * _HAAR + u[1::2] * _HAAR
    return pairs[:, 0::2] * _HAAR + pairs[:, 1::2] * _HAAR


def u_band_reduced(bgr: np.ndarray) -> np.ndarray:
    """The same band read from a 50 % reduced copy: its U channel times 2."""
    import cv2

    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    return 2.0 * yuv[:, :, 1].astype(np.float64)


MIN_STRENGTH = 5.0
"""A message whose :func:`mark_strength` reaches this is reported, when its per-slot
agreement (:data:`MIN_AGREEMENT`) holds too."""
MIN_AGREEMENT = 5.5
"""Student t of the message's slot sums against the ±1 pattern (the picture's own noise
level, so spatially structured pictures — upscales, textures — do not pass on the
strength alone).  Measured on 3 456 clean tests read as saved (200 crops, 40 generated
pictures, 48 photos at 512², 1024², 1344×768; PNG, q85, q95): z ≥ 5 five times, t at most
3.75, both ≥ 4 never."""
MIN_AGREEMENT_REDUCED = 4.5
"""The same when read as a 50 % copy, where t is taken after a vertical high-pass of the
block grid (:func:`_vertical_detail`): there the message's slots fall in a few block
columns and a clean picture's vertical structure otherwise passes for agreement (plain t
reached 6.3 on clean upscales).  Measured on 5 440 clean reads as 50 % copies (16 320
tests; crops, scales and flips of the photos, 190 generated 1/f pictures, photos at 512²,
768×512, 1024² half-decoded; PNG, JPEG q80–q95, 4:4:4): none passed, the closest came
within 0.27 of both thresholds.  SDXL 1024² → 50 % → Pillow's default q85 (4:2:0): read
in 18 of 35 colour photos (plain t ≥ 7: 1)."""


def _peak_residuals(band: np.ndarray, coarse: bool) -> np.ndarray:
    """Each block's mark-bearing value above its surroundings, over the block's noise.

    The encoder moves a block's peak by (target − value): on average +9 for a 1 bit and −9
    for a 0 (values mod 36 being uniform), a small raised or lowered dot that lossy chroma
    coding blurs but does not remove, while the mod-36 phase the library reads is lost.
    ``coarse`` reads it at half the band's resolution, where a 4:2:0 JPEG of a 50 % copy
    (or our half-scale decode of a 4:2:0 JPEG) keeps its chroma.
    """
    import cv2

    rows, cols = band.shape[0] // BLOCK * BLOCK, band.shape[1] // BLOCK * BLOCK
    band = np.ascontiguousarray(band[:rows, :cols])
    flat = _blocks(band)
    peaks = _peaks(flat)
    if coarse:
        band = 0.25 * (band[0::2, 0::2] + band[1::2, 0::2] + band[0::2, 1::2] + band[1::2, 1::2])
    sigma = 1.5 if coarse else 1.0  # measured: coarse σ 1.5 separates clean from marked best
    detail = band - cv2.GaussianBlur(band, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    side = BLOCK // 2 if coarse else BLOCK
    blocks = detail.reshape(rows // BLOCK, side, cols // BLOCK, side).transpose(0, 2, 1, 3)
    blocks = blocks.reshape(flat.shape[0], side * side)
    if coarse:
        peaks = (peaks // BLOCK) // 2 * side + (peaks % BLOCK) // 2
    noise = np.abs(blocks).sum(axis=1) / blocks.shape[1] + 1.0
    return blocks[np.arange(blocks.shape[0]), peaks] / noise


def _centred(residuals: np.ndarray) -> np.ndarray | None:
    """Residuals less their median, clipped at 3 robust deviations, mean removed (None: a
    flat picture, nothing to correlate)."""
    centred = residuals - np.median(residuals)
    spread = 1.4826 * float(np.median(np.abs(centred)))
    if spread < 1e-6:
        return None
    centred = np.clip(centred, -3 * spread, 3 * spread)
    return centred - centred.mean()


def _correlation(
    centred: np.ndarray, bits: tuple[int, ...], grid: tuple[int, int] | None = None
) -> tuple[float, float]:
    """(z, t) of centred residuals against the message's ±1 pattern: z over all blocks,
    t over the message's slot sums (their spread left by the pattern).

    With ``grid`` (the blocks' rows and columns) t is taken after a vertical high-pass
    (:func:`_vertical_detail`) of residuals and pattern alike, see :data:`MIN_AGREEMENT_REDUCED`.
    """
    length = len(bits)
    pattern = np.array(bits, np.float64) * 2 - 1
    slots = np.arange(centred.size) % length
    z = float(pattern[slots] @ centred)
    z /= np.sqrt(float(centred @ centred))
    if grid is None:
        sums = np.bincount(slots, weights=centred, minlength=length)
        expected = pattern.copy()
    else:
        sums = np.bincount(slots, weights=_vertical_detail(centred, grid), minlength=length)
        marks = _vertical_detail(pattern[slots], grid)
        expected = np.bincount(slots, weights=marks, minlength=length)
    return z, _slope_t(sums, expected)


def _vertical_detail(values: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Per-block values laid out on the block grid, less the mean of the blocks above
    and below, twice (the filter and its transpose: a matched high-pass), flattened back.

    The message repeats along the raster, so each slot falls in a few block columns
    (SDXL's 48 bits on 128 columns: 3 columns in 48); a picture's vertical structure
    adds up in those columns like a mark would.  Neighbouring rows carry other slots,
    so the mark keeps most of its strength while the picture's columns cancel.
    """
    import cv2

    kernel = np.array([[-0.5], [1.0], [-0.5]])
    field = values.reshape(grid)
    for _ in range(2):
        field = cv2.filter2D(field, cv2.CV_64F, kernel, borderType=cv2.BORDER_REFLECT)
    return field.ravel()


def _slope_t(sums: np.ndarray, expected: np.ndarray) -> float:
    """Student t of the regression of the slot sums on the expected ones."""
    sums = sums - sums.mean()
    expected = expected - expected.mean()
    power = float(expected @ expected)
    if power <= 0:
        return 0.0
    slope = float(expected @ sums) / power
    left = sums - slope * expected
    noise = float(left @ left) / (sums.size - 2) / power
    return slope / np.sqrt(noise) if noise > 0 else 0.0


def _strengths(band: np.ndarray, reduced: bool) -> dict[str, tuple[float, float]]:
    residuals = _peak_residuals(band, coarse=reduced)
    centred = _centred(residuals)
    grid = (band.shape[0] // BLOCK, band.shape[1] // BLOCK) if reduced else None
    return {
        message.name: (0.0, 0.0) if centred is None else _correlation(centred, message.bits, grid)
        for message in MESSAGES
        if residuals.size >= len(message.bits) * MIN_REPEATS
    }


def _errors(band: np.ndarray) -> dict[str, int]:
    scores = block_scores(band)
    errors = {}
    for message in MESSAGES:
        bits = message_bits(scores, len(message.bits))
        if bits is not None:
            errors[message.name] = int(np.count_nonzero(bits != np.array(message.bits)))
    return errors


def _band(bgr: np.ndarray, reduced: bool) -> np.ndarray:
    return u_band_reduced(bgr) if reduced else u_band_full(bgr)


def bit_errors(bgr: np.ndarray, reduced: bool = False) -> dict[str, int]:
    """Bit errors of every known message in a BGR picture (as saved, or as a 50 % copy)."""
    return _errors(_band(bgr, reduced))


def mark_strength(bgr: np.ndarray, reduced: bool = False) -> dict[str, tuple[float, float]]:
    """How strongly each known message is present in a BGR picture: (z, t) scores.

    A matched filter over all blocks rather than the library's hard bits: it finds the
    mark after JPEG with subsampled chroma (q85 4:2:0), which turns those bits into coin
    flips.  ``reduced``: read as a 50 % copy of a marked original (see :func:`bit_errors`).
    """
    return _strengths(_band(bgr, reduced), reduced)


HALF_COPY_MAX_PIXELS = 340_000
"""A picture is also read as a 50 % reduced copy of a marked original only up to this
size (half of a 1024×1024 or 1344×768 generator picture, with room)."""


def read_watermark(
    frame: Image.Image, original_size: tuple[int, int] | None = None
) -> tuple[ProvenanceSignal, ...]:
    """The generator watermark signals of one decoded frame (never raises).

    ``original_size`` is the picture's stored size when ``frame`` is a reduced decode of
    it (a JPEG decoded at half scale: its U channel is the band the mark lives in, so the
    reduced frame is read directly).  A full-size frame is read as saved and, when small
    enough to be one, as a 50 % reduced copy of a marked original.  A message within its
    tolerance is reported (kind ``watermark``).  :func:`worth_decoding` is the caller's
    cheap check; this decodes whatever it is given.
    """
    width, height = original_size or frame.size
    if frame.size == (width, height):
        alignments: tuple[bool, ...] = (False,)
        if width * height <= HALF_COPY_MAX_PIXELS:
            alignments = (False, True)
    elif frame.size == ((width + 1) // 2, (height + 1) // 2):
        alignments = (True,)  # our own half-scale decode of a full-size picture
    else:
        return ()
    if not available() or min(frame.size) < MIN_SIDE // 2:
        return ()
    try:
        rgb = np.asarray(frame.convert("RGB"))
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        found = []
        for reduced in alignments:
            band = _band(bgr, reduced)
            errors = _errors(band)
            strengths = _strengths(band, reduced)
            for message in MESSAGES:
                wrong = errors.get(message.name)
                if wrong is not None and wrong <= message.max_errors:
                    found.append(_signal(message, f"{wrong} bit errors"))
                elif _strong(strengths.get(message.name), reduced):
                    z, t = strengths[message.name]
                    found.append(_signal(message, f"strength z={z:.1f} t={t:.1f}"))
        return tuple(dict.fromkeys(found))
    except Exception as err:  # a decoder failure never stops the hashing
        log.info("watermark could not be read: %s", type(err).__name__)
        return ()


def _strong(scores: tuple[float, float] | None, reduced: bool) -> bool:
    agreement = MIN_AGREEMENT_REDUCED if reduced else MIN_AGREEMENT
    return scores is not None and scores[0] >= MIN_STRENGTH and scores[1] >= agreement


def _signal(message: Message, how: str) -> ProvenanceSignal:
    """A match within the tolerance (or the strength) is strong evidence: chance gives
    one below 1e-6.

    Never ``validated``: anyone can embed (or strip) this mark with the public encoder.
    """
    log.debug("watermark %s matched (%s)", message.name, how)
    return ProvenanceSignal("watermark", message.name, "strong")


__all__ = [
    "MESSAGES",
    "available",
    "bit_errors",
    "block_scores",
    "installed",
    "jpeg_chroma",
    "mark_strength",
    "message_bits",
    "read_watermark",
    "worth_decoding",
]
