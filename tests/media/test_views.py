"""Views: which are computed and stored, how the index keeps them apart, how they travel."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core.media.hashing import FrameHashes, ImageSignals, hash_image
from core.media.index import LinearIndex, MultiIndexHashIndex
from core.media.sniff import MediaKind
from core.media.thresholds import Tier
from core.media.views import REGIONS, STORED, View, ViewHashes
from core.media_matching import stored_signals
from db.media import signal_from_payload


def _photo(alpha: int | None = None) -> bytes:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).resize((400, 300), Image.Resampling.BICUBIC)
    if alpha is not None:
        image.putalpha(alpha)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _signals(phash: int, pdq: int, views: tuple[ViewHashes, ...] = ()) -> ImageSignals:
    pdq_hex = f"{pdq:064x}"
    frame = FrameHashes(phash, 0x5A5A_5A5A_5A5A_5A5A, pdq_hex, 100, (pdq_hex,) * 8, views)
    return ImageSignals("image", MediaKind.PNG, "0" * 64, 10, 10, (frame,))


def test_every_picture_gets_the_region_views_and_only_transparent_ones_colour() -> None:
    opaque = hash_image(_photo()).first
    half = hash_image(_photo(alpha=128)).first
    solid = hash_image(_photo(alpha=255)).first
    assert opaque is not None and half is not None and solid is not None
    assert [v.view for v in opaque.views] == list(REGIONS)
    assert [v.view for v in solid.views] == list(REGIONS)  # alpha all opaque: no COLOUR
    assert [v.view for v in half.views] == [View.COLOUR, *REGIONS]
    colour = half.views[0]
    # the colour channels of the half-transparent copy are the opaque picture
    assert (colour.phash ^ opaque.phash).bit_count() <= 2
    assert len({v.pdq for v in opaque.views}) == len(REGIONS)


def test_only_stored_views_are_kept_for_storage() -> None:
    signals = hash_image(_photo(alpha=128))
    kept = stored_signals(signals).frames
    assert [f.view for f in kept] == [View.FULL, View.COLOUR, View.INNER]
    assert {f.view for f in kept} <= STORED
    assert all(f.frame == 0 for f in kept)


@pytest.mark.parametrize("index", [LinearIndex, MultiIndexHashIndex])
def test_views_only_match_the_kind_of_row_they_target(index: type) -> None:
    built = index()
    built.add_hashes(1, 0x1234, f"{7:064x}", 100, View.INNER)
    # the same hashes as a frame do not match a stored INNER row …
    assert built.query(_signals(0x1234, 7)) == []
    # … as a region view they do, with the view rule
    view = ViewHashes(View.INNER_OF_CROP_5, 0x1234, f"{7:064x}", 100)
    [match] = built.query(_signals(0xFFFF_0000_FFFF_0000, 99, (view,)))
    assert (match.entry_id, match.tier, match.view) == (1, Tier.AUTO, View.INNER_OF_CROP_5)


@pytest.mark.parametrize("index", [LinearIndex, MultiIndexHashIndex])
def test_a_view_match_needs_quality_and_stays_within_the_view_rule(index: type) -> None:
    built = index()
    built.load([1, 2], [0x1234, 0x1234], [f"{7:064x}", f"{7:064x}"], [100, 20], [1, 1])
    far = (1 << 70) - 1
    far_pdq = f"{far:064x}"  # 67 PDQ bits from 7: beyond auto (56), within possible (72)
    views = (
        ViewHashes(View.INNER, 0x1234, far_pdq, 100),
        ViewHashes(View.INNER_OF_CROP_10, 0x1234 ^ 0xFF, f"{7:064x}", 100),  # pHash 8: beyond
    )
    matches = built.query(_signals(0xFFFF_0000_FFFF_0000, 99, views))
    expected = [(1, Tier.POSSIBLE, (far ^ 7).bit_count())]
    assert [(m.entry_id, m.tier, m.pdq_distance) for m in matches] == expected


def test_entry_ids_must_fit_the_int32_column() -> None:
    with pytest.raises(ValueError):
        LinearIndex().add_hashes(2**31, 1, bytes(32))
    with pytest.raises(ValueError):
        MultiIndexHashIndex().load([-1], [1], [bytes(32)])


def test_payloads_carry_views_and_old_payloads_still_parse() -> None:
    new = signal_from_payload(
        {"creator": "c", "case": 3, "sha256": "a", "frames": [[5, "ab", 90, 1, 2]]}
    )
    old = signal_from_payload({"creator": "c", "case": 3, "sha256": "a", "frames": [[5, "ab", 9]]})
    assert (new.frames[0].view, new.frames[0].frame) == (1, 2)
    assert (old.frames[0].view, old.frames[0].frame, old.frames[0].quality) == (0, 0, 9)
