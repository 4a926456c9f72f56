"""The media worker pool: real worker processes with time and memory budgets."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import numpy as np
import psutil
import pytest
import pytest_asyncio
from PIL import Image

from core.errors import MediaError, MediaTooLarge, NotAnImage
from core.media.hashing import hash_image
from core.media.html import extract_image_url
from core.media.workers import MediaWorkers
from core.media_matching import MediaMatcher
from tests.media import worker_tasks
from tests.media.photos import photo_jpeg

pytestmark = pytest.mark.asyncio


def pool_processes() -> list[psutil.Process]:
    """Worker processes of this test process: everything below it but the forkserver
    (workers are forked from it, and share its command line) and the resource tracker."""
    found = []
    for child in psutil.Process().children():
        try:
            command = " ".join(child.cmdline())
            below = child.children(recursive=True)
        except psutil.Error:
            continue
        if "forkserver import main" in command:
            found += [p for p in below if p.status() != psutil.STATUS_ZOMBIE]
        elif "resource_tracker" not in command:
            found += [child, *below]
    return found


@pytest_asyncio.fixture
async def workers() -> AsyncIterator[MediaWorkers]:
    pool = MediaWorkers(1, timeout=5.0, memory_mb=768)
    yield pool
    await pool.close()


async def test_hashes_in_a_worker_exactly_as_in_process(workers: MediaWorkers) -> None:
    data = photo_jpeg("chelsea")
    assert await workers.run(hash_image, data) == hash_image(data)
    page = b'<meta property="og:image" content="/a.jpg">'
    found = await workers.run(extract_image_url, page, "https://host.example/p")
    assert found == "https://host.example/a.jpg"
    assert workers.started and len(pool_processes()) == 1


async def test_a_media_error_in_the_worker_passes_through(workers: MediaWorkers) -> None:
    with pytest.raises(NotAnImage, match="not an image"):
        await workers.run(worker_tasks.refuse)
    with pytest.raises(NotAnImage):
        await workers.run(hash_image, b"definitely not a picture")


async def test_an_item_over_its_time_budget_is_stopped_and_its_worker_replaced() -> None:
    pool = MediaWorkers(1, timeout=0.5, memory_mb=0)
    try:
        first = await pool.run(worker_tasks.pid)
        with pytest.raises(MediaError, match="too long"):
            await pool.run(worker_tasks.sleep, 60)
        assert not psutil.pid_exists(first) or psutil.Process(first).status() == "zombie"
        assert await pool.run(worker_tasks.pid) != first  # a fresh worker took over
    finally:
        await pool.close()


async def test_an_item_over_its_memory_budget_fails_cleanly(workers: MediaWorkers) -> None:
    with pytest.raises(MediaTooLarge, match="memory"):
        await workers.run(worker_tasks.allocate, 2048)
    assert await workers.run(worker_tasks.allocate, 16) == 16 * 1024 * 1024


async def test_a_worker_that_dies_is_replaced(workers: MediaWorkers) -> None:
    with pytest.raises(MediaError, match="could not be processed"):
        await workers.run(worker_tasks.die, 3)
    assert await workers.run(worker_tasks.sleep, 0) == "slept"


async def test_a_sixteen_bit_picture_decodes_within_the_memory_budget() -> None:
    """A 23 Mpx 16-bit greyscale PNG (was: float64 copies of every pixel, ~1 GB)."""
    noise = np.random.default_rng(7).integers(0, 65535, (4800, 4800), dtype=np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG", compress_level=1)
    pool = MediaWorkers(1, timeout=60.0, memory_mb=400)
    try:
        signals = await pool.run(hash_image, buffer.getvalue())
    finally:
        await pool.close()
    assert (signals.width, signals.height) == (4800, 4800) and signals.frames


async def test_close_leaves_no_worker_processes_and_refuses_new_items() -> None:
    pool = MediaWorkers(2, timeout=5.0)
    await asyncio.gather(*(pool.run(worker_tasks.sleep, 0.2) for _ in range(4)))
    assert len(pool_processes()) == 2
    await pool.close()
    assert pool_processes() == []
    with pytest.raises(MediaError, match="shutting down"):
        await pool.run(worker_tasks.sleep, 0)


async def test_cancelling_the_caller_stops_the_item() -> None:
    pool = MediaWorkers(1, timeout=30.0, memory_mb=0)
    try:
        first = await pool.run(worker_tasks.pid)
        task = asyncio.create_task(pool.run(worker_tasks.sleep, 60))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await pool.run(worker_tasks.pid) != first  # the busy worker was stopped
    finally:
        await pool.close()


async def test_the_matcher_hashes_attachments_in_its_pool() -> None:
    matcher = MediaMatcher(None, workers=MediaWorkers(1, timeout=10.0))
    try:
        data = photo_jpeg("rocket")
        signals = await matcher.hash_bytes(data)
        assert signals == hash_image(data)
        assert len(pool_processes()) == 1
    finally:
        await matcher.close()
    assert pool_processes() == []


async def test_the_app_hashes_attachments_in_its_pool_and_stops_it_on_close(
    sqlite_url: str,
) -> None:
    from bots.bootstrap import build_app
    from core.model import Attachment, IncomingReport, ReporterRef
    from tests.conftest import make_settings

    app = await build_app(make_settings(sqlite_url, media_workers=1, media_timeout=15.0))
    try:
        assert app.media.workers.workers == 1 and app.media.workers.timeout == 15.0
        report = IncomingReport(
            ReporterRef("test", "1"), [], attachments=[Attachment(photo_jpeg("coins"), "a.jpg")]
        )
        outcome = (await app.intake.submit(report)).outcomes[0]
        assert outcome.new_case and outcome.media_error is None
        assert len(pool_processes()) == 1
    finally:
        await app.close()
    assert pool_processes() == []
