"""Near-duplicate index over (pHash, PDQ) frames, in the style of ThreatExchange's SignalTypeIndex.

Every stored row is one stored view of one frame of one entry: ``(entry_id, phash, pdq,
quality, kind)``, where the kind is ``FULL`` (the frame, or the colour channels of a
transparent one) or ``INNER`` (its centred 70 %, :mod:`core.media.views`).  A query
looks up each query frame as is and mirrored, plus each of its views, as *probes*: it
finds the rows within the probe's pHash radius (frame rule: ``possible_phash``, views:
``view_phash``) of any probe (the candidates),
keeps the pairs whose row kind is the probe's target, checks them with PDQ under the
probe's rule (frame, mirror or view) and returns one :class:`Match` per entry with its
best tier.  All probes of a query go through each step together (a few dozen numpy calls
per lookup however many views a frame has).

* :class:`LinearIndex` scans every row (numpy popcount): the reference.
* :class:`MultiIndexHashIndex` finds the candidates by multi-index hashing: the 64
  pHash bits are cut into 3 chunks (21, 21, 22 bits); by the pigeonhole principle a row
  within radius R differs from the query by at most r_i bits in some chunk i when
  Σ(r_i + 1) = R + 1, so only the buckets around the query's chunk values are read
  (CSR tables: rows grouped by chunk value, one offset per value).  New rows go to a
  small unsorted delta scanned linearly, so adds are visible at once; when the delta
  is full it is merged into the tables (a stable sort of two sorted runs, linear).

Merging into 10 M rows takes seconds.  By default it happens inside the ``add_hashes``
that fills the delta; with a ``background_merge`` runner (:data:`MergeRunner`) the full
delta is frozen, a new empty delta takes the adds, and new main tables are built from
(main + frozen run) in a worker thread by a pure function; queries meanwhile scan the
frozen run linearly.  The finished tables are swapped in on the index's own thread.

Neither class is thread-safe; use one from one thread (or under a lock).  Background
builds only read immutable snapshots and write past the end of row buffers that no
reader indexes, so they need no lock.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import combinations

import numpy as np

from core.media.hashing import ImageSignals
from core.media.thresholds import DEFAULT_THRESHOLDS, Thresholds, Tier
from core.media.views import FRAME_RULE, TARGET, View, row_kind

_EMPTY_ROWS = np.zeros(0, dtype=np.int64)
_QUALITY_BITS = np.uint8(0x7F)
_KIND_SHIFT = 7
"""The quality column holds the PDQ quality (0–100) in its low 7 bits and the row kind
(0 ``FULL``, 1 ``INNER``) in its top bit: one byte per row for both."""
_FRAME, _MIRROR, _VIEW = 0, 1, 2  # probe rules
MAX_ENTRY_ID = 2**31 - 1
"""Entry ids are stored as int32 (they are SQL ``INTEGER`` case ids): 4 bytes a row."""


@dataclass(frozen=True, slots=True)
class Match:
    """A stored entry that looks like the query."""

    entry_id: int
    phash_distance: int
    pdq_distance: int
    tier: Tier
    mirrored: bool = False
    view: View = View.FULL
    """The query's view that matched (``FULL`` for the frame or its mirror)."""


@dataclass(frozen=True, slots=True)
class _Probes:
    """Every hash a query looks up, as columns: one entry per probe."""

    phash: np.ndarray  # (P,) uint64
    pdq: np.ndarray  # (P, 4) uint64
    quality: np.ndarray  # (P,) int32
    target: np.ndarray  # (P,) uint8: the row kind it is compared with
    rule: np.ndarray  # (P,) uint8: _FRAME, _MIRROR or _VIEW
    views: tuple[View, ...]


def packed_quality(quality: int, view: int = View.FULL) -> int:
    """The index's quality byte of a stored view: quality plus the row kind in the top bit."""
    return min(int(quality), 100) | row_kind(view) << _KIND_SHIFT


def pdq_words(pdq_hex: str | bytes) -> np.ndarray:
    """A PDQ hash (64 hex digits or 32 bytes) as four uint64 words, the index's layout."""
    raw = bytes.fromhex(pdq_hex) if isinstance(pdq_hex, str) else pdq_hex
    if len(raw) != 32:
        raise ValueError("a PDQ hash has 256 bits")
    return np.frombuffer(raw, dtype=np.uint64).copy()


