"""Pictures in reports: hash them in memory, find the case they belong to, remember them.

Bytes are never kept: an attachment or fetched body is hashed in a bounded pool of
killable worker processes (:class:`~core.media.workers.MediaWorkers`, with a time and a
memory budget per item; never on the event loop) and dropped; only
:class:`~core.ports.MediaSignals` (sha256, pHash, PDQ) go on.
Matching is tiered (:mod:`core.media.thresholds`): an exact sha256 or an ``auto``
match joins the existing case; a ``possible`` match opens a new case marked
"possible duplicate of" for a moderator to decide.

The indexes merge their delta of fresh pictures in a worker thread (:class:`LoopMerges`),
so the event loop never waits seconds for a merge into millions of rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from core.media import (
    DEFAULT_THRESHOLDS,
    GuardedFetcher,
    HashIndex,
    ImageSignals,
    MultiIndexHashIndex,
    Tier,
    hash_image,
)
from core.media.html import extract_image_url
from core.media.views import View
from core.media.workers import MediaWorkers
from core.ports import FrameSignals, MediaSignals, StoredSignal
from core.protected import ProtectedIndex

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MediaMatch:
    """Where a picture belongs: an existing case (auto), a candidate to confirm, or nowhere."""

    case_id: int | None = None
    possible_case_id: int | None = None
    distance: int | None = None  # PDQ bits to the matched picture (0 for an exact copy)


def stored_signals(signals: ImageSignals) -> MediaSignals:
    """What storage keeps of ``signals``: sha256 and the pHash, PDQ and quality of each
    frame and of its stored views (query-only views are dropped)."""
    frames = []
    for n, frame in enumerate(signals.frames):
        frames.append(FrameSignals(frame.phash, frame.pdq, frame.pdq_quality, View.FULL, n))
        frames += [
            FrameSignals(view.phash, view.pdq, view.pdq_quality, view.view, n)
            for view in frame.views
            if view.stored
        ]
    return MediaSignals(signals.sha256, tuple(frames))


class LoopMerges:
    """A :data:`~core.media.index.MergeRunner` for indexes used on an asyncio event loop.

    Called on a running loop, it builds in one worker thread shared by every index
    (so two big merges never hold their memory at once) and swaps the result in on the
    loop; called without a running loop, it merges at once, synchronously.
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def __call__(self, build: Callable[[], None], finish: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            build()
            finish()
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="media-index-merge")
        future = loop.run_in_executor(self._pool, build)
        future.add_done_callback(lambda _: self._finish(finish))  # runs on the loop

    @staticmethod
    def _finish(finish: Callable[[], None]) -> None:
        try:
            finish()
        except Exception:  # the rows stay queryable in the delta; the next add retries
            logger.exception("merging the media index failed")


