"""Benchmark of core.media: hashing throughput and near-duplicate lookups at scale.

    python -m bench.media                       # hashing + 1M and 10M stored hashes
    python -m bench.media --sizes 1000000       # smaller run
    python -m bench.media --no-hashing --queries 1000

Hashing: 1920×1080 JPEGs (scikit-image photos upscaled, with mild sensor-like noise,
quality 85), pHash + PDQ (+ mirror and dihedral variants) on one core, against the
naive pipeline (full decode, imagehash.phash, pdqhash.compute on the full image).
Provenance on vs off there (the target: at most 15 % slower), then on the pictures the
generator-watermark decoder does read (generator-sized PNGs, a JPEG with full chroma).

Lookups: N stored pictures, each two rows as the bot stores them (the frame and its
``INNER`` view: random 64-bit pHashes / 256-bit PDQs), and queries that are noisy copies
of a stored picture (its frame with 0–8 pHash bits and 0–24 PDQ bits flipped, one of its
query views near its stored ``INNER`` row) so every query has a real hit.  Each lookup
is a full ``query(signals)``: the frame, its mirror and its five region views, seven
probes.  faiss-cpu's IndexBinaryFlat (an exhaustive popcount scan, one thread) answers
the same seven range searches over the same 64-bit hashes.

Merges: the first two merges of a full delta (65 536 adds) after a bulk load are timed
synchronously (the longest ``add_hashes`` call is the event-loop freeze it causes), then,
on a freshly loaded index, in the background as MediaMatcher does it
(:class:`~core.media_matching.LoopMerges`) inside an asyncio loop, where a ticker task
sleeping 1 ms measures the longest stall of the loop.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import resource
import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from core.media.hashing import FrameHashes, ImageSignals, hash_image
from core.media.index import LinearIndex, MultiIndexHashIndex
from core.media.sniff import MediaKind
from core.media.thresholds import POSSIBLE_PHASH
from core.media.views import REGIONS, View, ViewHashes
from core.media_matching import LoopMerges

ROWS_PER_PICTURE = 2
"""Stored rows per picture: the frame and its ``INNER`` view (``COLOUR`` only with alpha)."""


def rss_mb() -> float:
    """Current resident set size of this process in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def test_jpegs(count: int = 6) -> list[bytes]:
    """1920×1080 JPEGs (q85) made from scikit-image photos with mild noise."""
    import skimage.data
    from PIL import Image

    rng = np.random.default_rng(7)
    jpegs = []
    for name in ("astronaut", "coffee", "chelsea", "rocket", "motorcycle", "hubble_deep_field")[
        :count
    ]:
        if name == "motorcycle":
            pixels = skimage.data.stereo_motorcycle()[0]
        else:
            pixels = getattr(skimage.data, name)()
        image = (
            Image.fromarray(pixels).convert("RGB").resize((1920, 1080), Image.Resampling.BICUBIC)
        )
        noisy = np.asarray(image, dtype=np.int16) + rng.integers(-4, 5, (1080, 1920, 3))
        buffer = io.BytesIO()
        Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=85)
        jpegs.append(buffer.getvalue())
    return jpegs


def generator_sized_pictures() -> list[bytes]:
    """Pictures the watermark decoder does read: generator-sized lossless PNGs (512², 1024²)
    and a 1080p JPEG q92 with full chroma (4:4:4)."""
    from PIL import Image

    jpegs = test_jpegs(3)
    pictures = []
    for index, data in enumerate(jpegs):
        image = Image.open(io.BytesIO(data)).convert("RGB")
        buffer = io.BytesIO()
        if index == 2:
            image.save(buffer, "JPEG", quality=92, subsampling=0)
        else:
            side = 512 if index == 0 else 1024
            image.resize((side, side), Image.Resampling.LANCZOS).save(buffer, "PNG")
        pictures.append(buffer.getvalue())
    return pictures


def _interleaved(
    functions: dict[str, object], pictures: list[bytes], seconds: float
) -> dict[str, float]:
    """Images per second of each function over ``pictures``, in interleaved rounds."""
    spent = dict.fromkeys(functions, 0.0)
    done = dict.fromkeys(functions, 0)
    for function in functions.values():
        function(pictures[0])  # type: ignore[operator]
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for label, function in functions.items():
            for data in pictures:
                began = time.perf_counter()
                function(data)  # type: ignore[operator]
                spent[label] += time.perf_counter() - began
                done[label] += 1
    return {label: done[label] / spent[label] for label in functions}


