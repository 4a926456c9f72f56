"""Protected images: a creator's own pictures, known to leakdesk by their hashes only.

The creator (or the operator, with hashes the creator exported) registers their own
pictures with ``leakdesk protect add``: each is hashed in memory exactly like a reported
picture (sha256, pHash, PDQ and the stored views, :func:`~core.media_matching.stored_signals`)
and only those hashes are kept, marked as that creator's.  A reported picture of the
same creator that matches one is marked on its case "matches the creator's own image"
(:class:`ProtectedMatch`); pictures of other creators are never compared with it, and
the reporter is never told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import LeakdeskError
from core.media import DEFAULT_THRESHOLDS, HashIndex, ImageSignals, MultiIndexHashIndex
from core.model import ProvenanceSignal
from core.ports import FrameSignals, MediaSignals

EXPORT_FORMAT = "leakdesk-protected-hashes"
EXPORT_VERSION = 1
EXACT = "exact"
"""The tier of a byte-identical copy (same sha256)."""
TIER_RANK = {EXACT: 0, "auto": 1, "possible": 2}
"""Lower is closer: a case keeps its closest protected match."""


class BadHashFile(LeakdeskError):
    """A protected-hash export file that is not what ``protect export`` writes."""


@dataclass(frozen=True)
class ProtectedMatch:
    """A reported picture looks like one of the creator's protected pictures."""

    picture_id: int
    distance: int
    """PDQ bits to the protected picture (0 for an exact copy)."""
    tier: str
    """``exact``, ``auto`` or ``possible`` (:class:`core.media.thresholds.Tier`)."""

    def closer_than(self, tier: str | None, distance: int | None) -> bool:
        """Whether this match is closer than a recorded (``tier``, ``distance``)."""
        if tier is None:
            return True
        mine = (TIER_RANK.get(self.tier, 9), self.distance)
        return mine < (TIER_RANK.get(tier, 9), distance if distance is not None else 256)


@dataclass(frozen=True)
class ProtectedPicture:
    """A protected picture as stored: its creator, id, sha256 and hashes."""

    creator: str
    picture_id: int
    sha256: str
    frames: tuple[FrameSignals, ...]


class CaseEvidence(Protocol):
    """Records what a case's pictures revealed (storage): protected matches, provenance."""

    async def mark_protected(self, case_id: int, match: ProtectedMatch) -> None:
        """Mark ``case_id`` as matching a protected picture (keeps the closest match)."""
        ...

    async def add_provenance(self, case_id: int, signals: Sequence[ProvenanceSignal]) -> None:
        """Keep provenance evidence of a picture of ``case_id`` (each record once)."""
        ...


