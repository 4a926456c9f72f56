"""Recheck on a schedule inside a bot process (``leakdesk run``)."""

from __future__ import annotations

import logging

from core.escalation.recheck import RecheckService
from core.notify.periodic import Periodic

log = logging.getLogger(__name__)

FIRST_RUN_DELAY = 60.0
"""Seconds after start-up before the first recheck (the bots connect first)."""


class RecheckSchedule:
    """Runs :meth:`RecheckService.run` every ``interval_hours`` (0: never)."""

    def __init__(
        self,
        service: RecheckService,
        interval_hours: float,
        *,
        first_delay: float = FIRST_RUN_DELAY,
    ) -> None:
        self.service = service
        self.interval = interval_hours * 3600
        self.runs = 0
        self._periodic = Periodic(
            self.interval,
            self._run_once,
            "leakdesk-recheck",
            first_delay=min(first_delay, self.interval),
        )

    @property
    def running(self) -> bool:
        """Whether the schedule is started."""
        return self._periodic.running

    def start(self) -> None:
        """Start the schedule in the background; idempotent, and a no-op when disabled."""
        if self.interval > 0:
            self._periodic.start()

    async def stop(self) -> None:
        """Stop the schedule: a run in progress may finish its current pass, then it is
        cancelled (nothing is half-recorded: each move of requests is one transaction)."""
        await self._periodic.stop()

    async def _run_once(self) -> None:
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
        finally:
            self.runs += 1