class _Rows:
    """Growable column store of frames: ids (int32), pHash, PDQ words, packed quality."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self.ids = np.zeros(capacity, dtype=np.int32)
        self.phash = np.zeros(capacity, dtype=np.uint64)
        self.pdq = np.zeros((capacity, 4), dtype=np.uint64)
        self.quality = np.zeros(capacity, dtype=np.uint8)
        self._written = [0]  # rows written to these buffers, shared by stores that share them

    def append(self, entry_id: int, phash: int, pdq: np.ndarray, quality: int) -> None:
        if not 0 <= entry_id <= MAX_ENTRY_ID:
            raise ValueError("entry ids must be in 0 … 2**31 - 1 (SQL INTEGER keys)")
        if self.size == len(self.ids):
            self._grow(max(1024, 2 * self.size))
        row = self.size
        self.ids[row], self.phash[row], self.pdq[row] = entry_id, phash, pdq
        self.quality[row] = quality
        self.size += 1

    def extend(
        self, ids: np.ndarray, phash: np.ndarray, pdq: np.ndarray, quality: np.ndarray
    ) -> None:
        need = self.size + len(ids)
        if need > len(self.ids):
            self._grow(max(need, 2 * self.size))
        rows = slice(self.size, need)
        self.ids[rows], self.phash[rows], self.pdq[rows], self.quality[rows] = (
            ids,
            phash,
            pdq,
            quality,
        )
        self.size = need

    def extended(
        self, ids: np.ndarray, phash: np.ndarray, pdq: np.ndarray, quality: np.ndarray
    ) -> _Rows:
        """These rows plus the given ones as a new store; this store stays as it is.

        The new store shares this one's buffers when they have room and nobody has
        written past ``size`` yet (readers of this store never look past ``size``);
        otherwise the rows are copied into buffers twice as large.
        """
        need = self.size + len(ids)
        new = object.__new__(_Rows)
        if need <= len(self.ids) and self._written[0] == self.size:
            new.ids, new.phash, new.pdq, new.quality = self.ids, self.phash, self.pdq, self.quality
            new._written = self._written
        else:
            capacity = max(need, 2 * self.size)
            for name in ("ids", "phash", "pdq", "quality"):
                old = getattr(self, name)
                buffer = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
                buffer[: self.size] = old[: self.size]
                setattr(new, name, buffer)
            new._written = [self.size]
        new._written[0] = need
        rows = slice(self.size, need)
        new.ids[rows], new.phash[rows], new.pdq[rows], new.quality[rows] = ids, phash, pdq, quality
        new.size = need
        return new

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Views of the stored rows: ids, pHash, PDQ words, quality."""
        n = self.size
        return self.ids[:n], self.phash[:n], self.pdq[:n], self.quality[:n]

    def _grow(self, capacity: int) -> None:
        for name in ("ids", "phash", "pdq", "quality"):
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def within(self, phashes: np.ndarray, radii: np.ndarray) -> np.ndarray:
        """Rows within ``radii[i]`` bits of some ``phashes[i]`` (a linear scan)."""
        stored = self.phash[: self.size]
        close = np.zeros(self.size, dtype=bool)
        for phash, radius in zip(phashes, radii, strict=True):
            close |= np.bitwise_count(stored ^ phash) <= radius
        return np.flatnonzero(close)


