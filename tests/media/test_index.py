"""One shared test class runs against every HashIndex implementation."""

from __future__ import annotations

import numpy as np
import pytest

from core.media.hashing import FrameHashes, ImageSignals
from core.media.index import HashIndex, LinearIndex, MultiIndexHashIndex, chunk_radii, pdq_words
from core.media.sniff import MediaKind
from core.media.thresholds import POSSIBLE_PHASH, Thresholds, Tier

RNG_SEED = 5


def _flip(value: int, bits: int, rng: np.random.Generator, width: int = 64) -> int:
    for bit in rng.choice(width, bits, replace=False):
        value ^= 1 << int(bit)
    return value


def _pdq_hex(value: int) -> str:
    return f"{value:064x}"


FAR = 0x5A5A_5A5A_5A5A_5A5A  # a mirror hash far from everything the tests store


def _signals(
    phash: int, pdq: int, *, mirror_phash: int = FAR, mirror_pdq: int = 0, quality: int = 100
) -> ImageSignals:
    dihedral = [_pdq_hex(pdq)] + [_pdq_hex(mirror_pdq)] * 7
    frame = FrameHashes(phash, mirror_phash, _pdq_hex(pdq), quality, tuple(dihedral))
    return ImageSignals("image", MediaKind.PNG, "0" * 64, 10, 10, (frame,))


