"""Recheck on a schedule inside a bot process (``leakdesk run``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from core.escalation.recheck import RecheckService

log = logging.getLogger(__name__)

FIRST_RUN_DELAY = 60.0
"""Seconds after start-up before the first recheck (the bots connect first)."""


class RecheckSchedule:
    """Runs :meth:`RecheckService.run` every ``interval_hours`` (0: never).

    Its waits are plain ``asyncio.sleep`` rather than :class:`core.notify.periodic.Periodic`'s
    ``wait_for`` on an event: discord.py's test harness (simcord) advances virtual time only
    across sleeps it recognises, and a bot started with rechecks on must settle in it."""

    def __init__(
        self,
        service: RecheckService,
        interval_hours: float,
        *,
        first_delay: float = FIRST_RUN_DELAY,
    ) -> None:
        self.service = service
        self.interval = interval_hours * 3600
        self.first_delay = first_delay
        self.runs = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the schedule is started."""
        return self._task is not None

    def start(self) -> None:
        """Start the schedule in the background; idempotent, and a no-op when disabled."""
        if self._task is None and self.interval > 0:
            self._task = asyncio.create_task(self._loop(), name="leakdesk-recheck")

    async def stop(self) -> None:
        """Stop the schedule (a run in progress is cancelled; nothing is half-recorded:
        each move of requests is one transaction)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        await asyncio.sleep(min(self.first_delay, self.interval))
        while True:
            try:
                summary = await self.service.run()
                log.info(
                    "recheck: %d link(s) checked, %d removed, %d alive, %d error(s); "
                    "%d request(s) marked removed, %d reopened",
                    summary.checked,
                    summary.removed,
                    summary.alive,
                    summary.errors,
                    summary.marked_removed,
                    summary.reopened,
                )
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: try again at the next run
                log.exception("recheck failed")
            self.runs += 1
            await asyncio.sleep(self.interval)