class HashIndex(ABC):
    """Stores frames of entries and finds near-duplicates of a query's frames."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._removed: set[int] = set()

    @abstractmethod
    def _store(self) -> list[_Rows]:
        """The row stores to verify candidates against, in search order."""

    @abstractmethod
    def _candidates(self, phashes: np.ndarray, radii: np.ndarray) -> list[np.ndarray]:
        """Rows within ``radii[i]`` pHash bits of some ``phashes[i]`` (possibly more: the
        distances are checked again), per store of :meth:`_store`."""

    @abstractmethod
    def load(
        self,
        ids: Sequence[int] | np.ndarray,
        phashes: Sequence[int] | np.ndarray,
        pdqs: Sequence[str | bytes] | np.ndarray,
        qualities: Sequence[int] | np.ndarray | None = None,
        views: Sequence[int] | np.ndarray | None = None,
    ) -> None:
        """Bulk-add stored views (e.g. at start-up from stored hashes); ids may repeat.

        ``views`` are :class:`~core.media.views.View` values (default ``FULL``).
        """

    @abstractmethod
    def add_hashes(
        self, entry_id: int, phash: int, pdq: str | bytes, quality: int = 100, view: int = 0
    ) -> None:
        """Add one stored view of a frame; it is visible to the next query."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of stored frames (rows), removed entries included until compaction."""

    def add(self, entry_id: int, signals: ImageSignals) -> None:
        """Add every frame of ``signals`` and its stored views under ``entry_id``.

        Videos add nothing.
        """
        for frame in signals.frames:
            self._removed.discard(entry_id)
            self.add_hashes(entry_id, frame.phash, frame.pdq, frame.pdq_quality)
            for view in frame.views:
                if view.stored:
                    self.add_hashes(entry_id, view.phash, view.pdq, view.pdq_quality, view.view)

    def remove(self, entry_id: int) -> None:
        """Hide every frame of ``entry_id`` from queries."""
        self._removed.add(entry_id)

    def query(self, signals: ImageSignals) -> list[Match]:
        """Entries matching any frame of ``signals``, best first (auto, then by PDQ distance)."""
        probes = _probes(signals)
        if probes is None:
            return []
        best: dict[int, tuple[tuple[bool, int, int], Match]] = {}
        radii = self._radii(probes)
        for rows, found in zip(self._store(), self._candidates(probes.phash, radii), strict=True):
            if not found.size:
                continue
            for match in self._verify(rows, found, probes):
                rank = (match.tier is Tier.AUTO, -match.pdq_distance, -match.phash_distance)
                if match.entry_id not in best or rank > best[match.entry_id][0]:
                    best[match.entry_id] = (rank, match)
        ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
        return [match for _, match in ranked]

    def _radii(self, probes: _Probes) -> np.ndarray:
        """The pHash radius of each probe: the view rule's for views, else the frame rule's."""
        t = self.thresholds
        return np.where(probes.rule == _VIEW, t.view_phash, t.possible_phash).astype(np.int32)

    def _verify(self, rows: _Rows, found: np.ndarray, probes: _Probes) -> Iterable[Match]:
        """Every (candidate row, probe) pair that matches under the probe's rule."""
        t = self.thresholds
        row_phash = rows.phash[found]
        phash = np.bitwise_count(row_phash[:, None] ^ probes.phash[None, :]).astype(np.int32)
        packed = rows.quality[found]
        kind = packed >> np.uint8(_KIND_SHIFT)
        radius = self._radii(probes)
        close = (phash <= radius[None, :]) & (kind[:, None] == probes.target[None, :])
        if not close.any():
            return
        row_at, probe_at = np.nonzero(close)
        found, phash = found[row_at], phash[row_at, probe_at]
        pdq = np.bitwise_count(rows.pdq[found] ^ probes.pdq[probe_at]).sum(axis=1, dtype=np.int32)
        quality = np.minimum(packed[row_at] & _QUALITY_BITS, probes.quality[probe_at])
        rule = probes.rule[probe_at]
        frame_auto = (
            ((pdq <= t.auto_pdq) & (phash <= t.auto_pdq_phash))
            | ((phash <= t.auto_phash) & (pdq <= t.auto_phash_pdq))
            | ((phash <= t.auto_close_phash) & (pdq <= t.auto_close_pdq))
        )
        mirror_auto = (pdq <= t.mirror_auto_pdq) & (phash <= t.mirror_auto_phash)
        view_auto = pdq <= t.view_auto_pdq
        auto = np.select([rule == _FRAME, rule == _MIRROR], [frame_auto, mirror_auto], view_auto)
        auto &= quality >= t.min_auto_quality
        view_ok = (pdq <= t.view_possible_pdq) & (quality >= t.min_auto_quality)
        keep = (rule != _VIEW) | view_ok
        columns = (rows.ids[found], phash, pdq, auto, rule, probe_at)
        for entry_id, p, q, a, r, at in zip(*(c[keep].tolist() for c in columns), strict=True):
            if entry_id not in self._removed:
                tier = Tier.AUTO if a else Tier.POSSIBLE
                yield Match(entry_id, p, q, tier, r == _MIRROR, probes.views[at])


