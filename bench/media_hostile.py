"""Hostile media against the bot's media path: event-loop stalls and peak memory.

    python -m bench.media_hostile                 # both measures, default settings
    python -m bench.media_hostile --in-flight 50 --workers 2

Every item is served by a loopback HTTP server (in a child process) and goes through what
the app uses: :class:`~core.media.fetcher.GuardedFetcher` (loopback allowed) and
:class:`~core.media_matching.MediaMatcher` with its worker pool
(:class:`~core.media.workers.MediaWorkers`), i.e. ``MediaMatcher.fetch_and_hash(url)``.

1. Stall: a ticker task sleeping 1 ms on the event loop records its longest lateness while
   the crafted HTML pages (``"<html>" + "<a " * 7000``, 21 KB, and the same pattern at
   1 MB) and the 16-bit greyscale PNGs (7000×7000 in 111 KB; 4800×4800, the largest one
   decoded) are fetched and processed, one after the other and then all at once.
   Target ≤ 20 ms.
2. Memory: ``--in-flight`` hostile items (cycling through the crafted pages, the 16-bit
   PNGs, a 144 Mpx decompression bomb, a TIFF with a 1×1 first page and a 36 Mpx second
   one, a 23 Mpx RGBA PNG and a 16-frame GIF) all submitted at once, each from its own
   host name; the resident memory of the whole process tree (this process, the
   forkserver and the workers) is sampled every 10 ms.  Target peak ≤ 600 MB.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network

import numpy as np
import psutil
from PIL import Image

from core.errors import MediaError
from core.media.fetcher import GuardedFetcher
from core.media.workers import MediaWorkers
from core.media_matching import MediaMatcher

CRAFTED = "<html>" + "<a " * 7000


def _png(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **params)
    return buffer.getvalue()


def hostile_items() -> dict[str, tuple[str, bytes]]:
    """path → (content type, body)."""
    gradient = np.add.outer(np.arange(4800), np.arange(4800)).astype(np.uint16) * 6
    rgba = np.zeros((4800, 4800, 4), np.uint8)
    rgba[..., 0] = np.arange(4800, dtype=np.uint32)[None, :] % 251
    rgba[..., 1] = np.arange(4800, dtype=np.uint32)[:, None] % 241
    rgba[..., 3] = 200
    tiff = io.BytesIO()
    Image.new("L", (1, 1)).save(
        tiff,
        "TIFF",
        save_all=True,
        append_images=[Image.new("L", (6000, 6000), 7)],
        compression="tiff_adobe_deflate",
    )
    gif = io.BytesIO()
    frames = [Image.new("P", (1000, 1000), n) for n in range(16)]
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    return {
        "/crafted-21k.html": ("text/html", CRAFTED.encode()),
        "/crafted-1m.html": ("text/html", (CRAFTED * 48)[:1_000_000].encode()),
        "/i16-7000.png": ("image/png", _png(Image.new("I;16", (7000, 7000)))),
        "/i16-4800.png": ("image/png", _png(Image.fromarray(gradient))),
        "/bomb.png": ("image/png", _png(Image.new("L", (12_000, 12_000)))),
        "/tiff-pages.tif": ("image/tiff", tiff.getvalue()),
        "/rgba-23mpx.png": ("image/png", _png(Image.fromarray(rgba, "RGBA"), compress_level=1)),
        "/frames.gif": ("image/gif", gif.getvalue()),
    }


def serve(items: dict[str, tuple[str, bytes]]) -> ThreadingHTTPServer:
    """A loopback HTTP server in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            content_type, body = items.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in items else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # the fetcher stops reading a page after its head
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Ticker:
    """Sleeps 1 ms in a loop and records how late each wake-up was (wall clock), and how
    much CPU the event-loop thread used in between: a wall lag with little CPU is the OS
    running other processes (this machine is shared), a CPU-heavy one is our own code."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.cpu: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start, start_cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(0.001)
            self.lags.append(time.perf_counter() - start - 0.001)
            self.cpu.append(time.thread_time() - start_cpu)

    def summary(self) -> str:
        """Max and p99 lag, and the most loop-thread CPU between two ticks."""
        p99 = np.percentile(self.lags, 99) * 1000
        return (
            f"max {max(self.lags) * 1000:5.1f} ms, p99 {p99:4.1f} ms"
            f" (loop CPU between ticks ≤ {max(self.cpu) * 1000:4.1f} ms)"
        )

    def __enter__(self) -> Ticker:
        self.lags.clear()
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


class TreeMemory(threading.Thread):
    """Samples the memory of this process and all its descendants: the sum of their resident
    sets every 10 ms (pages shared by the forked workers count once per process), and of
    their proportional sets (PSS, shared pages split between sharers) every 100 ms."""

    def __init__(self, exclude: int, every: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.exclude = exclude
        self.every = every
        self.peak = 0
        self.peak_pss = 0
        self.peaks: dict[str, int] = {}
        self._done = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        samples = 0
        while not self._done.is_set():
            processes = [p for p in [me, *me.children(recursive=True)] if p.pid != self.exclude]
            total = pss = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    rss = process.memory_info().rss
                    total += rss
                    role = "this process" if process.pid == me.pid else f"child {process.pid}"
                    self.peaks[role] = max(self.peaks.get(role, 0), rss)
                    if samples % 10 == 0:
                        pss += process.memory_full_info().pss
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)
            samples += 1
            self._done.wait(self.every)

    def stop(self) -> tuple[int, int]:
        """Stop sampling; returns the peak RSS and PSS sums in bytes."""
        self._done.set()
        self.join()
        return self.peak, self.peak_pss


async def outcome(matcher: MediaMatcher, url: str) -> str:
    try:
        signals = await matcher.fetch_and_hash(url)
    except MediaError as error:
        return f"error: {error}"
    return f"hashed {signals.width}×{signals.height}, {len(signals.frames)} frame(s)"


def start_server() -> tuple[subprocess.Popen[bytes], int, dict[str, int]]:
    """The loopback server in a child process (its memory and CPU are not the bot's)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.media_hostile", "--serve"], stdout=subprocess.PIPE
    )
    assert server.stdout is not None
    header = json.loads(server.stdout.readline())
    return server, header["port"], header["sizes"]


