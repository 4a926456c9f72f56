"""Run a coroutine every few seconds in a running bot until stopped (errors are logged)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Calls ``job`` every ``seconds`` (the first time at once, or after one period when
    ``delay_first``) until :meth:`stop`."""

    def __init__(
        self,
        seconds: float,
        job: Callable[[], Awaitable[object]],
        name: str,
        *,
        delay_first: bool = False,
    ) -> None:
        self._delay_first = delay_first
        self._seconds = seconds
        self._job = job
        self._name = name
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the loop runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop (idempotent)."""
        if not self.running:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def _run(self) -> None:
        if self._delay_first:
            await asyncio.sleep(self._seconds)
        while True:
            try:
                await self._job()
            except Exception:
                log.exception("%s failed; trying again in %s s", self._name, self._seconds)
            await asyncio.sleep(self._seconds)

    async def stop(self) -> None:
        """Stop the loop and wait for it."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
