"""Pictures behind reported links, fetched and matched after the report is committed.

The reporter is answered as soon as the link is recorded (dedupe by URL alone); the
picture behind a new link is then fetched through the guarded fetcher, hashed and
matched by a bounded pool of tasks draining the durable queue (:class:`PictureJobStore`).
A match decides exactly as at intake: an automatic match moves the new case into the
matching one (a merge, in the audit log), a possible match marks the case "possible
duplicate of", and the moderators' post is edited through a :class:`CaseChanged` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.errors import FetchTimeout, InvalidLink, InvalidTransition, LeakdeskError, MediaError
from core.events import CaseChanged, EventBus
from core.media import ImageSignals
from core.media_matching import MediaMatcher, stored_signals
from core.model import CaseStatus
from core.ports import CaseStore, PictureJob, PictureJobResult, PictureJobStore, StoredSignal
from core.protected import CaseEvidence
from core.stats import STATS

if TYPE_CHECKING:
    from core.intake import IntakeResult

log = logging.getLogger(__name__)

#: a case in one of these may absorb a new case whose picture matches it
ACTIVE = (CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.CONFIRMED, CaseStatus.ESCALATED)
#: seconds between two claims of the background pool (each claim is a short write transaction)
CLAIM_INTERVAL = 0.25
#: seconds between two searches for committed links without a job (other processes' links,
#: links left by a restart); this process's new cases are handed to the pool in memory
DISCOVER_INTERVAL = 10.0
#: new cases remembered for the next claims; beyond that the search finds their links
MAX_FRESH = 100_000
#: the moderators' account name for merges made by a picture match
PICTURE_MATCH_ACTOR = "leakdesk:picture-match"


class PictureJobs:
    """Drains the picture queue with at most ``concurrency`` fetches at once."""

    def __init__(
        self,
        store: PictureJobStore,
        media: MediaMatcher,
        cases: CaseStore,
        *,
        events: EventBus | None = None,
        concurrency: int = 8,
        item_timeout: float = 60.0,
        poll_interval: float = 2.0,
        max_attempts: int = 3,
        retry_base: float = 30.0,
        protected: CaseEvidence | None = None,
    ) -> None:
        """``protected`` records what pictures reveal on their cases: matches with the
        creators' own pictures, provenance evidence."""
        self._store = store
        self._protected = protected
        self._media = media
        self._cases = cases
        self._events = events or EventBus()
        self._concurrency = concurrency
        self._item_timeout = item_timeout
        self._lease = item_timeout * 2
        self._poll_interval = poll_interval
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._creator_locks: dict[str, asyncio.Lock] = {}
        self._fresh: deque[int] = deque(maxlen=MAX_FRESH)  # cases opened, oldest first
        self._next_discovery = 0.0  # the first claim searches (links left by a restart)

    @property
    def store(self) -> PictureJobStore:
        """The durable queue this pool drains."""
        return self._store

    async def results(self, creator: str, keys: Sequence[str]) -> dict[str, PictureJobResult]:
        """State and outcome of the picture jobs of ``creator``'s links ``keys``."""
        return await self._store.results(creator, keys)

    @property
    def enabled(self) -> bool:
        """Whether pictures behind links are fetched at all (``LEAKDESK_FETCH_MEDIA``)."""
        return self._media.fetcher is not None

    def start(self) -> None:
        """Start draining in the background (bots, the chat console); idempotent."""
        if self._runner is None and self.enabled:
            self._events.subscribe(self._on_case)
            self._runner = asyncio.create_task(self._run(), name="leakdesk-picture-jobs")

    async def stop(self) -> None:
        """Stop taking jobs and wait for the ones in flight (their leases cover a crash)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        if self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    def wake(self) -> None:
        """New links were committed: look for jobs now rather than at the next poll."""
        self._wake.set()

    async def _on_case(self, event: CaseChanged) -> None:
        if event.created:
            self._fresh.append(event.case_id)
            self.wake()

    async def _run(self) -> None:
        while True:
            try:
                taken = await self._take_jobs()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: try again at the next poll
                log.exception("could not take picture jobs")
                taken = 0
            if taken == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            else:  # claims are write transactions: leave the report writer room between them
                await asyncio.sleep(CLAIM_INTERVAL)

    async def _take_jobs(self) -> int:
        free = self._concurrency - len(self._in_flight)
        if free < max(1, self._concurrency // 4) and self._in_flight:  # claim in batches
            await asyncio.wait(list(self._in_flight), return_when=asyncio.FIRST_COMPLETED)
            return 1
        loop = asyncio.get_running_loop()
        discover = loop.time() >= self._next_discovery
        cases = [self._fresh.popleft() for _ in range(min(free, len(self._fresh)))]
        try:
            jobs = await self._store.claim(
                free, lease_seconds=self._lease, cases=cases, discover=discover
            )
        except BaseException:
            self._fresh.extendleft(reversed(cases))  # their links are still committed
            raise
        if discover:
            self._next_discovery = loop.time() + DISCOVER_INTERVAL
        for job in jobs:
            task = asyncio.create_task(self._guarded(job))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(jobs) + len(cases)  # cases without a link to fetch still count as work

    async def settle(
        self, creator: str, keys: Sequence[str], *, timeout: float | None = None
    ) -> dict[str, PictureJobResult]:
        """Fetch and match the pictures of these links now, and return their results.

        For the one-shot CLI, which waits for its own links' pictures; a job held by
        another process is waited for (until ``timeout``), never taken twice.
        """
        if not keys:
            return {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout if timeout is not None else self._lease)
        if self.enabled:
            jobs = await self._store.claim(
                len(keys), lease_seconds=self._lease, keys=[(creator, k) for k in keys]
            )
            await asyncio.gather(*(self._guarded(job) for job in jobs))
        while True:
            results = await self._store.results(creator, keys)
            busy = [r for r in results.values() if r.state in ("pending", "running")]
            if not busy or not self.enabled or loop.time() >= deadline:
                return results
            await asyncio.sleep(0.2)

    async def settle_result(self, result: IntakeResult, creator: str) -> IntakeResult:
        """``result`` once the pictures behind its new links were fetched and matched: a
        new case whose picture matched another one is reported as joining that case."""
        new = [o for o in result.outcomes if o.new_case and o.link_key]
        if not new or not self.enabled:
            return result
        jobs = await self.settle(creator, [o.link_key for o in new if o.link_key])
        outcomes = []
        for outcome in result.outcomes:
            job = jobs.get(outcome.link_key or "") if outcome in new else None
            if job is not None and job.state in ("done", "failed"):
                joined = job.case_code != outcome.case_code
                outcome = dataclasses.replace(
                    outcome,
                    case_code=job.case_code,
                    new_case=not joined,
                    matched_by=job.matched_by if joined else None,
                    distance=job.distance if job.matched_by else None,
                    media_error=job.error,
                    possible_duplicate_of=None
                    if joined or not job.matched_by
                    else job.matched_case_code,
                )
            outcomes.append(outcome)
        return dataclasses.replace(result, outcomes=outcomes)

    async def _guarded(self, job: PictureJob) -> None:
        async with self._slots:
            try:
                await self.process(job)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # a bug or the database: retried later, never lost
                log.exception("picture job for link %s failed", job.link_id)
                with contextlib.suppress(Exception):
                    await self._store.fail(job, "internal error", retry_in=self._retry(job, err))

    def _retry(self, job: PictureJob, err: Exception) -> float | None:
        """Back off exponentially on transient errors; give up after ``max_attempts``."""
        if job.attempts >= self._max_attempts:
            return None
        transient = isinstance(err, FetchTimeout) or not isinstance(err, LeakdeskError)
        return self._retry_base * 2 ** (job.attempts - 1) if transient else None

    async def process(self, job: PictureJob) -> None:
        """Fetch, hash and match one link's picture, then record what it gave."""
        try:
            async with asyncio.timeout(self._item_timeout):
                signals = await self._media.fetch_and_hash(job.url)
        except (MediaError, InvalidLink, TimeoutError) as err:
            error = err if isinstance(err, LeakdeskError) else FetchTimeout("took too long")
            log.info("picture of a link on %s not used: %s", job.host, error)
            STATS.fetch_failed(error)
            await self._store.fail(job, str(error), retry_in=self._retry(job, error))
            return
        # fetches run in parallel; matching and recording are one step per creator, so
        # two copies of one picture fetched at once still end in one case
        lock = self._creator_locks.setdefault(job.creator, asyncio.Lock())
        async with lock:
            await self._record(job, signals)

    async def _record(self, job: PictureJob, signals: ImageSignals) -> None:
        match = self._media.match(job.creator, signals)
        case_id, case_code = job.case_id, job.case_code
        matched_by = distance = possible = joined = None
        target = await self._resolve(match.case_id) if match.case_id is not None else None
        if target is not None and target[0] != job.case_id:
            target_id, target_code, target_status = target
            if job.case_status is CaseStatus.OPEN and target_status in ACTIVE:
                try:
                    await self._cases.merge(
                        job.case_code, target_code, actor=PICTURE_MATCH_ACTOR, creator=job.creator
                    )
                    case_id, case_code, joined = target_id, target_code, target_id
                except (InvalidTransition, LeakdeskError) as err:
                    log.info("picture match not merged: %s", err)
                    possible = target_id
            else:
                possible = target_id  # a moderator already acted on one of the two
            matched_by, distance = "image", match.distance
        elif match.possible_case_id is not None:
            resolved = await self._resolve(match.possible_case_id)
            if resolved is not None and resolved[0] != job.case_id:
                possible, matched_by, distance = resolved[0], "image", match.distance
        media = stored_signals(signals)
        await self._store.complete(
            job,
            case_id=case_id,
            media=media,
            matched_case_id=joined,
            matched_by=matched_by,
            distance=distance,
            possible_duplicate_of=possible,
        )
        self._media.remember(StoredSignal(job.creator, case_id, media.sha256, media.frames))
        await self._mark_protected(job.creator, case_id, signals)
        self._events.publish(CaseChanged(case_id, case_code, job.creator))
        if joined is not None:
            self._events.publish(CaseChanged(job.case_id, job.case_code, job.creator))

    async def _mark_protected(self, creator: str, case_id: int, signals: ImageSignals) -> None:
        """Mark the case when the picture matches one of ``creator``'s own images."""
        hit = self._media.protected.match(creator, signals)
        if self._protected is None or (hit is None and not signals.provenance):
            return
        try:
            if signals.provenance:
                await self._protected.add_provenance(case_id, signals.provenance)
            if hit is None:
                return
            await self._protected.mark_protected(case_id, hit)
        except Exception:  # the job is recorded; a lost mark must not fail it
            log.exception("could not mark a case as matching a protected image")
            return
        log.info("a linked picture matches a protected image (%s)", hit.tier)

    async def _resolve(self, case_id: int) -> tuple[int, str, CaseStatus] | None:
        """Follow merges from ``case_id`` to the case that holds its links now."""
        for _ in range(8):
            states = await self._store.case_states([case_id])
            if case_id not in states:
                return None
            code, status, merged_into = states[case_id]
            if status is not CaseStatus.MERGED or merged_into is None:
                return case_id, code, status
            case_id = merged_into
        return None


__all__ = ["PICTURE_MATCH_ACTOR", "PictureJobs"]