def _probes(signals: ImageSignals) -> _Probes | None:
    """The query's probes: each frame as is and mirrored, and each of its views."""
    phash: list[int] = []
    pdq: list[np.ndarray] = []
    quality: list[int] = []
    target: list[int] = []
    rule: list[int] = []
    views: list[View] = []
    for frame in signals.frames:
        probes = [
            (frame.phash, frame.pdq, frame.pdq_quality, View.FULL, _FRAME),
            (frame.phash_mirror, frame.pdq_mirror, frame.pdq_quality, View.FULL, _MIRROR),
        ]
        for view in frame.views:
            kind = _FRAME if view.view in FRAME_RULE else _VIEW
            probes.append((view.phash, view.pdq, view.pdq_quality, view.view, kind))
        for probe_phash, probe_pdq, probe_quality, view, kind in probes:
            phash.append(probe_phash)
            pdq.append(pdq_words(probe_pdq))
            quality.append(probe_quality)
            target.append(TARGET[view])
            rule.append(kind)
            views.append(view)
    if not phash:
        return None
    return _Probes(
        np.asarray(phash, dtype=np.uint64),
        np.stack(pdq),
        np.asarray(quality, dtype=np.int32),
        np.asarray(target, dtype=np.uint8),
        np.asarray(rule, dtype=np.uint8),
        tuple(views),
    )


