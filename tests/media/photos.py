"""Test pictures that every clone has: scikit-image's bundled photos (the test extra).

Meta's PDQ corpus (ThreatExchange ``pdq/data``, BSD) adds 16 photos and the corpus's
own edits of its bridge picture to the robustness tests.  It is optional: point
``LEAKDESK_PDQ_CORPUS`` at a copy to run the extended set; without it the extended
tests say so and the rest run on scikit-image's photos alone.
"""

from __future__ import annotations

import io
import os
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

CORPUS_ENV = "LEAKDESK_PDQ_CORPUS"


def corpus() -> Path | None:
    """The PDQ corpus folder named by ``LEAKDESK_PDQ_CORPUS``, or None when it is not set."""
    value = os.environ.get(CORPUS_ENV, "").strip()
    if not value:
        return None
    path = Path(value)
    if not (path / "bridge-mods" / "aaa-orig.jpg").is_file():
        raise RuntimeError(f"{CORPUS_ENV}={value} does not hold the PDQ corpus (bridge-mods/)")
    return path


CORPUS_ABSENT = (
    f"the PDQ corpus is not available: set {CORPUS_ENV} to its folder for the extended run"
)


@cache
def photo(name: str) -> Image.Image:
    """A scikit-image photo (``"coffee"``, ``"astronaut"``, ``"motorcycle"`` …) as RGB/L."""
    import skimage.data

    if name == "motorcycle":
        pixels = np.asarray(skimage.data.stereo_motorcycle()[0])
    else:
        pixels = np.asarray(getattr(skimage.data, name)())
    if pixels.dtype != np.uint8:
        pixels = (pixels * 255).astype(np.uint8)
    return Image.fromarray(pixels)


def jpeg(image: Image.Image, quality: int = 90, **params: object) -> bytes:
    """``image`` encoded as JPEG."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, **params)
    return buffer.getvalue()


def photo_jpeg(name: str, size: tuple[int, int] | None = None, quality: int = 90) -> bytes:
    """A scikit-image photo as JPEG bytes, resized (Lanczos) to ``size`` if given."""
    image = photo(name)
    if size is not None:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return jpeg(image, quality)


def original_edited_unrelated() -> tuple[bytes, bytes, bytes]:
    """Three JPEGs for intake tests: a photo, a strongly shrunk and recompressed copy of it,
    and a different photo."""
    original = photo_jpeg("astronaut", quality=92)
    shrunk = photo_jpeg("astronaut", (128, 128), quality=60)
    unrelated = photo_jpeg("rocket")
    return original, shrunk, unrelated