def bench_watermark_decoding(seconds: float = 6.0) -> None:
    """Print the cost of provenance on pictures whose watermark is actually decoded."""
    from core.media import watermark

    if not watermark.available():
        print("  watermark decoding: not measured (the provenance extra is not installed)")
        return
    pictures = generator_sized_pictures()
    print("pictures the watermark decoder reads (PNG 512², PNG 1024², JPEG 1080p q92 4:4:4)")
    for index, label in enumerate(("PNG 512x512", "PNG 1024x1024", "JPEG 1920x1080 4:4:4")):
        rates = _interleaved(
            {"off": partial(hash_image, provenance=False), "on": hash_image},
            [pictures[index]],
            seconds / 3,
        )
        extra = 1000 / rates["on"] - 1000 / rates["off"]
        print(
            f"  {label:22s} off {rates['off']:6.1f}/s  on {rates['on']:6.1f}/s  "
            f"(+{extra:.0f} ms a picture)"
        )


def naive_hash(data: bytes) -> tuple[str, int]:
    """The baseline: full-resolution decode, imagehash.phash and pdqhash.compute."""
    import imagehash
    import pdqhash
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    vector, quality = pdqhash.compute(np.asarray(image))
    return str(imagehash.phash(image)), int(quality) + int(vector[0])


def bench_hashing(seconds: float = 6.0) -> None:
    """Print images hashed per second, ours and naive."""
    jpegs = test_jpegs()
    sizes = ", ".join(f"{len(j) // 1000} kB" for j in jpegs)
    print(f"hashing 1920x1080 JPEG q85 ({sizes}), one core")
    functions = {
        "provenance off": partial(hash_image, provenance=False),
        "leakdesk hash_image": hash_image,
        "naive full decode": naive_hash,
    }
    spent = dict.fromkeys(functions, 0.0)
    done = dict.fromkeys(functions, 0)
    for function in functions.values():
        function(jpegs[0])
    # interleaved rounds: a busy machine slows every variant alike
    start = time.perf_counter()
    while time.perf_counter() - start < 3 * seconds:
        for label, function in functions.items():
            for data in jpegs:
                began = time.perf_counter()
                function(data)
                spent[label] += time.perf_counter() - began
                done[label] += 1
    rates = {label: done[label] / spent[label] for label in functions}
    for label, rate in rates.items():
        print(f"  {label:22s} {rate:7.1f} images/s")
    slower = 100 * (1 - rates["leakdesk hash_image"] / rates["provenance off"])
    print(f"  provenance on (the default) costs {slower:+.1f} % of throughput (target <= 15 %)")


def synthetic(
    size: int, queries: int, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[ImageSignals]]:
    """Stored rows of ``size`` pictures (frame + INNER) and queries near random pictures.

    Returns (pHash, PDQ words, views) columns of ``ROWS_PER_PICTURE * size`` rows (row
    ``2 i`` is picture i's frame, ``2 i + 1`` its INNER view) and the query signals.
    """
    rng = np.random.default_rng(seed)
    rows = ROWS_PER_PICTURE * size
    phash = rng.integers(0, 2**64, rows, dtype=np.uint64)
    pdq = rng.integers(0, 2**64, (rows, 4), dtype=np.uint64)
    views = np.tile(np.asarray([View.FULL, View.INNER], dtype=np.int64), size)
    signals = []
    for picture in rng.integers(0, size, queries):
        row = ROWS_PER_PICTURE * int(picture)
        q_phash, q_pdq = _noisy(rng, phash[row], pdq[row])
        mirror_pdq = _random_pdq(rng)
        dihedral = (q_pdq, *[mirror_pdq] * 7)
        near = rng.integers(0, len(REGIONS))  # which region view lands near the INNER row
        region_views = []
        for n, view in enumerate(REGIONS):
            if n == near:
                v_phash, v_pdq = _noisy(rng, phash[row + 1], pdq[row + 1])
            else:
                v_phash, v_pdq = int(rng.integers(0, 2**63)), _random_pdq(rng)
            region_views.append(ViewHashes(view, v_phash, v_pdq, 100))
        frame = FrameHashes(
            q_phash, int(rng.integers(0, 2**63)), q_pdq, 100, dihedral, tuple(region_views)
        )
        signals.append(ImageSignals("image", MediaKind.JPEG, "0" * 64, 1, 1, (frame,)))
    return phash, pdq, views, signals