def _columns(
    ids: Sequence[int] | np.ndarray,
    phashes: Sequence[int] | np.ndarray,
    pdqs: Sequence[str | bytes] | np.ndarray,
    qualities: Sequence[int] | np.ndarray | None,
    views: Sequence[int] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The index's columns: ids, pHash, PDQ words and the packed quality byte."""
    id_col = np.asarray(ids, dtype=np.int64)
    if id_col.size and (id_col.min() < 0 or id_col.max() > MAX_ENTRY_ID):
        raise ValueError("entry ids must be in 0 … 2**31 - 1 (SQL INTEGER keys)")
    id_col = id_col.astype(np.int32)
    phash_col = np.asarray(phashes, dtype=np.uint64)
    if isinstance(pdqs, np.ndarray) and pdqs.dtype == np.uint64 and pdqs.ndim == 2:
        pdq_col = pdqs
    elif isinstance(pdqs, np.ndarray) and pdqs.dtype == np.uint8 and pdqs.ndim == 2:
        pdq_col = np.ascontiguousarray(pdqs).view(np.uint64)
    else:
        pdq_col = (
            np.stack([pdq_words(value) for value in pdqs])
            if len(pdqs)
            else np.zeros((0, 4), np.uint64)
        )
    quality_col = (
        np.full(len(id_col), 100, dtype=np.uint8)
        if qualities is None
        else np.minimum(np.asarray(qualities), 100).astype(np.uint8)
    )
    if views is not None:
        kinds = np.asarray([row_kind(v) for v in range(len(View))], dtype=np.uint8)
        view_col = np.asarray(views, dtype=np.int64)
        if len(view_col) != len(quality_col):
            raise ValueError("views must have one value per row")
        quality_col |= kinds[view_col] << np.uint8(_KIND_SHIFT)
    if not len(id_col) == len(phash_col) == len(pdq_col) == len(quality_col):
        raise ValueError("ids, phashes, pdqs and qualities must have the same length")
    return id_col, phash_col, pdq_col, quality_col


class LinearIndex(HashIndex):
    """Scans every stored frame; simple and exact, O(n) per query."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        super().__init__(thresholds)
        self._rows = _Rows()

    def _store(self) -> list[_Rows]:
        return [self._rows]

    def _candidates(self, phashes: np.ndarray, radii: np.ndarray) -> list[np.ndarray]:
        return [self._rows.within(phashes, radii)]

    def load(self, ids, phashes, pdqs, qualities=None, views=None) -> None:  # type: ignore[no-untyped-def]
        self._rows.extend(*_columns(ids, phashes, pdqs, qualities, views))

    def add_hashes(
        self, entry_id: int, phash: int, pdq: str | bytes, quality: int = 100, view: int = 0
    ) -> None:
        self._rows.append(entry_id, phash, pdq_words(pdq), packed_quality(quality, view))

    def __len__(self) -> int:
        return self._rows.size


CHUNK_BITS = (21, 21, 22)
"""Default pHash chunking: about log2(10 M) bits per chunk keeps buckets small."""


def _shifts(bits: Sequence[int]) -> tuple[int, ...]:
    ends = np.cumsum(bits[::-1])[::-1]
    return tuple(int(end - width) for end, width in zip(ends, bits, strict=True))


def chunk_radii(radius: int, bits: Sequence[int] = CHUNK_BITS) -> tuple[int, ...]:
    """Per-chunk search radii r_i with Σ(r_i + 1) = radius + 1, larger on the smaller chunks."""
    budget = radius + 1 - len(bits)
    order = sorted(range(len(bits)), key=lambda i: bits[i])
    radii = [budget // len(bits)] * len(bits)
    for i in order[: budget % len(bits)]:
        radii[i] += 1
    return tuple(radii)


def _flip_masks(bits: int, radius: int) -> np.ndarray:
    masks = [0]
    for distance in range(1, radius + 1):
        masks += [sum(1 << b for b in chosen) for chosen in combinations(range(bits), distance)]
    return np.asarray(masks, dtype=np.int64)


class _ChunkTable:
    """Rows grouped by one pHash chunk: ``order[offsets[v]:offsets[v+1]]`` have chunk value v.

    ``fingerprint`` holds, in the same order, 32 of the pHash bits outside the chunk (4
    bytes a row instead of an 8-byte copy of the pHash): a row within radius R of a probe
    is within R on those bits too, so they filter the bucket runs without reading the
    scattered pHash column; the exact distance is checked on the survivors.
    """

    def __init__(self, shift: int, bits: int, phash: np.ndarray) -> None:
        self.shift, self.bits = shift, bits
        keys = self.keys(phash)
        self.order = np.argsort(keys, kind="stable").astype(np.int32)
        self.fingerprint = self.fingerprints(phash[self.order])
        self.offsets = np.zeros((1 << bits) + 1, dtype=np.int32)
        np.cumsum(np.bincount(keys, minlength=1 << bits), out=self.offsets[1:])

    def keys(self, phash: np.ndarray) -> np.ndarray:
        return ((phash >> np.uint64(self.shift)) & np.uint64((1 << self.bits) - 1)).astype(np.int64)

    def fingerprints(self, phash: np.ndarray) -> np.ndarray:
        """The low 32 of the pHash bits outside this chunk, as uint32."""
        low = phash & np.uint64((1 << self.shift) - 1)
        top = self.shift + self.bits
        if top < 64:
            low = low | ((phash >> np.uint64(top)) << np.uint64(self.shift))
        return (low & np.uint64(0xFFFF_FFFF)).astype(np.uint32)

    def merged(self, phash_new: np.ndarray, first_row: int) -> _ChunkTable:
        """A table of these rows plus ``phash_new`` numbered from ``first_row``.

        Linear: each new row's final position is ``offsets[key + 1]`` (after every old row
        with a key ≤ its own) plus its rank among the new rows; the old rows fill the other
        positions in their order.  (Only scatters and masks: numpy releases the GIL in
        them, so a background merge does not stall the event loop.)
        """
        new_keys = self.keys(phash_new)
        new_order = np.argsort(new_keys, kind="stable")
        sorted_keys = new_keys[new_order]
        size = len(self.order) + len(new_keys)
        new_at = self.offsets[sorted_keys + 1].astype(np.int64) + np.arange(len(new_keys))
        old_at = np.ones(size, dtype=bool)
        old_at[new_at] = False
        table = object.__new__(_ChunkTable)
        table.shift, table.bits = self.shift, self.bits
        table.order = np.empty(size, dtype=np.int32)
        table.order[new_at] = new_order + first_row
        table.order[old_at] = self.order
        table.fingerprint = np.empty(size, dtype=np.uint32)
        table.fingerprint[new_at] = self.fingerprints(phash_new[new_order])
        table.fingerprint[old_at] = self.fingerprint
        table.offsets = self.offsets.copy()
        added = np.cumsum(np.bincount(new_keys, minlength=1 << self.bits))
        table.offsets[1:] += added.astype(np.int32)
        return table

    def within(
        self, phashes: np.ndarray, radii: np.ndarray, masks: dict[int, np.ndarray]
    ) -> np.ndarray:
        """Rows found in the buckets around each ``phashes[i]`` (flipping ``masks[radii[i]]``)
        whose fingerprint is within ``radii[i]``: a superset of the rows within the radius
        (callers check the distance).

        All probes at once: the buckets around every probe's chunk value are read in one
        gather, each position remembering which probe asked for it.
        """
        chunks = self.keys(phashes)
        probe_masks = [masks[int(radius)] for radius in radii]
        keys = np.concatenate([m ^ c for m, c in zip(probe_masks, chunks.tolist(), strict=True)])
        per_probe = [len(m) for m in probe_masks]
        starts = self.offsets[keys]
        lengths = self.offsets[keys + 1] - starts
        nonempty = lengths > 0
        starts, lengths = starts[nonempty], lengths[nonempty]
        if not starts.size:
            return _EMPTY_ROWS
        asked = np.repeat(np.arange(len(phashes)), per_probe)[nonempty]
        # positions of every row in the probed buckets: runs starts[i] .. starts[i]+lengths[i]
        steps = np.ones(int(lengths.sum()), dtype=np.int64)
        steps[0] = starts[0]
        steps[np.cumsum(lengths[:-1])] = starts[1:] - (starts[:-1] + lengths[:-1]) + 1
        positions = np.cumsum(steps)
        probe = np.repeat(self.fingerprints(phashes)[asked], lengths)
        radius = np.repeat(radii[asked], lengths)
        close = np.bitwise_count(self.fingerprint[positions] ^ probe) <= radius
        return self.order[positions[close]].astype(np.int64)


MergeRunner = Callable[[Callable[[], None], Callable[[], None]], None]
"""``runner(build, finish)`` runs a merge of a frozen delta into the chunk tables.

