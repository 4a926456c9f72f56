"""Recheck: are the links of escalated cases gone yet?  Status only, nothing stored.

Every URL of a request sent to a host (sent or acknowledged, and those already marked
removed, to notice one coming back) is probed once per run through the guarded
:class:`~core.media.probe.LinkProbe`. A URL is

* **removed** on 404, 410 or 451, on a removal marker (:mod:`core.escalation.removal_markers`),
  or when its host is dead (no DNS answer, connection refused) after the retries — unless no
  host at all answered in the run (this machine is probably offline: those count as errors);
* **alive** on a 2xx page without a marker;
* an **error** otherwise (a timeout, 5xx, 429, 401/403, a refused address …) after the retries:
  nothing changes.

A request whose every URL is removed is marked removed; a request marked removed with a URL
alive again is marked sent again ("asked again"), which reopens its case (escalated), and a
:class:`~core.events.CaseChanged` event refreshes the moderators' case cards. Both go through
the tracker's ``mark`` (the one place removals are recorded, audit-logged, with timestamps for
``leakdesk stats``): anything that should follow a removal hooks there. Search delisting
requests (Google) are not rechecked: a link's status says nothing about a search index.

Transient failures are retried with exponential backoff and jitter (tenacity).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from core.errors import FetchTimeout, HostUnreachable, InvalidTransition, MediaError
from core.escalation.removal_markers import RemovalMarkers
from core.escalation.tracking import OPEN, SEARCH_RECIPIENTS, EscalationView
from core.events import CaseChanged, EventBus
from core.media.probe import ProbeResult
from core.model import CaseView
from core.urls.registry import Registry

log = logging.getLogger(__name__)

ACTOR = "leakdesk:recheck"
REMOVED_STATUSES = frozenset({404, 410, 451})
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
RECHECKED = (*OPEN, "removed")


class Prober(Protocol):
    """What recheck needs of :class:`~core.media.probe.LinkProbe`."""

    async def probe(self, url: str) -> ProbeResult: ...

    def session(self) -> AbstractAsyncContextManager[None]: ...


class Tracking(Protocol):
    """What recheck needs of the escalation tracker (``db.escalation_tracking``)."""

    async def list(
        self, creator: str | None = None, *, statuses: Sequence[str] = ()
    ) -> list[EscalationView]: ...

    async def mark(
        self, ids: Sequence[int], status: str, *, actor: str, note: str | None = None
    ) -> list[EscalationView]: ...


class CaseIds(Protocol):
    """Case codes to database ids (for events)."""

    async def get_case(self, code: str) -> CaseView | None: ...


@dataclass(frozen=True)
class LinkOutcome:
    """One URL's verdict: ``removed``, ``alive`` or ``error``, and why."""

    verdict: str
    reason: str
    answered: bool = True  # a web server answered (False: a dead host, an error)


@dataclass
class RecheckSummary:
    """What one recheck run found (``leakdesk recheck --json``), plus the requests it moved."""

    checked: int = 0
    removed: int = 0
    alive: int = 0
    errors: int = 0
    marked_removed: int = 0
    reopened: int = 0
    probe_seconds: float = 0.0
    record_seconds: float = 0.0

    def as_json(self) -> dict[str, int]:
        """``{"checked", "removed", "alive", "errors"}``: counts of distinct URLs."""
        return {
            "checked": self.checked,
            "removed": self.removed,
            "alive": self.alive,
            "errors": self.errors,
        }


class _TransientStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"the host answered HTTP {status}")
        self.status = status


def _transient(err: BaseException) -> bool:
    return isinstance(err, FetchTimeout | HostUnreachable | _TransientStatus) or type(err) is (
        MediaError
    )


def _unless_offline(outcomes: list[LinkOutcome]) -> list[LinkOutcome]:
    """When no web server answered at all, "dead hosts" more likely mean that this machine is
    offline (its DNS or network is down): they count as errors, so nothing is marked removed."""
    if any(o.answered for o in outcomes):
        return outcomes
    return [
        LinkOutcome("error", "no host answered: offline?", answered=False)
        if o.verdict == "removed"
        else o
        for o in outcomes
    ]


