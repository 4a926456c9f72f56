"""Per-reporter rate limits (the ``limits`` library's moving window).

By default the window lives in this process's memory and the library's synchronous
limiter is used: the in-memory storage never does I/O, so a hit costs a few
microseconds.  (The asyncio flavour of the in-memory storage sweeps expired entries
with one thread hop per reporter key, which made every report pay about 0.1 ms of
event-loop time.)

Several bot processes on one PostgreSQL database would each allow the full rate, so a
shared storage can be configured instead (``LEAKDESK_RATE_LIMIT_STORAGE``, e.g.
``redis://127.0.0.1:6379``): the asyncio limiter over redis-py, with short socket
timeouts.  When that storage cannot be reached the report is let through and a
warning is logged (at most once a minute): losing a victim's report is worse than
missing a flood for the length of an outage.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter as SharedMovingWindow
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from core.errors import RateLimited

log = logging.getLogger(__name__)

IN_MEMORY = "memory://"
KEY_PREFIX = "leakdesk"
SOCKET_TIMEOUT = 0.5
"""Seconds a shared storage may take to connect or answer before a report goes through."""
WARN_EVERY = 60.0


class ReporterRateLimit:
    """Refuses a reporter who exceeds any of the configured rates (e.g. ``20/minute;200/hour``)."""

    def __init__(self, rates: str, storage: str = IN_MEMORY) -> None:
        """``storage`` is a ``limits`` storage URI: ``memory://`` or ``redis://host:port``."""
        self._items: list[RateLimitItem] = parse_many(rates) if rates else []
        self._local: MovingWindowRateLimiter | None = None
        self._shared: SharedMovingWindow | None = None
        self._warned_at = float("-inf")
        if storage.startswith(IN_MEMORY):
            self._local = MovingWindowRateLimiter(MemoryStorage())
        else:
            self._shared = SharedMovingWindow(_shared_storage(storage))

    @property
    def shared(self) -> bool:
        """Whether the window is kept in a storage shared by several processes."""
        return self._shared is not None

    async def check(self, reporter: str, cost: int = 1) -> None:
        """Count ``cost`` reports for ``reporter``; raise :class:`RateLimited` when over a limit."""
        if self._shared is None:
            self._hit_local(reporter, cost)
            return
        try:
            for item in self._items:
                if not await self._shared.hit(item, reporter, cost=cost):
                    stats = await self._shared.get_window_stats(item, reporter)
                    raise _refusal(stats.reset_time)
        except StorageError as err:
            self._warn_unavailable(err)

    def _hit_local(self, reporter: str, cost: int) -> None:
        assert self._local is not None
        for item in self._items:
            if not self._local.hit(item, reporter, cost=cost):
                raise _refusal(self._local.get_window_stats(item, reporter).reset_time)

    def _warn_unavailable(self, err: StorageError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("rate-limit storage unavailable, letting reports through: %s", err)


def _refusal(reset_time: float) -> RateLimited:
    wait = max(0.0, reset_time - time.time())
    return RateLimited(f"too many reports, slow down (try again in {int(wait) + 1} s)", wait)


def _shared_storage(uri: str):  # type: ignore[no-untyped-def]
    """The asyncio ``limits`` storage for ``uri`` (redis-py for Redis URIs)."""
    scheme = urlsplit(uri).scheme
    options: dict[str, float | str | bool] = {"wrap_exceptions": True}
    if scheme in ("redis", "rediss", "redis+unix"):
        options |= {
            "implementation": "redispy",
            "key_prefix": KEY_PREFIX,
            "socket_timeout": SOCKET_TIMEOUT,
            "socket_connect_timeout": SOCKET_TIMEOUT,
        }
    return storage_from_string(f"async+{uri}", **options)
