"""Real photos for picture tests, from the images scikit-image ships (no corpus needed).

Encoded as JPEG in memory: an original, the same photo shrunk a lot (an edited copy
that must join the original's case), and an unrelated photo.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from skimage import data


def jpeg(pixels: np.ndarray, *, width: int | None = None, quality: int = 90) -> bytes:
    """``pixels`` as JPEG bytes, resized to ``width`` (keeping the aspect ratio) if given."""
    image = Image.fromarray(pixels).convert("RGB")
    if width is not None:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


ORIGINAL = jpeg(data.astronaut())
SHRUNK = jpeg(data.astronaut(), width=160, quality=75)
UNRELATED = jpeg(data.coffee(), width=300)
