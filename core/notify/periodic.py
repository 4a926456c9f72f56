"""Run a coroutine every few seconds in a running bot until stopped (errors are logged)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger(__name__)

#: how long stopping waits for a job under way before cancelling it
STOP_GRACE = 10.0


class Periodic:
    """Calls ``job`` every ``seconds`` until :meth:`stop`: the first time at once, after one
    period when ``delay_first``, or after ``first_delay`` seconds when that is given."""

    def __init__(
        self,
        seconds: float,
        job: Callable[[], Awaitable[object]],
        name: str,
        *,
        delay_first: bool = False,
        first_delay: float | None = None,
    ) -> None:
        if first_delay is None:
            first_delay = seconds if delay_first else 0.0
        self._first_delay = first_delay
        self._seconds = seconds
        self._job = job
        self._name = name
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._busy = False

    @property
    def running(self) -> bool:
        """Whether the loop runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop (idempotent)."""
        if not self.running:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def _run(self) -> None:
        if self._first_delay > 0 and await self._stopping_within(self._first_delay):
            return
        while True:
            self._busy = True
            try:
                await self._job()
            except Exception:
                log.exception("%s failed; trying again in %s s", self._name, self._seconds)
            finally:
                self._busy = False
            if await self._stopping_within(self._seconds):
                return

    async def _stopping_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop the loop and wait for it: a job under way may finish (up to ``grace``
        seconds), so a message sent is also recorded as sent; then it is cancelled."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        if self._busy:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), grace)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class JobGate:
    """Marks a periodic job under way, so that stopping may let it finish first (a message
    sent is then also recorded as sent) — for loops run by a chat library's own scheduler."""

    def __init__(self) -> None:
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Hold the gate for one run of the job."""
        self._idle.clear()
        try:
            yield
        finally:
            self._idle.set()

    async def settle(self, grace: float = STOP_GRACE) -> None:
        """Wait (up to ``grace`` seconds) for a run under way to end."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)