class RecheckService:
    """Probes escalated links and moves their requests; see the module docstring."""

    def __init__(
        self,
        tracker: Tracking,
        prober: Prober,
        markers: RemovalMarkers,
        registry: Registry,
        *,
        cases: CaseIds | None = None,
        events: EventBus | None = None,
        attempts: int = 3,
        retry_base: float = 1.0,
        retry_max: float = 30.0,
    ) -> None:
        self._tracker = tracker
        self._prober = prober
        self._markers = markers
        self._registry = registry
        self._cases = cases
        self._events = events
        self._attempts = max(1, attempts)
        self._retry_base = retry_base
        self._retry_max = retry_max

    async def run(self, creator: str | None = None) -> RecheckSummary:
        """Recheck the links of ``creator``'s (everyone's) escalated requests once."""
        views = [
            v
            for v in await self._tracker.list(creator, statuses=RECHECKED)
            if v.recipient not in SEARCH_RECIPIENTS and v.urls
        ]
        urls = sorted({url for view in views for url in view.urls})
        started = time.perf_counter()
        async with self._prober.session():
            found = await asyncio.gather(*(self.check(url) for url in urls))
        outcomes = dict(zip(urls, _unless_offline(found), strict=True))
        summary = RecheckSummary(checked=len(urls))
        summary.probe_seconds = time.perf_counter() - started
        for outcome in outcomes.values():
            if outcome.verdict == "removed":
                summary.removed += 1
            elif outcome.verdict == "alive":
                summary.alive += 1
            else:
                summary.errors += 1
        gone: dict[str, list[int]] = {}
        back: list[EscalationView] = []
        for view in views:
            verdicts = [outcomes[url] for url in view.urls]
            if view.status in OPEN and all(o.verdict == "removed" for o in verdicts):
                gone.setdefault(f"recheck: {verdicts[0].reason}", []).append(view.id)
            elif view.status == "removed" and any(o.verdict == "alive" for o in verdicts):
                back.append(view)
        for note, ids in gone.items():
            summary.marked_removed += len(await self._mark(ids, "removed", note))
        if back:
            note = "recheck: the link answers again; ask the host again"
            reopened = set(await self._mark([v.id for v in back], "sent", note))
            summary.reopened = len(reopened)
            await self._announce({v.case_code for v in back if v.id in reopened}, back)
        summary.record_seconds = time.perf_counter() - started - summary.probe_seconds
        return summary

    async def check(self, url: str) -> LinkOutcome:
        """Probe ``url`` (with retries) and judge it."""
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self._attempts),
                wait=wait_random_exponential(multiplier=self._retry_base, max=self._retry_max),
                retry=retry_if_exception(_transient),
                reraise=True,
            ):
                with attempt:
                    return self._judge(url, await self._prober.probe(url))
        except HostUnreachable as err:
            return LinkOutcome("removed", f"the host is gone ({err})", answered=False)
        except _TransientStatus as err:
            return LinkOutcome("error", str(err))
        except MediaError as err:  # InvalidLink is a LeakdeskError too
            return LinkOutcome("error", str(err), answered=False)
        except Exception as err:  # one bad link never stops the run
            log.warning("recheck of one link failed: %s", type(err).__name__)
            return LinkOutcome("error", "the link could not be checked", answered=False)
        raise AssertionError("unreachable")  # pragma: no cover

    def _judge(self, url: str, result: ProbeResult) -> LinkOutcome:
        """A verdict from what the link answered (a transient status raises, to be retried)."""
        if result.status in REMOVED_STATUSES:
            return LinkOutcome("removed", f"HTTP {result.status}")
        marker = self._markers.match(
            self._platform(result.final_url, url), result.final_url, result.text
        )
        if marker is not None:
            return LinkOutcome("removed", marker)
        if result.status in TRANSIENT_STATUSES:
            raise _TransientStatus(result.status)
        if 200 <= result.status < 300:
            return LinkOutcome("alive", f"HTTP {result.status}")
        return LinkOutcome("error", f"the host answered HTTP {result.status}")

    def _platform(self, final_url: str, url: str) -> str | None:
        for candidate in (final_url, url):
            host = (urlsplit(candidate).hostname or "").lower()
            platform = self._registry.for_host(host) if host else None
            if platform is not None:
                return platform.id
        return None

    async def _mark(self, ids: list[int], status: str, note: str) -> list[int]:
        """Move ``ids`` through the tracker (all at once; one by one if another move raced)."""
        try:
            return [v.id for v in await self._tracker.mark(ids, status, actor=ACTOR, note=note)]
        except InvalidTransition:
            moved = []
            for one in ids:
                try:
                    await self._tracker.mark([one], status, actor=ACTOR, note=note)
                except InvalidTransition:
                    continue  # a moderator moved it meanwhile
                moved.append(one)
            return moved

    async def _announce(self, codes: set[str], views: list[EscalationView]) -> None:
        """Tell the moderators (their case cards refresh) that these cases are open again."""
        for code in sorted(codes):
            creator = next(v.creator for v in views if v.case_code == code)
            log.warning("case %s: a removed link answers again; the case is reopened", code)
            if self._events is None or self._cases is None:
                continue
            case = await self._cases.get_case(code)
            if case is not None:
                self._events.publish(CaseChanged(case.id, code, creator))
