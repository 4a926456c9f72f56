"""Per-reporter rate limits (the ``limits`` library's moving window, in memory).

The limiter is the library's synchronous one: its in-memory storage never does
I/O, so there is nothing to await, and a hit costs a few microseconds.  (The
asyncio flavour of the in-memory storage sweeps expired entries in a background
task with one thread hop per reporter key, over and over while reports arrive,
which made every report pay about 0.1 ms of event-loop time.)
"""

from __future__ import annotations

import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from core.errors import RateLimited


class ReporterRateLimit:
    """Refuses a reporter who exceeds any of the configured rates (e.g. ``20/minute;200/hour``)."""

    def __init__(self, rates: str) -> None:
        self._items = parse_many(rates) if rates else []
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, reporter: str, cost: int = 1) -> None:
        """Count ``cost`` reports for ``reporter``; raise :class:`RateLimited` when over a limit."""
        self.hit(reporter, cost)

    def hit(self, reporter: str, cost: int = 1) -> None:
        """:meth:`check` without the coroutine (it never waits)."""
        for item in self._items:
            if not self._limiter.hit(item, reporter, cost=cost):
                stats = self._limiter.get_window_stats(item, reporter)
                wait = max(0.0, stats.reset_time - time.time())
                raise RateLimited(
                    f"too many reports, slow down (try again in {int(wait) + 1} s)", wait
                )
