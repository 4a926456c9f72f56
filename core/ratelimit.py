"""Per-reporter rate limits (the ``limits`` library's moving window, in memory)."""

from __future__ import annotations

import time

from limits import parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from core.errors import RateLimited


class ReporterRateLimit:
    """Refuses a reporter who exceeds any of the configured rates (e.g. ``20/minute;200/hour``)."""

    def __init__(self, rates: str) -> None:
        self._items = parse_many(rates) if rates else []
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, reporter: str, cost: int = 1) -> None:
        """Count ``cost`` reports for ``reporter``; raise :class:`RateLimited` when over a limit."""
        for item in self._items:
            if not await self._limiter.hit(item, reporter, cost=cost):
                stats = await self._limiter.get_window_stats(item, reporter)
                wait = max(0.0, stats.reset_time - time.time())
                raise RateLimited(
                    f"too many reports, slow down (try again in {int(wait) + 1} s)", wait
                )