class ProtectedIndex:
    """Per-creator near-duplicate indexes of protected pictures, and their exact sha256s.

    Pictures come and go while a bot runs (:class:`core.protected_refresh.ProtectedRefresh`
    applies other processes' ``protect add``/``remove``): each remembered picture gets a
    fresh entry id in its creator's index, so a forgotten picture stays forgotten even if
    the database hands its id out again.
    """

    def __init__(self, index_factory: Callable[[], HashIndex] | None = None) -> None:
        self._factory = index_factory or (lambda: MultiIndexHashIndex(DEFAULT_THRESHOLDS))
        self._indexes: dict[str, HashIndex] = {}
        self._exact: dict[tuple[str, str], int] = {}
        #: picture id -> (creator, sha256, its entry id in the creator's index)
        self._pictures: dict[int, tuple[str, str, int]] = {}
        self._entries: dict[int, int] = {}  # entry id -> picture id
        self._next_entry = 1

    def remember(self, picture: ProtectedPicture) -> None:
        """Make a protected picture matchable (for its creator only); a picture already
        known is left as it is."""
        if picture.picture_id in self._pictures:
            return
        entry = self._next_entry
        self._next_entry += 1
        self._pictures[picture.picture_id] = (picture.creator, picture.sha256, entry)
        self._entries[entry] = picture.picture_id
        self._exact.setdefault((picture.creator, picture.sha256), picture.picture_id)
        index = self._indexes.get(picture.creator)
        if index is None:
            index = self._indexes[picture.creator] = self._factory()
        for frame in picture.frames:
            index.add_hashes(entry, frame.phash, frame.pdq, frame.quality, frame.view)

    def forget(self, picture_ids: Iterable[int]) -> int:
        """Stop matching these protected pictures (removed with ``protect remove``);
        returns how many were known."""
        count = 0
        for picture_id in picture_ids:
            known = self._pictures.pop(picture_id, None)
            if known is None:
                continue
            creator, sha256, entry = known
            del self._entries[entry]
            if self._exact.get((creator, sha256)) == picture_id:
                del self._exact[(creator, sha256)]
            self._indexes[creator].remove(entry)
            count += 1
        return count

    def picture_ids(self) -> set[int]:
        """The ids of every protected picture this index matches."""
        return set(self._pictures)

    def load(self, pictures: Iterable[ProtectedPicture]) -> int:
        """Remember every stored protected picture; returns how many."""
        count = 0
        for picture in pictures:
            self.remember(picture)
            count += 1
        return count

    def match(self, creator: str, signals: ImageSignals) -> ProtectedMatch | None:
        """The closest protected picture of ``creator`` that ``signals`` matches, if any."""
        exact = self._exact.get((creator, signals.sha256))
        if exact is not None:
            return ProtectedMatch(exact, 0, EXACT)
        index = self._indexes.get(creator)
        if index is None or not signals.frames:
            return None
        for found in index.query(signals):  # best first; skip entries forgotten meanwhile
            picture_id = self._entries.get(found.entry_id)
            if picture_id is not None:
                return ProtectedMatch(picture_id, found.pdq_distance, str(found.tier))
        return None


def export_document(creator: str, pictures: Iterable[MediaSignals]) -> dict[str, Any]:
    """The JSON document ``protect export`` writes: hashes only, no picture data."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "creator": creator,
        "pictures": [
            {
                "sha256": picture.sha256,
                "frames": [
                    [f"{f.phash:016x}", f.pdq, f.quality, f.view, f.frame] for f in picture.frames
                ],
            }
            for picture in pictures
        ],
    }


def parse_document(document: Any) -> tuple[str, list[MediaSignals]]:
    """The creator and pictures of an export document; :class:`BadHashFile` if malformed."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise BadHashFile("not a leakdesk protected-hash file")
    if document.get("version") != EXPORT_VERSION:
        raise BadHashFile(f"unsupported protected-hash file version {document.get('version')!r}")
    creator = document.get("creator")
    pictures = document.get("pictures")
    if not isinstance(creator, str) or not creator or not isinstance(pictures, list):
        raise BadHashFile("the file names no creator or no pictures")
    parsed = []
    for number, picture in enumerate(pictures, 1):
        try:
            parsed.append(_picture(picture))
        except (KeyError, TypeError, ValueError):
            raise BadHashFile(f"picture {number} of the file is malformed") from None
    return creator, parsed


def _picture(picture: dict[str, Any]) -> MediaSignals:
    sha256 = picture["sha256"]
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise ValueError("sha256")
    bytes.fromhex(sha256)
    frames = []
    for phash_hex, pdq, quality, view, frame in picture["frames"]:
        if len(phash_hex) != 16 or len(pdq) != 64:
            raise ValueError("hash length")
        bytes.fromhex(pdq)
        if not (0 <= int(quality) <= 100 and 0 <= int(view) <= 2 and 0 <= int(frame) < 1024):
            raise ValueError("range")
        frames.append(FrameSignals(int(phash_hex, 16), pdq.lower(), int(quality), view, frame))
    return MediaSignals(sha256.lower(), tuple(frames))


__all__ = [
    "BadHashFile",
    "CaseEvidence",
    "ProtectedIndex",
    "ProtectedMatch",
    "ProtectedPicture",
    "export_document",
    "parse_document",
]
