"""Near-duplicate index over (pHash, PDQ) frames, in the style of ThreatExchange's SignalTypeIndex.

Every stored row is one frame of one entry: ``(entry_id, phash, pdq, quality)``.  A
query looks up each query frame as is and mirrored, finds the rows within
``Thresholds.possible_phash`` pHash bits (the candidates), checks them with PDQ and
returns one :class:`Match` per entry with its best tier.

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

_EMPTY_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Match:
    """A stored entry that looks like the query."""

    entry_id: int
    phash_distance: int
    pdq_distance: int
    tier: Tier
    mirrored: bool = False


@dataclass(frozen=True, slots=True)
class _Probe:
    phash: np.uint64
    pdq: np.ndarray  # (4,) uint64
    quality: int
    mirrored: bool


def pdq_words(pdq_hex: str | bytes) -> np.ndarray:
    """A PDQ hash (64 hex digits or 32 bytes) as four uint64 words, the index's layout."""
    raw = bytes.fromhex(pdq_hex) if isinstance(pdq_hex, str) else pdq_hex
    if len(raw) != 32:
        raise ValueError("a PDQ hash has 256 bits")
    return np.frombuffer(raw, dtype=np.uint64).copy()


class _Rows:
    """Growable column store of frames: ids, pHash, PDQ words, PDQ quality."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self.ids = np.zeros(capacity, dtype=np.int64)
        self.phash = np.zeros(capacity, dtype=np.uint64)
        self.pdq = np.zeros((capacity, 4), dtype=np.uint64)
        self.quality = np.zeros(capacity, dtype=np.uint8)
        self._written = [0]  # rows written to these buffers, shared by stores that share them

    def append(self, entry_id: int, phash: int, pdq: np.ndarray, quality: int) -> None:
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

    def within(self, phashes: np.ndarray, radius: int) -> np.ndarray:
        """Rows whose pHash is within ``radius`` bits of any of ``phashes`` (a linear scan)."""
        stored = self.phash[: self.size]
        close = np.zeros(self.size, dtype=bool)
        for phash in phashes:
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
    def _candidates(self, phashes: np.ndarray, radius: int) -> list[np.ndarray]:
        """Rows within ``radius`` pHash bits of any of ``phashes``, per store of :meth:`_store`."""

    @abstractmethod
    def load(
        self,
        ids: Sequence[int] | np.ndarray,
        phashes: Sequence[int] | np.ndarray,
        pdqs: Sequence[str | bytes] | np.ndarray,
        qualities: Sequence[int] | np.ndarray | None = None,
    ) -> None:
        """Bulk-add frames (e.g. at start-up from stored hashes); ids may repeat."""

    @abstractmethod
    def add_hashes(self, entry_id: int, phash: int, pdq: str | bytes, quality: int = 100) -> None:
        """Add one frame; it is visible to the next query."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of stored frames (rows), removed entries included until compaction."""

    def add(self, entry_id: int, signals: ImageSignals) -> None:
        """Add every frame of ``signals`` under ``entry_id`` (videos add nothing)."""
        for frame in signals.frames:
            self._removed.discard(entry_id)
            self.add_hashes(entry_id, frame.phash, frame.pdq, frame.pdq_quality)

    def remove(self, entry_id: int) -> None:
        """Hide every frame of ``entry_id`` from queries."""
        self._removed.add(entry_id)

    def query(self, signals: ImageSignals) -> list[Match]:
        """Entries matching any frame of ``signals``, best first (auto, then by PDQ distance)."""
        probes = _probes(signals)
        if not probes:
            return []
        radius = self.thresholds.possible_phash
        phashes = np.asarray([probe.phash for probe in probes], dtype=np.uint64)
        best: dict[int, tuple[tuple[bool, int, int], Match]] = {}
        for rows, found in zip(self._store(), self._candidates(phashes, radius), strict=True):
            if not found.size:
                continue
            for probe in probes:
                for match in self._verify(rows, found, probe):
                    rank = (match.tier is Tier.AUTO, -match.pdq_distance, -match.phash_distance)
                    if match.entry_id not in best or rank > best[match.entry_id][0]:
                        best[match.entry_id] = (rank, match)
        ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
        return [match for _, match in ranked]

    def _verify(self, rows: _Rows, found: np.ndarray, probe: _Probe) -> Iterable[Match]:
        t = self.thresholds
        phash = np.bitwise_count(rows.phash[found] ^ probe.phash).astype(np.int32)
        close = phash <= t.possible_phash
        if not close.any():
            return
        found, phash = found[close], phash[close]
        pdq = np.bitwise_count(rows.pdq[found] ^ probe.pdq).sum(axis=1, dtype=np.int32)
        quality = np.minimum(rows.quality[found], probe.quality)
        if probe.mirrored:
            auto = (pdq <= t.mirror_auto_pdq) & (phash <= t.mirror_auto_phash)
        else:
            auto = ((pdq <= t.auto_pdq) & (phash <= t.auto_pdq_phash)) | (
                (phash <= t.auto_phash) & (pdq <= t.auto_phash_pdq)
            )
        auto &= quality >= t.min_auto_quality
        ids = rows.ids[found].tolist()
        for entry_id, p, q, a in zip(ids, phash.tolist(), pdq.tolist(), auto.tolist(), strict=True):
            if entry_id not in self._removed:
                yield Match(entry_id, p, q, Tier.AUTO if a else Tier.POSSIBLE, probe.mirrored)


def _probes(signals: ImageSignals) -> list[_Probe]:
    probes = []
    for frame in signals.frames:
        probes.append(
            _Probe(np.uint64(frame.phash), pdq_words(frame.pdq), frame.pdq_quality, False)
        )
        mirror = _Probe(
            np.uint64(frame.phash_mirror), pdq_words(frame.pdq_mirror), frame.pdq_quality, True
        )
        probes.append(mirror)
    return probes