class IndexContract:
    """Behaviour every index must have; subclasses say which index to build."""

    def make(self) -> HashIndex:
        raise NotImplementedError

    def test_exact_copy_joins_automatically(self) -> None:
        index = self.make()
        stored = _signals(0x0123456789ABCDEF, 2**200 + 12345)
        index.add(7, stored)
        [match] = index.query(stored)
        assert (match.entry_id, match.tier, match.phash_distance, match.pdq_distance) == (
            7,
            Tier.AUTO,
            0,
            0,
        )
        assert not match.mirrored

    def test_tiers_follow_the_thresholds(self) -> None:
        rng = np.random.default_rng(RNG_SEED)
        index = self.make()
        phash, pdq = int(rng.integers(0, 2**63)), int.from_bytes(rng.bytes(32), "big")
        index.add(1, _signals(phash, pdq))
        t = index.thresholds
        cases = [
            (t.auto_pdq_phash, t.auto_pdq, Tier.AUTO),
            (t.auto_phash, t.auto_phash_pdq, Tier.AUTO),
            (t.auto_pdq_phash, t.auto_pdq + 2, Tier.POSSIBLE),
            (t.possible_phash, 120, Tier.POSSIBLE),
            (t.possible_phash + 2, 0, None),
        ]
        for phash_bits, pdq_bits, tier in cases:
            query = _signals(_flip(phash, phash_bits, rng), _flip(pdq, pdq_bits, rng, 256))
            found = index.query(query)
            assert (found[0].tier if found else None) is tier, (phash_bits, pdq_bits)

    def test_low_quality_never_joins_automatically(self) -> None:
        index = self.make()
        index.add(1, _signals(99, 99, quality=10))
        [match] = index.query(_signals(99, 99))
        assert match.tier is Tier.POSSIBLE

    def test_mirror_variant_matches_with_the_stricter_rule(self) -> None:
        index = self.make()
        index.add(3, _signals(0xFFFF0000FFFF0000, 5))
        query = _signals(
            0x1234, 2**255, mirror_phash=0xFFFF0000FFFF0000 ^ 0b11, mirror_pdq=5 ^ 0b111
        )
        [match] = index.query(query)
        assert match.mirrored and match.tier is Tier.AUTO and match.phash_distance == 2
        loose = _signals(
            0x1234, 2**255, mirror_phash=0xFFFF0000FFFF0000, mirror_pdq=(2**20 - 1) << 5
        )
        [match] = index.query(loose)
        assert match.mirrored and match.tier is Tier.POSSIBLE

    def test_any_frame_of_an_animation_matches(self) -> None:
        index = self.make()
        frames = tuple(
            FrameHashes(p, 0, _pdq_hex(p), 100, (_pdq_hex(p),) * 8)
            for p in (111, 2**40 + 5, 2**60 + 9)
        )
        index.add(9, ImageSignals("image", MediaKind.GIF, "0" * 64, 1, 1, frames))
        assert len(index) == 3
        [match] = index.query(_signals(2**60 + 9, 2**60 + 9))
        assert match.entry_id == 9 and match.tier is Tier.AUTO

    def test_adds_are_visible_at_once_and_results_are_ranked(self) -> None:
        rng = np.random.default_rng(RNG_SEED + 1)
        index = self.make()
        base = int(rng.integers(0, 2**63))
        pdq = int.from_bytes(rng.bytes(32), "big")
        for entry in range(300):  # more than the multi-index delta in these tests
            index.add(1000 + entry, _signals(int(rng.integers(0, 2**63)), entry))
        index.add(1, _signals(_flip(base, 6, rng), _flip(pdq, 100, rng, 256)))
        index.add(2, _signals(_flip(base, 2, rng), _flip(pdq, 4, rng, 256)))
        found = index.query(_signals(base, pdq))
        assert [m.entry_id for m in found[:2]] == [2, 1]
        assert [m.tier for m in found[:2]] == [Tier.AUTO, Tier.POSSIBLE]

    def test_remove_hides_an_entry(self) -> None:
        index = self.make()
        index.add(5, _signals(42, 42))
        index.remove(5)
        assert index.query(_signals(42, 42)) == []
        index.add(5, _signals(42, 42))
        assert [m.entry_id for m in index.query(_signals(42, 42))] == [5]

    def test_video_adds_nothing_and_finds_nothing(self) -> None:
        index = self.make()
        video = ImageSignals("video", MediaKind.MP4, "a" * 64)
        index.add(1, video)
        assert len(index) == 0 and index.query(video) == []

    def test_bulk_load_matches_random_neighbours_like_a_scan(self) -> None:
        rng = np.random.default_rng(RNG_SEED + 2)
        n = 20_000
        phashes = rng.integers(0, 2**64, n, dtype=np.uint64)
        # cluster some rows so that buckets are uneven, as real pHashes are
        phashes[: n // 4] &= np.uint64(0xFFFF_FFFF_0000_0000)
        pdqs = rng.integers(0, 2**64, (n, 4), dtype=np.uint64)
        index = self.make()
        index.load(np.arange(n), phashes, pdqs, np.full(n, 90))
        for row in rng.integers(0, n, 40):
            near = _flip(int(phashes[row]), int(rng.integers(0, POSSIBLE_PHASH + 1)), rng)
            pdq_hex = pdqs[row].tobytes().hex()
            query = _signals(near, int(pdq_hex, 16), mirror_phash=int(rng.integers(0, 2**63)))
            expected = {
                int(i)
                for i in np.flatnonzero(
                    np.bitwise_count(phashes ^ np.uint64(near)) <= POSSIBLE_PHASH
                )
            }
            assert {m.entry_id for m in index.query(query)} >= expected
            assert int(row) in expected

    def test_load_accepts_hex_strings(self) -> None:
        index = self.make()
        index.load([1, 2], [10, 0xFFFF_FFFF_0000_0000], [_pdq_hex(1), bytes(32)])
        assert {m.entry_id for m in index.query(_signals(0xFFFF_FFFF_0000_0001, 0))} == {2}
        with pytest.raises(ValueError):
            index.load([1], [1, 2], [_pdq_hex(1)])


class TestLinearIndex(IndexContract):
    def make(self) -> HashIndex:
        return LinearIndex()


class TestMultiIndexHashIndex(IndexContract):
    def make(self) -> HashIndex:
        return MultiIndexHashIndex(delta_max=128)


class TestMultiIndexSixteenBitChunks(IndexContract):
    def make(self) -> HashIndex:
        return MultiIndexHashIndex(delta_max=128, chunk_bits=(16, 16, 16, 16))


def test_chunk_radii_satisfy_the_pigeonhole_bound() -> None:
    for radius in range(0, 16):
        for bits in ((21, 21, 22), (16, 16, 16, 16)):
            radii = chunk_radii(radius, bits)
            assert sum(r + 1 for r in radii) == radius + 1 + 0 * len(bits) or radius + 1 < len(bits)


def test_pdq_words_round_trip() -> None:
    words = pdq_words("ff" * 32)
    assert words.dtype == np.uint64 and words.shape == (4,)
    with pytest.raises(ValueError):
        pdq_words("ff")


def test_custom_thresholds_change_the_radius() -> None:
    index = MultiIndexHashIndex(Thresholds(possible_phash=4), delta_max=4)
    index.load([1], [0], [bytes(32)])
    assert index.query(_signals(0b111111, 0)) == []
    assert [m.entry_id for m in index.query(_signals(0b1111, 0))] == [1]
