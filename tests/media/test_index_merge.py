"""Merging the multi-index delta: synchronously, deferred, and in a worker thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from core.media.index import HashIndex, MultiIndexHashIndex, _ChunkTable
from core.media_matching import MediaMatcher
from core.ports import FrameSignals, StoredSignal
from tests.media.test_index import IndexContract, _signals

DELTA = 64


class ManualRunner:
    """A merge runner that only records the jobs; the test runs build and finish itself."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], None], Callable[[], None]]] = []

    def __call__(self, build: Callable[[], None], finish: Callable[[], None]) -> None:
        self.jobs.append((build, finish))


class ThreadRunner:
    """Builds in a new thread at once; ``finish_all`` swaps the results in on this thread."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.finishes: list[Callable[[], None]] = []
        self.build_threads: list[threading.Thread] = []

    def __call__(self, build: Callable[[], None], finish: Callable[[], None]) -> None:
        def record_and_build() -> None:
            self.build_threads.append(threading.current_thread())
            build()

        thread = threading.Thread(target=record_and_build)
        thread.start()
        self.threads.append(thread)
        self.finishes.append(finish)

    def finish_all(self) -> None:
        while self.finishes:
            self.threads.pop(0).join(timeout=30)
            self.finishes.pop(0)()


class HeldBuild:
    """Patches the chunk-table merge so that a build stops mid-way until released.

    By then the build has already written the new rows into the row buffers.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.reached = threading.Event()
        self.threads: set[threading.Thread] = set()
        original = _ChunkTable.merged

        def held(table: _ChunkTable, phash_new: np.ndarray, first_row: int) -> _ChunkTable:
            self.threads.add(threading.current_thread())
            self.reached.set()
            if not self.release.wait(timeout=20):
                raise TimeoutError("the held build was never released")
            return original(table, phash_new, first_row)

        monkeypatch.setattr(_ChunkTable, "merged", held)


def _stored_ids(index: MultiIndexHashIndex) -> list[int]:
    """Entry ids of every stored row, across main, frozen run and delta."""
    return sorted(int(i) for rows in index._store() for i in rows.ids[: rows.size])


def _hits(index: MultiIndexHashIndex, phash: int) -> list[int]:
    """Ids of the rows with exactly ``phash``, one per stored row found (duplicates kept)."""
    probes = np.asarray([phash], dtype=np.uint64)
    found = zip(index._store(), index._candidates(probes, np.zeros(1, np.int32)), strict=True)
    return [int(rows.ids[i]) for rows, rows_found in found for i in rows_found]


class Rows:
    """Random rows added one at a time, each under its own entry id."""

    def __init__(self, index: MultiIndexHashIndex, seed: int = 11) -> None:
        self.index = index
        self.rng = np.random.default_rng(seed)
        self.phashes: list[int] = []

    def add(self, count: int = 1) -> None:
        for _ in range(count):
            entry = len(self.phashes)
            phash = int(self.rng.integers(0, 2**64, dtype=np.uint64))
            self.phashes.append(phash)
            self.index.add_hashes(entry, phash, f"{entry:064x}")

    def check(self, sample: int = 25) -> None:
        """Every row is stored once; a sample (and the newest row) is found exactly once."""
        assert _stored_ids(self.index) == list(range(len(self.phashes)))
        assert len(self.index) == len(self.phashes)
        if not self.phashes:
            return
        entries = {len(self.phashes) - 1, *self.rng.integers(0, len(self.phashes), sample)}
        for entry in map(int, entries):
            assert _hits(self.index, self.phashes[entry]) == [entry]
            [match] = self.index.query(_signals(self.phashes[entry], entry))
            assert (match.entry_id, match.phash_distance, match.pdq_distance) == (entry, 0, 0)


def test_without_a_runner_the_merge_is_synchronous() -> None:
    index = MultiIndexHashIndex(delta_max=DELTA)
    rows = Rows(index)
    rows.add(DELTA - 1)
    assert index._delta.size == DELTA - 1 and index._main.tables is None
    rows.add()
    assert not index.building
    assert index._main.rows.size == DELTA and index._delta.size == 0
    assert len(index._store()) == 2
    rows.add(5 * DELTA + 3)
    assert index._main.rows.size == 6 * DELTA and index._delta.size == 3
    rows.check()