class MediaMatcher:
    """Per-creator near-duplicate indexes and exact-copy maps, shared by every adapter."""

    def __init__(
        self,
        fetcher: GuardedFetcher | None,
        *,
        max_pixels: int = 50_000_000,
        index_factory: Callable[[], HashIndex] | None = None,
        workers: MediaWorkers | None = None,
    ) -> None:
        """``index_factory`` defaults to a :class:`MultiIndexHashIndex` merging off the loop;
        ``workers`` (a default pool if omitted) hash pictures and, unless the fetcher has a
        page parser of its own, search fetched HTML pages."""
        self.fetcher = fetcher
        self.workers = workers or MediaWorkers()
        if fetcher is not None and fetcher.page_parser is None:
            fetcher.page_parser = self.find_page_image
        self._max_pixels = max_pixels
        self.merges = LoopMerges()
        self._index_factory = index_factory or (
            lambda: MultiIndexHashIndex(DEFAULT_THRESHOLDS, background_merge=self.merges)
        )
        self._indexes: dict[str, HashIndex] = {}
        self._exact: dict[tuple[str, str], int] = {}
        #: the creators' own pictures (``leakdesk protect``), matched per creator
        self.protected = ProtectedIndex(self._index_factory)
        self._dropped: set[int] = set()

    def index(self, creator: str) -> HashIndex:
        """The near-duplicate index of ``creator``'s pictures (created empty on first use)."""
        index = self._indexes.get(creator)
        if index is None:
            index = self._indexes[creator] = self._index_factory()
        return index

    def remember(self, signal: StoredSignal) -> None:
        """Make a stored picture matchable at once (also called for other processes' pictures)."""
        self._exact.setdefault((signal.creator, signal.sha256), signal.case_id)
        if signal.frames:
            index = self.index(signal.creator)
            for frame in signal.frames:
                index.add_hashes(signal.case_id, frame.phash, frame.pdq, frame.quality, frame.view)

    def drop_cases(self, case_ids: Iterable[int]) -> int:
        """Forget the pictures of purged cases (their hashes left the database); returns how
        many cases were new to this call (the ones dropped before cost nothing)."""
        new = set(case_ids) - self._dropped
        if not new:
            return 0
        self._dropped |= new
        for key in [k for k, case_id in self._exact.items() if case_id in new]:
            del self._exact[key]
        for index in self._indexes.values():
            for case_id in new:
                index.remove(case_id)
        return len(new)

    def load(self, signals: Iterable[StoredSignal]) -> int:
        """Load stored pictures at start-up, one bulk load per creator; returns how many."""
        count = 0
        columns: dict[str, tuple[list[int], list[int], list[str], list[int], list[int]]] = {}
        for signal in signals:
            self._exact.setdefault((signal.creator, signal.sha256), signal.case_id)
            if signal.frames:
                ids, phashes, pdqs, qualities, views = columns.setdefault(
                    signal.creator, ([], [], [], [], [])
                )
                for frame in signal.frames:
                    ids.append(signal.case_id)
                    phashes.append(frame.phash)
                    pdqs.append(frame.pdq)
                    qualities.append(frame.quality)
                    views.append(frame.view)
            count += 1
        for creator, (ids, phashes, pdqs, qualities, views) in columns.items():
            self.index(creator).load(ids, phashes, pdqs, qualities, views)
        return count

    async def hash_bytes(self, data: bytes) -> ImageSignals:
        """Hash picture or video bytes in a worker process; raises a :class:`MediaError`
        (also when the item breaks its time or memory budget)."""
        return await self.workers.run(hash_image, data, max_pixels=self._max_pixels)

    async def find_page_image(self, page: bytes, page_url: str) -> str | None:
        """The image an HTML page names (og:image …), searched in a worker process."""
        return await self.workers.run(extract_image_url, page, page_url)

    async def close(self) -> None:
        """Stop the worker processes (the indexes stay usable for lookups)."""
        await self.workers.close()

    async def fetch_and_hash(self, url: str) -> ImageSignals:
        """Fetch the picture behind ``url`` through the guarded fetcher and hash it."""
        assert self.fetcher is not None
        fetched = await self.fetcher.fetch_image(url)
        return await self.hash_bytes(fetched.data)

    def match(self, creator: str, signals: ImageSignals) -> MediaMatch:
        """The case this picture belongs to, if any (videos: exact copies only)."""
        exact = self._exact.get((creator, signals.sha256))
        if exact is not None:
            return MediaMatch(case_id=exact, distance=0)
        index = self._indexes.get(creator)
        if index is None or not signals.frames:
            return MediaMatch()
        matches = index.query(signals)
        if not matches:
            return MediaMatch()
        best = matches[0]
        if best.tier is Tier.AUTO:
            return MediaMatch(case_id=best.entry_id, distance=best.pdq_distance)
        return MediaMatch(possible_case_id=best.entry_id, distance=best.pdq_distance)


__all__ = ["LoopMerges", "MediaMatch", "MediaMatcher", "stored_signals"]
