"""A bounded pool of killable worker processes for decoding, hashing and HTML parsing.

Decoding a hostile picture or scanning a crafted page must never stall the event loop
nor grow the bot's memory, so both run in worker processes (:mod:`pebble`'s
``ProcessPool``):

* at most ``workers`` items run at once; the rest wait in the pool's queue;
* each item has a time budget: a worker past it is killed and replaced, and the item
  fails with :class:`~core.errors.MediaError`;
* each worker has a memory budget (``RLIMIT_AS``, above what it maps at start): a decode
  that would exceed it raises ``MemoryError`` inside the worker
  (:class:`~core.errors.MediaTooLarge`), and a worker that dies all the same is replaced
  (:class:`~core.errors.MediaError`);
* workers start from a ``forkserver`` (``spawn`` where there is none), never by forking
  the bot process with its event loop and threads.

The pool starts on first use and :meth:`MediaWorkers.close` stops it (and its workers).
Bytes travel to the worker over a pipe and live only in memory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import resource
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from core.errors import MediaError, MediaTooLarge

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_WORKERS = 2
DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY_MB = 1024
_WAITER_THREADS = 64  # items awaited at once; idle threads only wait on a condition
_MAX_TASKS_PER_WORKER = 500  # recycle workers now and then: no slow growth from fragmentation
_PRELOAD = ["core.media.hashing", "core.media.html"]


def _start_context() -> multiprocessing.context.BaseContext:
    """``forkserver`` (workers fork from a clean, preloaded server), else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _limit_worker(memory_bytes: int) -> None:
    """Worker initializer: allow ``memory_bytes`` of address space beyond what the worker
    maps at start (libraries' reservations, e.g. OpenBLAS's per-core buffers, vary by
    machine and would otherwise eat a fixed cap)."""
    if memory_bytes > 0:
        limit = _mapped_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _mapped_bytes() -> int:
    """This process's virtual memory size (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _ready() -> bool:
    """A no-op task: answered once a worker is up."""
    return True


def _result(future: concurrent.futures.Future[T]) -> T:
    """Wait for a pool future in a waiter thread; a future cancelled by the pool's stop is a
    :class:`MediaError`, not a cancellation of the caller."""
    try:
        return future.result()
    except concurrent.futures.CancelledError:
        raise MediaError("media processing is shutting down") from None


class MediaWorkers:
    """Run media tasks in a bounded pool of worker processes with time and memory budgets."""

    def __init__(
        self,
        workers: int = DEFAULT_WORKERS,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> None:
        """``workers`` processes at most; ``timeout`` seconds and ``memory_mb`` MB of address
        space (beyond a fresh worker's) per item (0 for no memory cap).

        ``workers=0`` runs items on a thread of this process instead, without isolation or
        budgets: only for test harnesses that cannot host child processes (simcord's
        virtual clock stops multiprocessing's waits), never for a bot facing the public."""
        self.workers = max(0, workers)
        self.timeout = timeout
        self.memory_bytes = max(0, memory_mb) * 1024 * 1024
        self._pool: ProcessPool | None = None
        self._waiters = ThreadPoolExecutor(_WAITER_THREADS, thread_name_prefix="media-wait")
        self._lock = threading.Lock()
        self._closed = False

    def _start_pool(self) -> ProcessPool:
        """The running pool, started here if needed: called in a waiter thread, because
        starting the forkserver and the workers blocks (about a second the first time)."""
        with self._lock:
            if self._closed:
                raise MediaError("media processing is shutting down")
            if self._pool is None:
                pool = ProcessPool(
                    max_workers=self.workers,
                    max_tasks=_MAX_TASKS_PER_WORKER,
                    initializer=_limit_worker,
                    initargs=(self.memory_bytes,),
                    context=_start_context(),
                )
                pool.schedule(_ready).result()  # the workers are up
                self._pool = pool
            return self._pool

    async def run(self, task: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``task(*args, **kwargs)`` in a worker; its own :class:`MediaError` passes through.

        ``task`` must be importable by name (a module-level function).  A worker that
        runs out of time or dies is replaced and the item fails with a
        :class:`MediaError`; cancelling the caller kills the worker running the item.
        """
        if self._closed:
            raise MediaError("media processing is shutting down")
        if self.workers == 0:
            return await asyncio.to_thread(task, *args, **kwargs)
        loop = asyncio.get_running_loop()
        future_pool = self._pool
        if future_pool is None:
            future_pool = await loop.run_in_executor(self._waiters, self._start_pool)
        future = future_pool.schedule(task, args=args, kwargs=kwargs, timeout=self.timeout)
        try:
            # Awaited through an executor rather than asyncio.wrap_future, so that tools
            # tracking a loop's outstanding work (simcord's settlement) see it as such.
            return await loop.run_in_executor(self._waiters, _result, future)
        except asyncio.CancelledError:
            future.cancel()  # stops the worker running it; frees the waiting thread
            raise
        except concurrent.futures.TimeoutError:
            log.warning("a media item took more than %.0f s; its worker was stopped", self.timeout)
            raise MediaError("the picture took too long to process") from None
        except ProcessExpired as error:
            log.warning("a media worker died (exit code %s); it was replaced", error.exitcode)
            raise MediaError("the picture could not be processed") from None
        except concurrent.futures.BrokenExecutor:
            log.error("the media worker pool broke; it is restarted on the next item")
            with self._lock:
                if self._pool is future_pool:
                    self._pool = None
            raise MediaError("the picture could not be processed") from None
        except MemoryError:
            raise MediaTooLarge("the picture needs too much memory to decode") from None

    async def close(self) -> None:
        """Stop the pool and wait for its workers to exit (running items are cancelled)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            await asyncio.to_thread(pool.join, 10)
        self._waiters.shutdown(wait=False)

    @property
    def started(self) -> bool:
        """Whether worker processes have been started."""
        return self._pool is not None