def test_rows_are_found_once_before_during_and_after_deferred_merges() -> None:
    runner = ManualRunner()
    index = MultiIndexHashIndex(delta_max=DELTA, background_merge=runner)
    rows = Rows(index)
    index.load([], [], [])  # empty tables: later merges go through _ChunkTable.merged
    steps = np.random.default_rng(3)
    swaps = 0
    for _ in range(3000):
        rows.add()
        if runner.jobs and steps.random() < 0.02:
            build, finish = runner.jobs.pop(0)
            rows.check(5)  # frozen run not built yet
            build()
            rows.check(5)  # built, not swapped in: the frozen run is still what is read
            finish()
            swaps += 1
        if steps.random() < 0.05:
            rows.check(5)
    rows.check(200)
    assert swaps > 10
    # the delta kept growing past delta_max while a build was pending, never a second job
    assert len(runner.jobs) <= 1
    assert index._main.rows.size > 2000


def test_a_second_full_delta_waits_for_the_running_build() -> None:
    runner = ManualRunner()
    index = MultiIndexHashIndex(delta_max=DELTA, background_merge=runner)
    rows = Rows(index)
    rows.add(DELTA)
    assert index.building and len(runner.jobs) == 1 and index._delta.size == 0
    rows.add(3 * DELTA)  # full three times over while the first build is pending
    assert len(runner.jobs) == 1 and index._delta.size == 3 * DELTA
    rows.check()
    build, finish = runner.jobs.pop()
    build()
    finish()  # swaps in the first run and freezes the grown delta at once
    assert index._main.rows.size == DELTA and len(runner.jobs) == 1
    assert index._merging is not None and index._merging.size == 3 * DELTA
    rows.check()
    build, finish = runner.jobs.pop()
    build()
    finish()
    assert not index.building and index._main.rows.size == 4 * DELTA
    rows.check()


def test_queries_during_a_threaded_build_held_mid_way(monkeypatch: pytest.MonkeyPatch) -> None:
    held = HeldBuild(monkeypatch)
    runner = ThreadRunner()
    index = MultiIndexHashIndex(delta_max=DELTA, background_merge=runner)
    rows = Rows(index)
    index.load([], [], [])
    for _ in range(4):
        held.release.clear()
        held.reached.clear()
        rows.add(DELTA + 17)  # fills the delta: a build starts in a thread and stops mid-way
        assert held.reached.wait(timeout=10)
        assert index.building
        rows.check()
        rows.add(2 * DELTA)  # adds keep going while the build is held
        rows.check()
        held.release.set()
        runner.finish_all()
        assert not index.building and index._delta.size < DELTA
        rows.check()
    assert threading.main_thread() not in held.threads
    assert len(runner.build_threads) >= 4 and threading.main_thread() not in runner.build_threads
    rows.add(3 * DELTA)
    held.release.set()
    runner.finish_all()
    rows.check(300)


def test_load_waits_for_a_build_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    held = HeldBuild(monkeypatch)
    runner = ThreadRunner()
    index = MultiIndexHashIndex(delta_max=DELTA, background_merge=runner)
    rows = Rows(index)
    index.load([], [], [])
    rows.add(DELTA + 5)
    assert held.reached.wait(timeout=10)
    threading.Timer(0.2, held.release.set).start()
    start = time.perf_counter()
    entry = len(rows.phashes)
    index.load([entry], [12345], [f"{entry:064x}"])
    assert time.perf_counter() - start >= 0.15  # it waited for the held build
    rows.phashes.append(12345)
    assert not index.building and index._delta.size == 0
    runner.finish_all()  # the runner's late finish is a no-op
    assert index._main.rows.size == DELTA + 6
    rows.check()


def test_load_builds_a_job_the_runner_has_not_started() -> None:
    runner = ManualRunner()
    index = MultiIndexHashIndex(delta_max=DELTA, background_merge=runner)
    rows = Rows(index)
    rows.add(DELTA + 2)
    index.merge()
    assert not index.building and index._main.rows.size == DELTA + 2
    build, finish = runner.jobs.pop()
    build()  # already built by merge(): returns at once
    finish()
    rows.check()
    rows.add(DELTA)
    assert index.building
    rows.check()