def _columns(
    ids: Sequence[int] | np.ndarray,
    phashes: Sequence[int] | np.ndarray,
    pdqs: Sequence[str | bytes] | np.ndarray,
    qualities: Sequence[int] | np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    id_col = np.asarray(ids, dtype=np.int64)
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
        else np.asarray(qualities, dtype=np.uint8)
    )
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

    def _candidates(self, phashes: np.ndarray, radius: int) -> list[np.ndarray]:
        return [self._rows.within(phashes, radius)]

    def load(self, ids, phashes, pdqs, qualities=None) -> None:  # type: ignore[no-untyped-def]
        self._rows.extend(*_columns(ids, phashes, pdqs, qualities))

    def add_hashes(self, entry_id: int, phash: int, pdq: str | bytes, quality: int = 100) -> None:
        self._rows.append(entry_id, phash, pdq_words(pdq), quality)

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
    """Rows grouped by one pHash chunk: ``order[offsets[v]:offsets[v+1]]`` have chunk value v."""

    def __init__(self, shift: int, bits: int, phash: np.ndarray) -> None:
        self.shift, self.bits = shift, bits
        keys = self.keys(phash)
        self.order = np.argsort(keys, kind="stable").astype(np.int32)
        self.sorted_phash = phash[self.order]
        self.offsets = np.zeros((1 << bits) + 1, dtype=np.int32)
        np.cumsum(np.bincount(keys, minlength=1 << bits), out=self.offsets[1:])

    def keys(self, phash: np.ndarray) -> np.ndarray:
        return ((phash >> np.uint64(self.shift)) & np.uint64((1 << self.bits) - 1)).astype(np.int64)

    def merged(self, phash_new: np.ndarray, first_row: int) -> _ChunkTable:
        """A table of these rows plus ``phash_new`` numbered from ``first_row``."""
        new_keys = self.keys(phash_new)
        new_order = np.argsort(new_keys, kind="stable")
        all_keys = np.concatenate([self.keys(self.sorted_phash), new_keys[new_order]])
        merge = np.argsort(all_keys, kind="stable")  # two sorted runs: a linear merge
        table = object.__new__(_ChunkTable)
        table.shift, table.bits = self.shift, self.bits
        rows = np.concatenate([self.order, (new_order + first_row).astype(np.int32)])
        table.order = rows[merge]
        table.sorted_phash = np.concatenate([self.sorted_phash, phash_new[new_order]])[merge]
        table.offsets = self.offsets.copy()
        added = np.cumsum(np.bincount(new_keys, minlength=1 << self.bits))
        table.offsets[1:] += added.astype(np.int32)
        return table

    def within(self, phashes: np.ndarray, masks: np.ndarray, radius: int) -> np.ndarray:
        """Rows within ``radius`` of any of ``phashes`` found in the buckets around each."""
        found = [self._within_one(phash, masks, radius) for phash in phashes]
        return found[0] if len(found) == 1 else np.concatenate(found)

    def _within_one(self, phash: np.uint64, masks: np.ndarray, radius: int) -> np.ndarray:
        keys = masks ^ ((int(phash) >> self.shift) & ((1 << self.bits) - 1))
        starts = self.offsets[keys]
        lengths = self.offsets[keys + 1] - starts
        nonempty = lengths > 0
        starts, lengths = starts[nonempty], lengths[nonempty]
        if not starts.size:
            return _EMPTY_ROWS
        # positions of every row in the probed buckets: runs starts[i] .. starts[i]+lengths[i]
        steps = np.ones(int(lengths.sum()), dtype=np.int64)
        steps[0] = starts[0]
        steps[np.cumsum(lengths[:-1])] = starts[1:] - (starts[:-1] + lengths[:-1]) + 1
        positions = np.cumsum(steps)
        close = np.bitwise_count(self.sorted_phash[positions] ^ phash) <= radius
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
        radii = chunk_radii(thresholds.possible_phash, self._bits)
        self._masks = [_flip_masks(bits, r) for bits, r in zip(self._bits, radii, strict=True)]

    @property
    def building(self) -> bool:
        """Whether a merge has been started and not swapped in yet."""
        return self._job is not None

    def _store(self) -> list[_Rows]:
        linear = [self._delta] if self._merging is None else [self._merging, self._delta]
        return [self._main.rows, *linear]

    def _candidates(self, phashes: np.ndarray, radius: int) -> list[np.ndarray]:
        main = _EMPTY_ROWS
        if self._main.tables is not None:
            pairs = zip(self._main.tables, self._masks, strict=True)
            found = [table.within(phashes, masks, radius) for table, masks in pairs]
            main = np.unique(np.concatenate(found))
        return [main, *(rows.within(phashes, radius) for rows in self._store()[1:])]

    def load(self, ids, phashes, pdqs, qualities=None) -> None:  # type: ignore[no-untyped-def]
        """Bulk-add frames into the tables, synchronously (waits for a build in flight)."""
        columns = _columns(ids, phashes, pdqs, qualities)
        self._settle()
        pending = [self._delta.columns(), columns]
        merged = [np.concatenate(parts) for parts in zip(*pending, strict=True)]
        if len(merged[0]) or self._main.tables is None:
            self._main = _merged(self._main, merged, self._bits)
        self._delta = _Rows()

    def merge(self) -> None:
        """Merge every pending row into the tables now, on this thread."""
        self.load([], [], [])

    def add_hashes(self, entry_id: int, phash: int, pdq: str | bytes, quality: int = 100) -> None:
        self._delta.append(entry_id, phash, pdq_words(pdq), quality)
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