def _noisy(rng: np.random.Generator, phash: np.uint64, pdq: np.ndarray) -> tuple[int, str]:
    """A stored row with 0–8 pHash bits and 0–24 PDQ bits flipped."""
    q_phash = int(phash)
    for bit in rng.choice(64, int(rng.integers(0, POSSIBLE_PHASH + 1)), replace=False):
        q_phash ^= 1 << int(bit)
    q_pdq = bytearray(pdq.tobytes())
    for bit in rng.choice(256, int(rng.integers(0, 25)), replace=False):
        q_pdq[int(bit) // 8] ^= 1 << (int(bit) % 8)
    return q_phash, bytes(q_pdq).hex()


def _random_pdq(rng: np.random.Generator) -> str:
    return rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def _probe_phashes(signal: ImageSignals) -> np.ndarray:
    """The pHashes one lookup probes: the frame, its mirror and its region views."""
    frame = signal.frames[0]
    values = [frame.phash, frame.phash_mirror, *(view.phash for view in frame.views)]
    return np.asarray(values, dtype=np.uint64)


def timed_queries(index: object, signals: list[ImageSignals]) -> tuple[float, float, float, int]:
    """(lookups/s, p50 ms, p99 ms, lookups that found their planted row)."""
    latencies = []
    hits = 0
    for signal in signals:
        start = time.perf_counter()
        found = index.query(signal)  # type: ignore[attr-defined]
        latencies.append(time.perf_counter() - start)
        hits += bool(found)
    ms = np.asarray(latencies) * 1e3
    return (
        len(ms) / (ms.sum() / 1e3),
        float(np.percentile(ms, 50)),
        float(np.percentile(ms, 99)),
        hits,
    )


def bench_faiss(
    phash: np.ndarray, signals: list[ImageSignals]
) -> tuple[float, float, float, float]:
    """(build s, lookups/s, p50 ms, p99 ms) of faiss IndexBinaryFlat range search, one thread."""
    import faiss

    faiss.omp_set_num_threads(1)
    start = time.perf_counter()
    index = faiss.IndexBinaryFlat(64)
    index.add(phash.view(np.uint8).reshape(-1, 8))
    build = time.perf_counter() - start
    latencies = []
    for signal in signals[: max(50, len(signals) // 10)]:
        probes = _probe_phashes(signal)
        start = time.perf_counter()
        index.range_search(probes.view(np.uint8).reshape(-1, 8), POSSIBLE_PHASH + 1)
        latencies.append(time.perf_counter() - start)
    ms = np.asarray(latencies) * 1e3
    del index
    return (
        build,
        len(ms) / (ms.sum() / 1e3),
        float(np.percentile(ms, 50)),
        float(np.percentile(ms, 99)),
    )


def bench_index(size: int, queries: int, with_linear: bool) -> None:
    """Print build time, memory and lookup figures for one stored-set size."""
    phash, pdq, views, signals = synthetic(size, queries)
    ids = np.repeat(np.arange(size, dtype=np.int64), ROWS_PER_PICTURE)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = MultiIndexHashIndex()
    index.load(ids, phash, pdq, None, views)
    build = time.perf_counter() - start
    gc.collect()
    grown = rss_mb() - before
    rate, p50, p99, hits = timed_queries(index, signals)
    print(f"{size:>11,} stored pictures ({len(phash):,} rows: frame + INNER view)")
    print(
        f"  MultiIndexHashIndex  build {build:6.2f} s  RSS +{grown:6.0f} MB  "
        f"{rate:7.0f} lookups/s  p50 {p50:5.2f} ms  p99 {p99:5.2f} ms  hits {hits}/{len(signals)}"
    )
    bench_sync_merges(index, phash, pdq)
    del index
    gc.collect()
    bench_background_merges(phash, pdq, signals)
    gc.collect()
    if with_linear:
        linear = LinearIndex()
        linear.load(ids, phash, pdq, None, views)
        rate_l, p50_l, p99_l, _ = timed_queries(linear, signals[: max(50, queries // 10)])
        print(f"  LinearIndex (numpy)  {rate_l:7.0f} lookups/s  ", end="")
        print(f"p50 {p50_l:5.2f} ms  p99 {p99_l:5.2f} ms")
        del linear
        gc.collect()
    build_f, rate_f, p50_f, p99_f = bench_faiss(phash, signals)
    print(
        f"  faiss IndexBinaryFlat(64) build {build_f:5.2f} s  {rate_f:7.0f} lookups/s  "
        f"p50 {p50_f:5.2f} ms  p99 {p99_f:5.2f} ms  (x{rate / rate_f:.0f} slower than MIH)"
    )
    print(f"  peak RSS of the benchmark process so far {peak_rss_mb():.0f} MB")


def _add_delta(index: MultiIndexHashIndex, phash: np.ndarray, pdq: np.ndarray) -> list[float]:
    """Add one full delta of rows (near copies of stored ones); each add's duration in s."""
    durations = []
    for _ in range(index.delta_max):
        durations.append(_add_one(index, phash, pdq))
    return durations


def _add_one(index: MultiIndexHashIndex, phash: np.ndarray, pdq: np.ndarray) -> float:
    """Add a near copy of a stored row under a new id; how long ``add_hashes`` took in s."""
    entry = len(index)
    row = entry % len(phash)
    start = time.perf_counter()
    index.add_hashes(entry, int(phash[row]) ^ 1, pdq[row].tobytes(), 100)
    return time.perf_counter() - start


@dataclass
class BackgroundMerge:
    """What one background merge cost the event loop."""

    freeze: float  # the add_hashes call that froze the delta and started the build, s
    build: float  # from that add to the swap, s
    stall: float  # longest extra delay of a 1 ms sleep on the loop during the build, s
    ticks: int
    adds: list[float] = field(default_factory=list)  # add_hashes during the build, s
    lookups: list[float] = field(default_factory=list)  # queries during the build, s


async def _merge_in_background(
    index: MultiIndexHashIndex,
    phash: np.ndarray,
    pdq: np.ndarray,
    signals: list[ImageSignals],
) -> BackgroundMerge:
    """Fill the delta with LoopMerges on; with ``signals``, add and look up every 5 ms."""
    index.background_merge = LoopMerges()
    for _ in range(index.delta_max - 1):  # the delta is empty: no merge yet
        _add_one(index, phash, pdq)
    assert not index.building
    gaps: list[float] = []

    async def tick() -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            gaps.append(time.perf_counter() - start - 0.001)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    result = BackgroundMerge(_add_one(index, phash, pdq), 0.0, 0.0, 0)
    assert index.building
    gaps.clear()
    while index.building:
        if signals:
            result.adds.append(_add_one(index, phash, pdq))
            signal = signals[len(result.lookups) % len(signals)]
            begin = time.perf_counter()
            index.query(signal)
            result.lookups.append(time.perf_counter() - begin)
        await asyncio.sleep(0.005 if signals else 0.001)
    result.build = time.perf_counter() - start
    ticker.cancel()
    result.stall, result.ticks = max(gaps), len(gaps)
    index.background_merge = None
    return result


def bench_sync_merges(index: MultiIndexHashIndex, phash: np.ndarray, pdq: np.ndarray) -> None:
    """Print how long ``add_hashes`` blocks when it merges synchronously (the old way).

    The first merge after a bulk load is the slowest: the row buffers grow into fresh memory.
    """
    for which in ("first", "second"):
        rows = len(index)
        adds = _add_delta(index, phash, pdq)
        print(
            f"  {which} merge of a full delta ({index.delta_max:,} rows) into {rows:,} rows, "
            f"synchronous: add_hashes blocks the loop {max(adds):5.2f} s "
            f"(other adds: median {np.median(adds[:-1]) * 1e6:4.1f} µs)"
        )


def bench_background_merges(
    phash: np.ndarray, pdq: np.ndarray, signals: list[ImageSignals]
) -> None:
    """Print what the first two merges after a bulk load cost the loop with LoopMerges."""
    index = MultiIndexHashIndex()
    index.load(np.arange(len(phash)), phash, pdq)
    first = asyncio.run(_merge_in_background(index, phash, pdq, []))
    print(
        f"  first merge in the background (LoopMerges): the add that freezes the delta blocks "
        f"{first.freeze * 1e3:4.2f} ms; longest loop stall {first.stall * 1e3:5.1f} ms during "
        f"the {first.build:4.2f} s build ({first.ticks} ticks)"
    )
    busy = asyncio.run(_merge_in_background(index, phash, pdq, signals))
    adds, lookups = np.asarray(busy.adds) * 1e3, np.asarray(busy.lookups) * 1e3
    print(
        f"  second, with an add + a lookup every 5 ms: freeze {busy.freeze * 1e3:4.2f} ms; "
        f"longest loop stall {busy.stall * 1e3:5.1f} ms during the {busy.build:4.2f} s build; "
        f"{len(adds)} adds (longest {adds.max():4.2f} ms), lookups p50 "
        f"{np.percentile(lookups, 50):4.2f} ms p99 {np.percentile(lookups, 99):4.2f} ms"
    )


def main() -> None:
    """Parse options and run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--no-hashing", action="store_true")
    parser.add_argument("--linear", action="store_true", help="also time LinearIndex")
    options = parser.parse_args()
    with open("/proc/cpuinfo") as cpuinfo:
        names = [line for line in cpuinfo if line.startswith("model name")]
    models = [line.split(":", 1)[1].strip() for line in names]
    cpu = models[0] if models else "unknown"
    print(f"machine: {os.cpu_count()} cores, {cpu}, numpy {np.__version__}")
    if not options.no_hashing:
        bench_hashing()
        bench_watermark_decoding()
    for size in (int(s) for s in options.sizes.split(",") if s):
        bench_index(size, options.queries, options.linear)


if __name__ == "__main__":
    main()