def test_a_failed_build_keeps_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    failures = [MemoryError("no room")]
    original = _ChunkTable.merged

    def failing(table: _ChunkTable, phash_new: np.ndarray, first_row: int) -> _ChunkTable:
        if failures:
            raise failures.pop()
        return original(table, phash_new, first_row)

    monkeypatch.setattr(_ChunkTable, "merged", failing)
    index = MultiIndexHashIndex(delta_max=DELTA)
    rows = Rows(index)
    index.load([], [], [])
    rows.add(DELTA - 1)
    with pytest.raises(MemoryError):
        rows.add()  # synchronous mode: the error reaches the caller, the row stays
    assert not index.building and index._delta.size == DELTA
    rows.check()
    rows.add()  # the next add retries the merge
    assert index._main.rows.size == DELTA + 1 and index._delta.size == 0
    rows.check()

    failures.append(MemoryError("again"))
    runner = ManualRunner()
    index.background_merge = runner
    rows.add(DELTA)
    build, finish = runner.jobs.pop()
    build()
    with pytest.raises(MemoryError):
        finish()
    assert not index.building
    rows.check()
    rows.add()
    build, finish = runner.jobs.pop()
    build()
    finish()
    assert index._main.rows.size == 2 * DELTA + 2
    rows.check()


def test_merged_rows_share_buffers_only_with_the_snapshot_they_extend() -> None:
    index = MultiIndexHashIndex(delta_max=DELTA)
    index.load(np.arange(10), np.arange(10, dtype=np.uint64), np.zeros((10, 4), np.uint64))
    base = index._main.rows
    base_ids = base.ids.copy()
    columns = (np.arange(3), np.ones(3, np.uint64), np.zeros((3, 4), np.uint64), np.ones(3))
    grown = base.extended(*columns)  # copies: no room in the buffers
    again = grown.extended(*columns)  # room: shares grown's buffers
    assert again.ids is grown.ids and again.size == 16 and grown.size == 13
    columns = (np.arange(3) + 100, *columns[1:])
    other = grown.extended(*columns)  # grown's tail is taken: must copy, not overwrite
    assert other.ids is not grown.ids and other.ids[13:16].tolist() == [100, 101, 102]
    assert np.array_equal(base.ids[:10], base_ids[:10]) and base.size == 10
    assert again.ids[13:16].tolist() == [0, 1, 2]


class TestBackgroundIndexContract(IndexContract):
    """The shared behaviour, with every build left running in its thread, never swapped in."""

    def make(self) -> HashIndex:
        return MultiIndexHashIndex(delta_max=128, background_merge=ThreadRunner())


class TestDeferredIndexContract(IndexContract):
    """The shared behaviour, with builds never even started."""

    def make(self) -> HashIndex:
        return MultiIndexHashIndex(delta_max=128, background_merge=ManualRunner())


def _stored(creator: str, case_id: int, phash: int) -> StoredSignal:
    sha256 = f"{case_id:063x}f"  # never the query's sha256 ("0" * 64): no exact match
    return StoredSignal(creator, case_id, sha256, (FrameSignals(phash, "00" * 32, 90),))


async def _ticks(counter: list[int], gaps: list[float]) -> None:
    while True:
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        gaps.append(time.perf_counter() - start)
        counter[0] += 1


