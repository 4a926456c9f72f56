"""Rate limits (the ``limits`` library's moving window): per reporter, and per place (a
Discord server or Telegram group), per creator and overall.

Per reporter, reports and the links in them are counted (below).  The place, creator
and global scopes count reports only, and defend against a flood from many accounts at
once: a refused report is refused whole, with the scope that refused it
(:attr:`RateLimited.scope`) and the true wait until that window takes a report again
(the latest of the full windows).  A report refused by one scope spends nothing in
the others: every scope is checked before any is counted (with a shared storage two
processes may both pass the check and overshoot by a report or two).

By default the windows live in this process's memory, in :class:`LocalWindow`: a
moving window per reporter and rate, as ``limits`` keeps it, for about a microsecond a
hit.  (The library's in-memory storage starts a timer thread every 10 ms that sweeps
every key under per-key locks: 30-90 µs of event-loop time per report with two windows
per reporter, measured; its asyncio flavour hops threads per key.)

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
from collections import deque
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter as SharedMovingWindow
from limits.errors import StorageError
from limits.storage import storage_from_string

from core.errors import RateLimited

log = logging.getLogger(__name__)

IN_MEMORY = "memory://"
KEY_PREFIX = "leakdesk"
SOCKET_TIMEOUT = 0.5
"""Seconds a shared storage may take to connect or answer before a report goes through."""
WARN_EVERY = 60.0
SWEEP_EVERY = 60.0
"""Seconds between sweeps of the in-memory windows of reporters gone quiet."""


class LocalWindow:
    """One rate's moving windows in this process's memory: per key, its recent (time, cost) hits."""

    __slots__ = ("_amount", "_expiry", "_hits", "_used", "rate")

    def __init__(self, rate: RateLimitItem) -> None:
        self.rate = rate
        self._amount = rate.amount
        self._expiry = rate.get_expiry()
        self._hits: dict[str, deque[tuple[float, int]]] = {}
        self._used: dict[str, int] = {}

    def _current(self, key: str, now: float) -> tuple[deque[tuple[float, int]], int]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            self._used[key] = 0
        used = self._used[key]
        start = now - self._expiry
        while hits and hits[0][0] <= start:
            used -= hits.popleft()[1]
        self._used[key] = used
        return hits, used

    def remaining(self, key: str) -> tuple[int, float]:
        """How much is left in ``key``'s window, and when (epoch seconds) its oldest hit expires."""
        now = time.time()
        hits, used = self._current(key, now)
        return self._amount - used, (hits[0][0] if hits else now) + self._expiry

    def hit(self, key: str, cost: int = 1) -> bool:
        """Count ``cost`` against ``key``'s window if it fits; False (nothing counted) if not."""
        now = time.time()
        hits, used = self._current(key, now)
        if used + cost > self._amount:
            return False
        hits.append((now, cost))
        self._used[key] = used + cost
        return True

    def forget(self, key: str) -> None:
        """Drop ``key``'s window."""
        self._hits.pop(key, None)
        self._used.pop(key, None)

    def sweep(self) -> None:
        """Forget the keys whose hits have all expired."""
        start = time.time() - self._expiry
        for key, hits in list(self._hits.items()):
            if not hits or hits[-1][0] <= start:
                del self._hits[key], self._used[key]


class Admission:
    """How much of a report the limits let through.

    ``items`` of the report's items are accepted; when that is fewer than asked,
    ``reason`` says which limit held back the rest and when to send them again.
    """

    __slots__ = ("items", "reason")

    def __init__(self, items: int, reason: str = "") -> None:
        self.items = items
        self.reason = reason


REPORTER, PLACE, CREATOR, GLOBAL = "reporter", "place", "creator", "global"
#: the scopes counted per report besides the reporter's own, most specific first
SHARED_SCOPES = (PLACE, CREATOR, GLOBAL)


def scope_keys(place: str | None, creator: str | None) -> list[tuple[str, str]]:
    """(scope, window key) of every shared scope a report counts against.

    A report made outside any server or group (a DM, the console) has no place: only its
    creator's and the global windows count it.
    """
    keys = []
    if place:
        keys.append((PLACE, "place:" + place))
    if creator:
        keys.append((CREATOR, "creator:" + creator))
    keys.append((GLOBAL, "global"))
    return keys


