"""Real photos for picture tests (scikit-image's bundled images; no corpus needed):
an original, an edited copy that must join its case, and an unrelated photo."""

from __future__ import annotations

from tests.media.photos import original_edited_unrelated

ORIGINAL, SHRUNK, UNRELATED = original_edited_unrelated()