def run_server() -> None:
    """``--serve``: build the items, serve them, print the port and sizes as JSON."""
    items = hostile_items()
    server = serve(items)
    sizes = {path: len(body) for path, (_type, body) in items.items()}
    print(json.dumps({"port": server.server_address[1], "sizes": sizes}), flush=True)
    threading.Event().wait()


async def main(workers: int, in_flight: int) -> None:
    server_process, port, items = start_server()
    hosts = [f"h{n}.test" for n in range(max(in_flight, 1))]

    async def resolve(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.1"]

    fetcher = GuardedFetcher(allow_networks=[ip_network("127.0.0.1/32")], resolver=resolve)
    matcher = MediaMatcher(fetcher, workers=MediaWorkers(workers))
    print(f"workers {workers}, items: " + ", ".join(f"{p} {n:,} B" for p, n in items.items()))
    await matcher.fetch_and_hash(f"http://h0.test:{port}/frames.gif")  # start the pool

    stall = ["/crafted-21k.html", "/crafted-1m.html", "/i16-7000.png", "/i16-4800.png"]
    for path in stall:
        with Ticker() as ticker:
            started = time.perf_counter()
            result = await outcome(matcher, f"http://h0.test:{port}{path}")
            took = time.perf_counter() - started
        print(f"stall {path:20} {ticker.summary()}, {took:5.2f} s: {result}")
    with Ticker() as ticker:
        urls = [f"http://{hosts[n % len(hosts)]}:{port}{path}" for n, path in enumerate(stall)]
        await asyncio.gather(*(outcome(matcher, url) for url in urls))
    print(f"stall all four at once      {ticker.summary()}")

    paths = list(items)
    memory = TreeMemory(exclude=server_process.pid)
    memory.start()
    with Ticker() as ticker:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                outcome(matcher, f"http://{hosts[n]}:{port}{paths[n % len(paths)]}")
                for n in range(in_flight)
            )
        )
        took = time.perf_counter() - started
    peak, peak_pss = memory.stop()
    print(
        f"{in_flight} hostile items at once: process tree peak RSS {peak / 2**20:,.0f} MB "
        f"(PSS {peak_pss / 2**20:,.0f} MB), "
        f"all done in {took:.1f} s; loop stall {ticker.summary()}"
    )
    largest = sorted(memory.peaks.items(), key=lambda item: -item[1])[:4]
    print("  largest peaks: " + ", ".join(f"{role} {rss / 2**20:,.0f} MB" for role, rss in largest))
    for text, count in Counter(results).most_common():
        print(f"  {count:3} × {text}")
    await matcher.close()
    server_process.kill()
    server_process.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        run_server()
    else:
        asyncio.run(main(arguments.workers, arguments.in_flight))
