"""Views: extra hashes of regions of a frame, so crops, banners and transparency still match.

Global DCT hashes (pHash, PDQ) of a whole frame move 10–34 pHash bits when 5–15 % of it
is cropped away or covered, which is where unrelated photos start.  A *view* hashes a
fixed region of the frame instead; when the region of one copy shows the same pixels as
the region of another copy, their view hashes are as close as a re-encode.

Stored views (a row each in ``media_signals`` and the index):

* ``FULL`` — the frame itself (border-trimmed, as before views existed);
* ``INNER`` — the centred 70 % × 70 % of the frame: a 15 % banner over any edge and any
  centred crop up to 15 % leave it untouched;
* ``COLOUR`` — for images with an alpha channel only: the colour channels with alpha
  ignored, hashed like ``FULL`` (the RGB under a semi-transparent area is the picture;
  the composite on white that ``FULL`` hashes is not).

Query-only views (computed for every picture looked up, never stored):

* ``INNER_OF_CROP_5`` / ``INNER_OF_CROP_10`` — the region that, if this picture is a
  centred 95 % / 90 % crop of an original, shows the original's ``INNER`` region;
* ``INNER_IN_CROP_5`` / ``INNER_IN_CROP_10`` — where the ``INNER`` region of a centred
  95 % / 90 % crop of this picture lies: the stored ``INNER`` of such a crop (a crop
  reported before its original).

Which stored view a query view is compared with is :data:`TARGET`.  Query ``FULL`` and
``COLOUR`` (and the mirrored ``FULL``) use the frame tier rule; every other pairing is a
*view match* with its own, stricter rule (:mod:`core.media.thresholds`).  Views are
computed on the 320 × 320 work square, before the border trim (the edits they undo are
defined on the untrimmed picture), without mirrored or rotated variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pdqhash
from PIL import Image
from scipy.fft import dct


class View(IntEnum):
    """Which region of a frame a hash shows; the stored ones are ``media_signals.view``."""

    FULL = 0
    INNER = 1
    COLOUR = 2
    INNER_OF_CROP_5 = 3
    INNER_OF_CROP_10 = 4
    INNER_IN_CROP_5 = 5
    INNER_IN_CROP_10 = 6


VIEW_SIDE = 128
"""Region views are hashed at this side (a box resample of the region)."""
INNER_MARGIN = 0.15
"""``INNER`` leaves out this fraction of each side (keeps the centred 70 % × 70 %)."""


def _inner_of_crop(keep: float) -> tuple[float, float]:
    """Where the original's INNER region lies in a centred crop keeping ``keep`` per side."""
    low = (INNER_MARGIN - (1 - keep) / 2) / keep
    return low, 1 - low


def _inner_in_crop(keep: float) -> tuple[float, float]:
    """Where a centred crop's (keeping ``keep`` per side) INNER region lies in the original."""
    low = (1 - keep) / 2 + INNER_MARGIN * keep
    return low, 1 - low


REGIONS: dict[View, tuple[float, float]] = {
    View.INNER: (INNER_MARGIN, 1 - INNER_MARGIN),
    View.INNER_OF_CROP_5: _inner_of_crop(0.95),
    View.INNER_OF_CROP_10: _inner_of_crop(0.90),
    View.INNER_IN_CROP_5: _inner_in_crop(0.95),
    View.INNER_IN_CROP_10: _inner_in_crop(0.90),
}
"""Centred square regions (low, high fractions of each side) of the region views."""
STORED = frozenset({View.FULL, View.INNER, View.COLOUR})
"""Views kept in storage and in the index; the others are computed at query time only."""
TARGET: dict[View, View] = {
    View.FULL: View.FULL,
    View.COLOUR: View.FULL,
    View.INNER: View.INNER,
    View.INNER_OF_CROP_5: View.INNER,
    View.INNER_OF_CROP_10: View.INNER,
    View.INNER_IN_CROP_5: View.INNER,
    View.INNER_IN_CROP_10: View.INNER,
}
"""The kind of stored row a view is compared with (stored ``COLOUR`` rows are ``FULL``)."""
FRAME_RULE = frozenset({View.FULL, View.COLOUR})
"""Views compared with the frame tier rule; the others use the view rule."""


def row_kind(view: int) -> int:
    """The kind of index row (``FULL`` or ``INNER``) a stored view is kept as."""
    return int(TARGET[View(view)])


@dataclass(frozen=True, slots=True)
class ViewHashes:
    """pHash and PDQ of one view of a frame."""

    view: View
    phash: int
    pdq: str
    """64 hex digits."""
    pdq_quality: int

    @property
    def stored(self) -> bool:
        """Whether this view is kept in storage (else it is used for lookups only)."""
        return self.view in STORED


def region_views(square: Image.Image) -> tuple[ViewHashes, ...]:
    """Every region view of a work square (untrimmed), in :data:`REGIONS` order.

    Each region is box-resampled from the grey square at its exact fractional
    coordinates: to 32 × 32 for the pHash, to :data:`VIEW_SIDE` × :data:`VIEW_SIDE` for
    PDQ (as three equal channels: PDQ's luma weights are Pillow's).  PDQ reduces every
    input to 64 × 64 anyway; 128 px regions cost a third of 224–304 px ones, and grey
    resampling a third of RGB.  (Measured on the robustness set: resampling the pHash's
    32 × 32 from the 128 px region instead moves crops' view pHashes up to 12 bits.)
    """
    grey = square.convert("L")
    side = grey.width
    views = []
    for view, (low, high) in REGIONS.items():
        box = (low * side, low * side, high * side, high * side)
        region = grey.resize((VIEW_SIDE, VIEW_SIDE), Image.Resampling.BOX, box=box)
        small = grey.resize((32, 32), Image.Resampling.LANCZOS, box=box)
        pixels = np.asarray(region)
        pdq, quality = pdq_hex(np.repeat(pixels[:, :, None], 3, axis=2))
        views.append(ViewHashes(view, phash_bits(np.asarray(small, np.float64)), pdq, quality))
    return tuple(views)


def frame_view(view: View, square: Image.Image, phash: int) -> ViewHashes:
    """A view hashed like a whole frame (PDQ of the RGB square), e.g. ``COLOUR``."""
    pdq, quality = pdq_hex(np.asarray(square))
    return ViewHashes(view, phash, pdq, quality)


def phash_bits(pixels: np.ndarray) -> int:
    """imagehash's pHash (hash_size 8, highfreq 4) of 32 × 32 grey pixels, as an int."""
    coefficients = dct(dct(pixels, axis=0), axis=1)[:8, :8].ravel()
    middle = np.partition(coefficients, (31, 32))[31:33]
    bits = coefficients > (middle[0] + middle[1]) / 2  # the median of the 64 values
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def pdq_hex(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ (64 hex digits) and quality of RGB pixels."""
    vector, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return bits_hex(vector), int(quality)


def bits_hex(vector: np.ndarray) -> str:
    """A PDQ bit vector (256 values 0/1, as ``pdqhash`` returns it) as 64 hex digits."""
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()