async def test_matcher_loop_keeps_ticking_while_a_merge_builds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held = HeldBuild(monkeypatch)
    matcher = MediaMatcher(None)
    rng = np.random.default_rng(9)
    phashes = [int(p) for p in rng.integers(0, 2**64, 65_536 + 10, dtype=np.uint64)]
    matcher.load([_stored("alice", 0, phashes[0])])  # main tables: later merges are held
    counter, gaps = [0], []
    ticker = asyncio.create_task(_ticks(counter, gaps))
    try:
        for case_id, phash in enumerate(phashes[1:], start=1):
            matcher.remember(_stored("alice", case_id, phash))  # the 65 536th starts a build
        index = matcher.index("alice")
        assert isinstance(index, MultiIndexHashIndex) and index.building
        assert await asyncio.to_thread(held.reached.wait, 10)
        before = counter[0]
        while counter[0] < before + 20:  # the loop runs while the build is held mid-way
            await asyncio.sleep(0.001)
        assert index.building
        for case_id in (0, 1, 65_536, 65_545):  # main, frozen run (twice), delta
            signals = _signals(phashes[case_id], 0)
            assert matcher.match("alice", signals).case_id == case_id
        held.release.set()
        for _ in range(2000):
            if not index.building:
                break
            await asyncio.sleep(0.005)
        assert not index.building and index._main.rows.size == 65_537
        assert threading.main_thread() not in held.threads
        assert matcher.match("alice", _signals(phashes[65_000], 0)).case_id == 65_000
    finally:
        ticker.cancel()


async def test_matcher_real_merge_stalls_the_loop_far_less_than_a_synchronous_one() -> None:
    rng = np.random.default_rng(4)
    size, delta = 1_000_000, 4096
    phash = rng.integers(0, 2**64, size, dtype=np.uint64)
    pdq = np.zeros((size, 4), dtype=np.uint64)
    extra = [int(p) for p in rng.integers(0, 2**64, delta, dtype=np.uint64)]

    index = MultiIndexHashIndex(delta_max=delta)
    index.load(np.arange(size), phash, pdq)
    started = time.perf_counter()
    for i, p in enumerate(extra):
        index.add_hashes(size + i, p, bytes(32))
    synchronous = time.perf_counter() - started
    assert not index.building and index._main.rows.size == size + delta

    # a merge that stalls the loop stalls it every time; a pause of the machine's own (another
    # process, a collection of garbage earlier tests left) does not come back three times
    tries = []
    for _ in range(3):
        blocked, stall = await _background_merge(size, delta, phash, pdq, extra)
        tries.append((blocked, stall))
        if blocked < synchronous / 3 and stall < synchronous / 3:
            break
    else:
        raise AssertionError(f"the merge stalled the loop: {tries}, synchronous {synchronous}")


async def _background_merge(
    size: int, delta: int, phash: np.ndarray, pdq: np.ndarray, extra: list[int]
) -> tuple[float, float]:
    """(longest ``remember`` call, longest loop stall) while a real merge builds."""
    matcher = MediaMatcher(None)
    background = matcher.index("bob")
    assert isinstance(background, MultiIndexHashIndex)
    background.delta_max = delta
    background.load(np.arange(size), phash, pdq)
    blocked = 0.0
    for i, p in enumerate(extra):
        start = time.perf_counter()
        matcher.remember(_stored("bob", size + i, p))
        blocked = max(blocked, time.perf_counter() - start)
    assert background.building
    counter, gaps = [0], []
    ticker = asyncio.create_task(_ticks(counter, gaps))  # ticks only while the build runs
    try:
        while background.building:
            await asyncio.sleep(0.001)
        assert background._main.rows.size == size + delta
        assert matcher.match("bob", _signals(extra[-1], 0)).case_id == size + delta - 1
    finally:
        ticker.cancel()
    assert len(gaps) >= 10  # the loop ticked while the build ran
    return blocked, max(gaps) - 0.001


def test_matcher_load_bulk_loads_each_creator_into_the_tables() -> None:
    matcher = MediaMatcher(None)
    far = 0xFFFF_0000_FFFF_0000
    signals = [_stored("alice", 1, 0xAAAA), _stored("bob", 2, far), _stored("alice", 3, 7)]
    assert matcher.load(signals) == 3
    alice, bob = matcher.index("alice"), matcher.index("bob")
    assert isinstance(alice, MultiIndexHashIndex) and isinstance(bob, MultiIndexHashIndex)
    assert alice._main.rows.size == 2 and alice._delta.size == 0 and len(bob) == 1
    assert alice.background_merge is matcher.merges
    assert matcher.match("alice", _signals(7, 0)).case_id == 3
    assert matcher.match("alice", _signals(far, 0)).case_id is None
    assert matcher.match("bob", _signals(far, 0)).case_id == 2
    assert matcher._exact[("alice", f"{1:063x}f")] == 1
