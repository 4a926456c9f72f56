"""The hostile picture zoo through the app's real worker pool: a clear answer, bounded cost.

Each item is sent as a report attachment (with a link, so the report itself is recorded);
the pool's worker processes decode it.  Per item: the reason the reporter is given, the CPU
time the workers spent (≤ 2 s) and the workers' peak resident memory (≤ 300 MB, read from
``VmHWM`` after resetting it through ``/proc/<pid>/clear_refs``, so no peak is missed
between samples).  Two items are valid pictures and are hashed, not refused: a GIF of
2,000 frames (its first frames are hashed) and a JPEG with broken EXIF (the EXIF is ignored).
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from bots.bootstrap import App
from core.model import Attachment, IncomingReport, ReporterRef
from tests.media.zoo import zoo
from tests.storage.test_image_intake import ORIGINAL

MAX_CPU_SECONDS = 2.0
MAX_RSS_MB = 300
#: wall time allowed per item on a loaded 2-core machine (the CPU bound is the real one)
MAX_WALL_SECONDS = 15.0

#: item -> words its refusal must contain (None: a valid picture, hashed)
EXPECTED: dict[str, tuple[str, ...] | None] = {
    "truncated.jpg": ("could not be decoded",),
    "bomb.png": ("too many pixels",),
    "30000x30000.png": ("too many pixels",),
    "2000-frames.gif": None,
    "16-bit.png": ("too many pixels", "7000×7000"),
    "32-bit-int.tiff": ("too many pixels", "7000×7000"),
    "32-bit-float.tiff": ("too many pixels", "7000×7000"),
    "multi-page.tiff": ("frame 2", "too many pixels"),
    "broken-exif.jpg": None,
    "drawing.svg": ("not an image",),
    "archive.jpg": ("not an image",),
    "empty.jpg": ("not an image",),
}


def _workers() -> list[psutil.Process]:
    """The media pool's processes (the forkserver and its workers) under this process."""
    return [p for p in psutil.Process().children(recursive=True) if p.is_running()]


def _reset_peaks(processes: list[psutil.Process]) -> None:
    for process in processes:
        Path(f"/proc/{process.pid}/clear_refs").write_text("5")  # resets VmHWM


def _peak_rss_mb(processes: list[psutil.Process]) -> float:
    peaks = [0.0]
    for process in processes:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except FileNotFoundError:  # a worker killed and replaced (a broken budget)
            continue
        kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
        peaks.append(int(kb) / 1024)
    return max(peaks)


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def _submit(app: App, n: int, name: str, data: bytes):  # type: ignore[no-untyped-def]
    report = IncomingReport(
        ReporterRef("test", f"zoo-{n}"),
        [f"https://example.com/zoo/{n}"],
        attachments=[Attachment(data, name)],
    )
    return await app.intake.submit(report)


@pytest.fixture(scope="module")
def items() -> dict[str, bytes]:
    return zoo()


async def test_every_zoo_item_gets_a_clear_answer_within_budget(
    sqlite_app: App, items: dict[str, bytes]
) -> None:
    assert set(items) == set(EXPECTED)
    warm = await _submit(sqlite_app, 0, "warm.jpg", ORIGINAL)  # starts the pool
    assert warm.rejected == [] and len(warm.outcomes) == 2
    # the instruments see the workers' work: a real photo costs CPU there, not here
    workers = _workers()
    assert len(workers) >= 2  # the forkserver and at least one worker
    _reset_peaks(workers)
    cpu_before = _cpu_seconds(workers)
    await _submit(sqlite_app, 0, "again.jpg", ORIGINAL)
    photo_cpu = _cpu_seconds(workers) - cpu_before
    assert photo_cpu > 0.0 and _peak_rss_mb(workers) > 20
    figures = []
    for n, (name, data) in enumerate(items.items(), start=1):
        workers = _workers()
        assert workers, "the media pool runs in child processes"
        _reset_peaks(workers)
        cpu_before = _cpu_seconds(workers)
        started = time.perf_counter()
        result = await _submit(sqlite_app, n, name, data)
        wall = time.perf_counter() - started
        cpu = _cpu_seconds(workers) - cpu_before
        peak = _peak_rss_mb(workers)
        figures.append(f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MB")

        assert len(result.outcomes) >= 1, name  # the link is recorded whatever the picture
        expected = EXPECTED[name]
        if expected is None:
            assert result.rejected == [], (name, result.rejected)
            assert any(o.link is None and o.media_error is None for o in result.outcomes), name
        else:
            assert len(result.rejected) == 1, (name, result.rejected)
            reason = result.rejected[0].reason
            assert all(word in reason for word in expected), (name, reason)
            assert "Traceback" not in reason and len(reason) < 120, reason
        assert cpu <= MAX_CPU_SECONDS, figures[-1]
        assert peak <= MAX_RSS_MB, figures[-1]
        assert wall <= MAX_WALL_SECONDS, figures[-1]
    print("\n".join(figures))