class ReporterRateLimit:
    """Per-reporter limits on reports (``report_rates``) and the links they hold (``link_rates``),
    and limits on reports per place, per creator and overall (``scope_rates``).

    A report is one message, whatever it holds, so a fan pasting a list of links spends
    one report; the links (and pictures) are counted against ``link_rates``.  A report
    holding more than the link windows allow is not refused: the items that fit are
    accepted and the rest get a clear reason, so no report is ever refused forever.
    """

    def __init__(
        self,
        report_rates: str,
        storage: str = IN_MEMORY,
        link_rates: str = "",
        scope_rates: dict[str, str] | None = None,
    ) -> None:
        """Rates use the ``limits`` syntax (``10/minute;100/hour``; empty: no limit);
        ``storage`` is a ``limits`` storage URI: ``memory://`` or ``redis://host:port``;
        ``scope_rates`` maps ``place``, ``creator`` and ``global`` to their rates."""
        self._reports: list[RateLimitItem] = parse_many(report_rates) if report_rates else []
        self._links: list[RateLimitItem] = parse_many(link_rates) if link_rates else []
        self._scopes: dict[str, list[RateLimitItem]] = {
            scope: parse_many(rates) for scope, rates in (scope_rates or {}).items() if rates
        }
        unknown = set(self._scopes) - set(SHARED_SCOPES)
        if unknown:
            raise ValueError(f"unknown rate-limit scope(s): {', '.join(sorted(unknown))}")
        self._scope_windows: dict[str, list[LocalWindow]] = {}
        self._local: tuple[list[LocalWindow], list[LocalWindow]] | None = None
        self._shared: SharedMovingWindow | None = None
        self._warned_at = float("-inf")
        self._swept_at = time.monotonic()
        if storage.startswith(IN_MEMORY):
            self._local = (
                [LocalWindow(rate) for rate in self._reports],
                [LocalWindow(rate) for rate in self._links],
            )
            self._scope_windows = {
                scope: [LocalWindow(rate) for rate in rates]
                for scope, rates in self._scopes.items()
            }
        else:
            self._shared = SharedMovingWindow(_shared_storage(storage))

    @property
    def shared(self) -> bool:
        """Whether the windows are kept in a storage shared by several processes."""
        return self._shared is not None

    async def admit(
        self,
        reporter: str,
        items: int,
        *,
        place: str | None = None,
        creator: str | None = None,
    ) -> Admission:
        """Count one report of ``items`` links or pictures for ``reporter``, made in ``place``
        (a server or group; None in a DM) for ``creator``.

        Returns how many of the items are accepted (at least one); raises
        :class:`RateLimited` (with its ``scope``) when the reporter is over a report limit
        or has no link left, or the place, the creator or everyone is over theirs.
        """
        scopes = [(s, k) for s, k in scope_keys(place, creator) if s in self._scopes]
        if self._shared is None:
            return self._admit_local(reporter, items, scopes)
        try:
            return await self._admit_shared(reporter, items, scopes)
        except StorageError as err:
            self._warn_unavailable(err)
            return Admission(items)

    def _admit_local(
        self, reporter: str, items: int, scopes: list[tuple[str, str]]
    ) -> Admission:
        assert self._local is not None
        report_windows, link_windows = self._local
        scope_windows = [w for windows in self._scope_windows.values() for w in windows]
        if time.monotonic() - self._swept_at > SWEEP_EVERY:
            self._swept_at = time.monotonic()
            for window in (*report_windows, *link_windows, *scope_windows):
                window.sweep()
        full: tuple[str, RateLimitItem, float] | None = None
        for scope, key in scopes:
            for window in self._scope_windows[scope]:
                remaining, reset = window.remaining(key)
                if remaining < 1 and (full is None or reset > full[2]):
                    full = (scope, window.rate, reset)
        if full is not None:
            for window in report_windows:  # the reporter's own window may hold them longer
                remaining, reset = window.remaining(reporter)
                if remaining < 1 and reset > full[2]:
                    raise _too_many_reports(window.rate, reset)
            raise _scope_full(*full)
        fit, held_by, reset = items, None, 0.0
        for window in link_windows:
            remaining, oldest_expires = window.remaining(reporter)
            if remaining < fit:
                fit, held_by, reset = remaining, window.rate, oldest_expires
        if fit <= 0:
            assert held_by is not None
            raise _too_many_links(held_by, reset, items, self.per_message)
        for window in report_windows:
            if not window.hit(reporter):
                raise _too_many_reports(window.rate, window.remaining(reporter)[1])
        for window in link_windows:
            window.hit(reporter, fit)
        for scope, key in scopes:
            for window in self._scope_windows[scope]:
                window.hit(key)
        return Admission(fit, self._held_back(held_by, reset, items, fit) if held_by else "")

    async def _admit_shared(
        self, reporter: str, items: int, scopes: list[tuple[str, str]]
    ) -> Admission:
        assert self._shared is not None
        shared = self._shared
        report_key, link_key = _keys(reporter)
        full: tuple[str, RateLimitItem, float] | None = None
        for scope, key in scopes:
            for rate in self._scopes[scope]:
                stats = await shared.get_window_stats(rate, key)
                if stats.remaining < 1 and (full is None or stats.reset_time > full[2]):
                    full = (scope, rate, stats.reset_time)
        if full is not None:
            for rate in self._reports:  # the reporter's own window may hold them longer
                stats = await shared.get_window_stats(rate, report_key)
                if stats.remaining < 1 and stats.reset_time > full[2]:
                    raise _too_many_reports(rate, stats.reset_time)
            raise _scope_full(*full)
        fit, held_by, reset = items, None, 0.0
        for rate in self._links:
            stats = await shared.get_window_stats(rate, link_key)
            if stats.remaining < fit:
                fit, held_by, reset = stats.remaining, rate, stats.reset_time
        if fit <= 0:
            assert held_by is not None
            raise _too_many_links(held_by, reset, items, self.per_message)
        for rate in self._reports:
            if not await shared.hit(rate, report_key):
                stats = await shared.get_window_stats(rate, report_key)
                raise _too_many_reports(rate, stats.reset_time)
        for rate in self._links:
            await shared.hit(rate, link_key, cost=fit)
        for scope, key in scopes:
            for rate in self._scopes[scope]:
                await shared.hit(rate, key)
        return Admission(fit, self._held_back(held_by, reset, items, fit) if held_by else "")

    async def forget(self, reporter: str) -> None:
        """Drop every window of ``reporter`` (erasure), here and in the shared storage."""
        if self._local is not None:
            for window in (*self._local[0], *self._local[1]):
                window.forget(reporter)
            return
        assert self._shared is not None
        report_key, link_key = _keys(reporter)
        try:
            for rate in self._reports:
                await self._shared.clear(rate, report_key)
            for rate in self._links:
                await self._shared.clear(rate, link_key)
        except StorageError as err:
            log.warning("could not clear a forgotten reporter's rate windows: %s", err)

    @property
    def per_message(self) -> int | None:
        """The most links and pictures one message can ever have accepted (None: no cap)."""
        return min((rate.amount for rate in self._links), default=None)

    def _held_back(self, rate: RateLimitItem, reset_time: float, items: int, fit: int) -> str:
        """Why the last ``items - fit`` items of a report were not accepted, and what to do.

        Sending the same message again would spend the window on its first items again (the
        ones just accepted, counted once more), so the fan is told to send only the rest, in a
        new message; a message holding more than any window allows is told the maximum.
        """
        wait, held, cap = _in(_wait(reset_time)), items - fit, self.per_message
        if cap is not None and items > cap:
            return (
                f"at most {cap} links or pictures are taken from one message: send the last "
                f"{held} in a new message in {wait}"
            )
        return (
            f"over the limit of {_per(rate)} per person: send the last {held} in a new message "
            f"in {wait}"
        )

    def _warn_unavailable(self, err: StorageError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("rate-limit storage unavailable, letting reports through: %s", err)


def _keys(reporter: str) -> tuple[str, str]:
    """The window keys of a reporter's reports and of their links."""
    return "reports:" + reporter, "links:" + reporter


def _wait(reset_time: float) -> float:
    return max(0.0, reset_time - time.time())


def _in(seconds: float) -> str:
    """A wait as people say it: "45 s", "12 min"."""
    if seconds < 120:
        return f"{int(seconds) + 1} s"
    return f"{int(seconds // 60) + 1} min"


def _per(rate: RateLimitItem) -> str:
    """``10 a minute``, ``200 every 6 hours``."""
    unit = rate.GRANULARITY.name
    if rate.multiples == 1:
        return f"{rate.amount} a{'n' if unit == 'hour' else ''} {unit}"
    return f"{rate.amount} every {rate.multiples} {unit}s"


def _too_many_reports(rate: RateLimitItem, reset_time: float) -> RateLimited:
    wait = _wait(reset_time)
    return RateLimited(
        f"too many reports, slow down: at most {_per(rate)} (try again in {_in(wait)})",
        wait,
        REPORTER,
    )


#: what a fan is told when a shared scope is full (no identity, nothing about other people)
SCOPE_WORDS = {
    PLACE: "a lot of reports are coming from this server or group right now",
    CREATOR: "a lot of reports are coming in for this creator right now",
    GLOBAL: "leakdesk is taking in a lot of reports right now",
}


def _scope_full(scope: str, rate: RateLimitItem, reset_time: float) -> RateLimited:
    """The refusal of a full place, creator or global window (``rate``: the one that is full)."""
    log.debug("%s window of %s is full", scope, _per(rate))
    wait = _wait(reset_time)
    return RateLimited(
        f"{SCOPE_WORDS[scope]}, so nothing was recorded: please try again in {_in(wait)}",
        wait,
        scope,
    )


def _too_many_links(
    rate: RateLimitItem, reset_time: float, items: int, per_message: int | None
) -> RateLimited:
    wait = _wait(reset_time)
    text = f"too many links, slow down: at most {_per(rate)} per person (try again in {_in(wait)})"
    if per_message is not None and items > per_message:
        text += f"; one message can carry at most {per_message} links or pictures"
    return RateLimited(text, wait, REPORTER)


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
