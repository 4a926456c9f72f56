"""Robustness of the tier rule on real photos, their edits and hard negatives.

The set (tests/media/robustness_set.py) is built in memory: 18 photos from scikit-image
(34 with the optional PDQ corpus, ``LEAKDESK_PDQ_CORPUS``), 15 edits and 4 quarter-crops
of each (360 images; 680 with the corpus).  Issue #3's target
is asserted for every photo with PDQ quality ≥ 50 (the edit looked up with its original
stored, and the other way round): the listed edits join ``auto``, the 10 % crop is found
at least as ``possible``; different pictures never join ``auto``, not even with every
threshold widened (the margin documented in core/media/thresholds.py).  Both index
implementations must give the same answers.
"""

from __future__ import annotations

import pytest

from core.media.hashing import ImageSignals, hash_image
from core.media.index import LinearIndex, MultiIndexHashIndex
from core.media.thresholds import Tier
from core.media.views import View
from tests.media.photos import CORPUS_ABSENT, corpus
from tests.media.robustness_report import WIDENED, false_autos
from tests.media.robustness_set import (
    AUTO_EDITS,
    FOUND_EDITS,
    MIN_QUALITY,
    Evaluation,
    Sample,
    build_samples,
    corpus_variants,
    evaluate,
)

CORPUS = corpus()
PHOTOS = 34 if CORPUS is not None else 18
"""Photos in the set, and of them with PDQ quality ≥ 50 (measured: all but one sky, a
black frame and two flat corpus pictures)."""
GOOD_PHOTOS = 28 if CORPUS is not None else 17


@pytest.fixture(scope="module")
def hashed() -> tuple[list[Sample], list[ImageSignals]]:
    samples = build_samples()
    return samples, [hash_image(sample.data) for sample in samples]


@pytest.fixture(scope="module")
def linear(hashed: tuple[list[Sample], list[ImageSignals]]) -> Evaluation:
    samples, signals = hashed
    return evaluate(samples, signals, LinearIndex())


def _good_pairs(result: Evaluation, edit: str) -> list[tuple[int, int]]:
    """(edit, original) sample pairs of the photos with PDQ quality ≥ 50."""
    return [(q, s) for q, s in result.pairs_of_edit(edit) if result.qualities[s] >= MIN_QUALITY]


def test_set_is_large_and_mostly_good_quality(linear: Evaluation) -> None:
    photos = {s.photo for s in linear.samples}
    good = {
        s.photo
        for s, q in zip(linear.samples, linear.qualities, strict=True)
        if s.edit == "original" and q >= MIN_QUALITY
    }
    assert len(photos) == PHOTOS
    assert len(good) >= GOOD_PHOTOS


def test_different_pictures_never_join_automatically(linear: Evaluation) -> None:
    assert false_autos(linear) == []


def test_not_even_with_every_threshold_widened(
    hashed: tuple[list[Sample], list[ImageSignals]],
) -> None:
    samples, signals = hashed
    assert false_autos(evaluate(samples, signals, LinearIndex(WIDENED))) == []


@pytest.mark.parametrize("edit", AUTO_EDITS)
def test_target_edits_join_automatically_both_ways(linear: Evaluation, edit: str) -> None:
    pairs = _good_pairs(linear, edit)
    assert len(pairs) >= GOOD_PHOTOS
    forward = {linear.samples[q].photo: linear.tier(q, s) for q, s in pairs}
    backward = {linear.samples[q].photo: linear.tier(s, q) for q, s in pairs}
    assert [photo for photo, tier in forward.items() if tier is not Tier.AUTO] == []
    # The other way round (the edit stored first) is beyond the target; it is as good
    # except for one photo's mirror (measured: pHash 4 / PDQ 4 mirrored, over the
    # mirror rule's pHash 2), which a moderator sees as a possible duplicate.
    not_auto = [photo for photo, tier in backward.items() if tier is not Tier.AUTO]
    assert len(not_auto) <= (1 if edit == "mirror" else 0)
    assert all(tier is not None for tier in backward.values())


@pytest.mark.parametrize("edit", FOUND_EDITS)
def test_ten_percent_crops_are_at_least_possible_both_ways(linear: Evaluation, edit: str) -> None:
    pairs = _good_pairs(linear, edit)
    assert len(pairs) >= GOOD_PHOTOS
    assert [q for q, s in pairs if linear.tier(q, s) is None] == []
    assert [q for q, s in pairs if linear.tier(s, q) is None] == []


@pytest.mark.parametrize(
    ("edit", "view"),
    [
        ("crop_5", View.INNER_OF_CROP_5),
        ("crop_10", View.INNER_OF_CROP_10),
        ("banner_15", View.INNER),
        ("transparency", View.COLOUR),
    ],
)
def test_the_views_do_the_work_global_hashes_cannot(
    linear: Evaluation, edit: str, view: View
) -> None:
    """Most of these copies are matched through the view made for them."""
    pairs = _good_pairs(linear, edit)
    deciding = [linear.matches[q][s].view for q, s in pairs if s in linear.matches[q]]
    assert deciding.count(view) >= 0.8 * len(pairs)


@pytest.mark.parametrize(
    ("edit", "auto_at_least", "found_at_least"),
    [
        # Beyond the target: regression guards at the measured rates (docs/media.md).
        ("border_20", 0.9, 1.0),
        ("transparency_30", 0.9, 1.0),
    ],
)
def test_extra_edits_reach_the_measured_rates(
    linear: Evaluation, edit: str, auto_at_least: float, found_at_least: float
) -> None:
    tiers = [linear.tier(q, s) for q, s in _good_pairs(linear, edit)]
    auto = sum(t is Tier.AUTO for t in tiers) / len(tiers)
    found = sum(t is not None for t in tiers) / len(tiers)
    assert auto >= auto_at_least
    assert found >= found_at_least


def test_multi_index_agrees_with_linear(
    hashed: tuple[list[Sample], list[ImageSignals]], linear: Evaluation
) -> None:
    samples, signals = hashed
    multi = evaluate(samples, signals, MultiIndexHashIndex(delta_max=64))
    assert multi.matches == linear.matches


@pytest.mark.skipif(CORPUS is None, reason=CORPUS_ABSENT)
def test_corpus_copies_of_the_bridge_join(hashed: tuple[list[Sample], list[ImageSignals]]) -> None:
    samples, signals = hashed
    index = LinearIndex()
    original = next(
        i for i, s in enumerate(samples) if s.photo == "aaa-orig.jpg" and s.edit == "original"
    )
    index.add(1, signals[original])
    tiers = {}
    for name, data in corpus_variants():
        found = index.query(hash_image(data))
        tiers[name] = found[0].tier if found else None
    modes = [name for name in tiers if name.startswith("mode ")]
    assert len(modes) == 14  # the 13 Pillow modes and the original
    assert all(tiers[name] is Tier.AUTO for name in modes)
    assert tiers["dih bridge-6-flipy"] is Tier.AUTO  # the left-right mirror
    assert tiers["dih bridge-3-rotate-180"] is None  # rotations are not matched
    mods = ["mod blur-a-little", "mod high-contrast", "mod sharpen-a-lot", "mod shrink-a-lot"]
    assert all(tiers[name] is Tier.AUTO for name in mods)
