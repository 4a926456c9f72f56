"""In-process operating counters of the core: plain numbers, no metrics library.

The core counts what happens where it happens (a report acknowledged, a picture fetch
that failed, a rate-limit refusal); an adapter that wants to publish them (the dashboard's
``/metrics``, :mod:`bots.web.ops`) reads a :meth:`Stats.snapshot` when asked.  The core
never imports a metrics library, and counting never fails a report.
"""

from __future__ import annotations

import contextlib
import threading
from bisect import bisect_left
from dataclasses import dataclass, field

from core.errors import (
    FetchTimeout,
    HostUnreachable,
    InvalidLink,
    MediaError,
    MediaTooLarge,
    NotAnImage,
    RefusedAddress,
)

#: upper bounds (seconds) of the "time to received" histogram's buckets; +Inf is implied
RECEIVED_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: a fetch error's class -> its kind label (the first match in this order wins)
_FETCH_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (FetchTimeout, "timeout"),
    (RefusedAddress, "refused_address"),
    (MediaTooLarge, "too_large"),
    (HostUnreachable, "unreachable"),
    (NotAnImage, "not_an_image"),
    (InvalidLink, "invalid_link"),
    (TimeoutError, "timeout"),
    (MediaError, "other"),
)
#: an attribute set on a counted RateLimited, so a refusal seen twice is counted once
_COUNTED = "_leakdesk_stats_counted"


def fetch_error_kind(err: BaseException) -> str:
    """The kind label of a picture-fetch error (``timeout``, ``too_large``, ``other``…)."""
    for cls, kind in _FETCH_KINDS:
        if isinstance(err, cls):
            return kind
    return "other"


@dataclass(frozen=True)
class StatsSnapshot:
    """A consistent copy of the counters at one moment."""

    #: acknowledged reports by origin (dm, group, cli, import…)
    acknowledged: dict[str, int] = field(default_factory=dict)
    #: cumulative counts per bucket of :data:`RECEIVED_BUCKETS`, then the +Inf count
    received_buckets: tuple[int, ...] = ()
    received_sum: float = 0.0
    #: failed picture fetches by kind
    fetch_errors: dict[str, int] = field(default_factory=dict)
    #: rate-limit refusals by scope (reporter, place, creator, global)
    rate_limited: dict[str, int] = field(default_factory=dict)

    @property
    def received_count(self) -> int:
        """How many acknowledgements were timed."""
        return self.received_buckets[-1] if self.received_buckets else 0


class Stats:
    """Thread-safe counters of one process (use the module's :data:`STATS`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._acknowledged: dict[str, int] = {}
        self._buckets = [0] * (len(RECEIVED_BUCKETS) + 1)
        self._received_sum = 0.0
        self._fetch_errors: dict[str, int] = {}
        self._rate_limited: dict[str, int] = {}

    def report_acknowledged(self, origin: str, seconds: float) -> None:
        """A report was committed and its reporter is about to hear "received" after ``seconds``."""
        slot = bisect_left(RECEIVED_BUCKETS, seconds)
        with self._lock:
            self._acknowledged[origin] = self._acknowledged.get(origin, 0) + 1
            self._buckets[slot] += 1
            self._received_sum += max(seconds, 0.0)

    def fetch_failed(self, err: BaseException) -> None:
        """A picture behind a link could not be fetched or used."""
        kind = fetch_error_kind(err)
        with self._lock:
            self._fetch_errors[kind] = self._fetch_errors.get(kind, 0) + 1

    def rate_limited(self, err: BaseException) -> None:
        """A rate-limit refusal (a :class:`core.errors.RateLimited`), counted once however
        many layers see it; labelled by its ``scope`` (``reporter`` when it has none)."""
        if getattr(err, _COUNTED, False):
            return
        with contextlib.suppress(AttributeError):  # a type with slots: count it anyway
            setattr(err, _COUNTED, True)
        scope = str(getattr(err, "scope", None) or "reporter")
        with self._lock:
            self._rate_limited[scope] = self._rate_limited.get(scope, 0) + 1

    def snapshot(self) -> StatsSnapshot:
        """A copy of every counter (the histogram's buckets made cumulative)."""
        with self._lock:
            running, cumulative = 0, []
            for count in self._buckets:
                running += count
                cumulative.append(running)
            return StatsSnapshot(
                dict(self._acknowledged),
                tuple(cumulative),
                self._received_sum,
                dict(self._fetch_errors),
                dict(self._rate_limited),
            )


#: the process's counters, fed by the core and read by whoever publishes them
STATS = Stats()