It calls ``build()`` once, in any thread (it reads immutable snapshots only and never
raises), then ``finish()`` once on the thread that uses the index, which swaps the new
tables in (``finish`` re-raises a failed build's error after keeping its rows).
"""


def merge_now(build: Callable[[], None], finish: Callable[[], None]) -> None:
    """The synchronous :data:`MergeRunner`: build and swap in at once, on the caller's thread."""
    build()
    finish()


@dataclass(frozen=True, slots=True)
class _Main:
    """The merged rows and their chunk tables (``None`` until the first merge): never mutated."""

    rows: _Rows
    tables: tuple[_ChunkTable, ...] | None


def _merged(main: _Main, columns: Sequence[np.ndarray], bits: Sequence[int]) -> _Main:
    """A new :class:`_Main` of ``main``'s rows plus ``columns``; ``main`` is left as it is."""
    rows = main.rows.extended(*columns)
    if main.tables is None:
        layout = zip(_shifts(bits), bits, strict=True)
        tables = tuple(
            _ChunkTable(shift, width, rows.phash[: rows.size]) for shift, width in layout
        )
    else:
        tables = tuple(table.merged(columns[1], main.rows.size) for table in main.tables)
    return _Main(rows, tables)


class _MergeJob:
    """One build of a new :class:`_Main` from a snapshot and a frozen run; builds once."""

    def __init__(self, main: _Main, run: _Rows, bits: Sequence[int]) -> None:
        self.main, self.run, self.bits = main, run, bits
        self.result: _Main | None = None
        self.error: Exception | None = None
        self._lock = threading.Lock()
        self._started = False
        self._done = threading.Event()

    def build(self) -> None:
        """Build the new main (any thread); later calls wait for the first one instead."""
        with self._lock:
            started, self._started = self._started, True
        if started:
            self._done.wait()
            return
        try:
            self.result = _merged(self.main, self.run.columns(), self.bits)
        except Exception as error:  # handed to finish(), on the index's thread
            self.error = error
        finally:
            self._done.set()


class MultiIndexHashIndex(HashIndex):
    """Multi-index hashing over the 64-bit pHash with a linear delta for fresh rows.

    Rows live in three stores, each row in exactly one: the main tables, at most one
    frozen run being merged in the background, and the delta.  Only one background build
    runs at a time: if the delta fills again meanwhile it keeps growing past ``delta_max``
    (still scanned linearly) and is frozen as soon as the running build is swapped in, so
    adds never block and queries scan at most two linear stores.
    """

    def __init__(
        self,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        delta_max: int = 65_536,
        chunk_bits: Sequence[int] = CHUNK_BITS,
        background_merge: MergeRunner | None = None,
    ) -> None:
        super().__init__(thresholds)
        if sum(chunk_bits) != 64:
            raise ValueError("the chunks must cover the 64 pHash bits")
        self.delta_max = delta_max
        self.background_merge = background_merge
        self._bits = tuple(chunk_bits)
        self._main = _Main(_Rows(0), None)
        self._merging: _Rows | None = None  # the frozen run of the build in flight
        self._job: _MergeJob | None = None
        self._delta = _Rows()
        self._masks: list[dict[int, np.ndarray]] = [{} for _ in self._bits]
        for radius in {thresholds.possible_phash, thresholds.view_phash}:
            self._masks_for(radius)

    @property
    def building(self) -> bool:
        """Whether a merge has been started and not swapped in yet."""
        return self._job is not None

    def _store(self) -> list[_Rows]:
        linear = [self._delta] if self._merging is None else [self._merging, self._delta]
        return [self._main.rows, *linear]

    def _masks_for(self, radius: int) -> None:
        """Compute (once) each chunk's flip masks for a search radius."""
        if radius in self._masks[0]:
            return
        per_chunk = chunk_radii(radius, self._bits)
        for masks, bits, r in zip(self._masks, self._bits, per_chunk, strict=True):
            masks[radius] = _flip_masks(bits, r)

    def _candidates(self, phashes: np.ndarray, radii: np.ndarray) -> list[np.ndarray]:
        main = _EMPTY_ROWS
        for radius in set(radii.tolist()):
            self._masks_for(radius)
        if self._main.tables is not None:
            pairs = zip(self._main.tables, self._masks, strict=True)
            found = [table.within(phashes, radii, masks) for table, masks in pairs]
            main = np.unique(np.concatenate(found))
        return [main, *(rows.within(phashes, radii) for rows in self._store()[1:])]

    def load(self, ids, phashes, pdqs, qualities=None, views=None) -> None:  # type: ignore[no-untyped-def]
        """Bulk-add stored views into the tables, synchronously (waits for a build in flight)."""
        columns = _columns(ids, phashes, pdqs, qualities, views)
        self._settle()
        pending = [self._delta.columns(), columns]
        merged = [np.concatenate(parts) for parts in zip(*pending, strict=True)]
        if len(merged[0]) or self._main.tables is None:
            self._main = _merged(self._main, merged, self._bits)
        self._delta = _Rows()

    def merge(self) -> None:
        """Merge every pending row into the tables now, on this thread."""
        self.load([], [], [])

    def add_hashes(
        self, entry_id: int, phash: int, pdq: str | bytes, quality: int = 100, view: int = 0
    ) -> None:
        self._delta.append(entry_id, phash, pdq_words(pdq), packed_quality(quality, view))
        if self._delta.size >= self.delta_max and self._job is None:
            self._start_merge()

    def _start_merge(self) -> None:
        """Freeze the delta and hand the build of (main + frozen run) to the runner."""
        run, self._delta = self._delta, _Rows()
        job = _MergeJob(self._main, run, self._bits)
        self._merging, self._job = run, job
        runner = self.background_merge or merge_now
        runner(job.build, partial(self._finish, job))

    def _finish(self, job: _MergeJob) -> None:
        """The runner's ``finish``: swap the build in, then freeze the delta again if full."""
        if job is not self._job:
            return  # already swapped in by load()
        error = self._install(job)
        if error is not None:
            raise error
        if self._delta.size >= self.delta_max:
            self._start_merge()

    def _install(self, job: _MergeJob) -> Exception | None:
        """Swap in ``job``'s tables; a failed build's rows go back to the delta instead."""
        job.build()  # returns at once when the runner has built it; else builds or waits
        self._job = None
        if job.result is None:
            run, delta = job.run.columns(), self._delta.columns()
            self._delta = _Rows()
            self._delta.extend(*(np.concatenate(parts) for parts in zip(run, delta, strict=True)))
            self._merging = None
            return job.error
        self._main, self._merging = job.result, None
        return None

    def _settle(self) -> None:
        """Finish the build in flight, if any, here and now (its error is not raised)."""
        if self._job is not None:
            self._install(self._job)

    def __len__(self) -> int:
        linear = sum(rows.size for rows in self._store()[1:])
        return self._main.rows.size + linear
