"""Report intake: validate, rate-limit, hash attached pictures, commit, then announce.

The picture behind a newly reported link is fetched after the commit, by
:mod:`core.picture_jobs`: the reporter never waits for someone else's web server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import time
from dataclasses import dataclass, field

from core.allowlist import AllowList, OfficialPage, official_reason, speakable
from core.errors import InvalidLink, LeakdeskError, MediaError, RateLimited
from core.events import CaseChanged, EventBus
from core.media import ImageSignals
from core.media_matching import MediaMatch, MediaMatcher, stored_signals
from core.model import Attachment, IncomingReport, Origin, ReportOutcome
from core.ports import PendingReport, ReportStore, StoredReport, StoredSignal
from core.protected import CaseEvidence
from core.ratelimit import ReporterRateLimit
from core.stats import STATS
from core.trust import ReporterGate, ReporterSuspended, TrustNotice
from core.urls import CanonicalLink, Registry, canonicalize, default_registry

log = logging.getLogger(__name__)

MAX_ITEMS_PER_REPORT = 50
MAX_NOTE_LENGTH = 1000
#: how much of a submission id a report token keeps in clear (the token column holds 160)
SUBMISSION_PREFIX = 100
#: reports the operator makes on the machine itself (one-shot CLI, imports): not rate limited
OPERATOR_ORIGINS = frozenset({Origin.CLI, Origin.IMPORT})


def report_token(report: IncomingReport, origin_key: str) -> str:
    """The token of one item of ``report``: its submission, scoped by creator, reporter and content.

    A redelivered submission (same event, same reporter, same link or picture) gets the
    same token and is recorded once; a submission id reused by another bot, chat,
    reporter or creator, or for another link or picture, is a different report.  The
    submission id leads (shortened) for whoever traces a redelivery; a digest of the
    scope follows.
    """
    scope = "\x1f".join((report.creator, str(report.reporter), report.submission_id, origin_key))
    digest = hashlib.blake2b(scope.encode(), digest_size=16).hexdigest()
    return f"{report.submission_id[:SUBMISSION_PREFIX]}#{digest}"


@dataclass(frozen=True)
class Rejected:
    """An item of a report that was refused, with a short user-safe reason."""

    item: str
    reason: str


@dataclass(frozen=True)
class IntakeResult:
    """Everything a report produced: committed outcomes and refused items."""

    outcomes: list[ReportOutcome] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    #: a warning for the reporter (core.trust: their reports were dismissed as abusive)
    notice: TrustNotice | None = None


@dataclass
class _Item:
    """One link or picture of a report on its way to storage."""

    link: CanonicalLink | None
    signals: ImageSignals | None = None
    media_error: str | None = None
    match: MediaMatch = field(default_factory=MediaMatch)
    #: the input as given (a link, or a picture's file name)
    url: str | None = None
    #: later inputs of the same report that were the same link or picture
    repeats: list[str] = field(default_factory=list)

    @property
    def origin_key(self) -> str:
        """The link's key, else the picture's sha256 (as :attr:`PendingReport.origin_key`)."""
        if self.link is not None:
            return self.link.key
        assert self.signals is not None
        return "img:" + self.signals.sha256


class IntakeService:
    """Turns an :class:`IncomingReport` into committed reports and cases."""

    def __init__(
        self,
        store: ReportStore,
        *,
        events: EventBus | None = None,
        rate_limit: ReporterRateLimit | None = None,
        registry: Registry | None = None,
        media: MediaMatcher | None = None,
        protected: CaseEvidence | None = None,
        gate: ReporterGate | None = None,
        allowlist: AllowList | None = None,
    ) -> None:
        """``protected`` records what pictures reveal on their cases: matches with the
        creators' own pictures, provenance evidence; ``gate`` refuses suspended reporters
        (core.trust); ``allowlist`` turns away the creators' own official pages."""
        self._store = store
        self._gate = gate
        self._allowlist = allowlist
        self._protected = protected
        self._events = events or EventBus()
        self._rate_limit = rate_limit
        self._registry = registry or default_registry()
        self._media = media

    @property
    def registry(self) -> Registry:
        """The platform registry links are canonicalized with (and its allowed networks)."""
        return self._registry

    def _canonical_links(
        self, report: IncomingReport
    ) -> tuple[list[CanonicalLink], list[Rejected], dict[str, list[str]]]:
        """The distinct links of ``report``, the refused inputs, and per key every input
        that gave it (the first one first)."""
        links: dict[str, CanonicalLink] = {}
        inputs: dict[str, list[str]] = {}
        rejected: list[Rejected] = []
        for raw in report.links:
            try:
                link = canonicalize(raw, self._registry)
            except InvalidLink as err:
                log.info("refused a link from %s: %s", report.reporter.platform, err)
                rejected.append(Rejected(raw, str(err)))
                continue
            links.setdefault(link.key, link)
            inputs.setdefault(link.key, []).append(raw)
        return list(links.values()), rejected, inputs

    async def _admit(
        self,
        report: IncomingReport,
        links: list[CanonicalLink],
        rejected: list[Rejected],
        trusted: bool,
    ) -> tuple[IncomingReport, list[CanonicalLink]]:
        """Apply the fan's rate limits: the report and the items that fit (links first).

        Moderators (``trusted``) and the operator's own CLI and imports are not limited.
        """
        if self._rate_limit is None or trusted or report.origin in OPERATOR_ORIGINS:
            return report, links
        wanted = len(links) + len(report.attachments)
        try:
            admission = await self._rate_limit.admit(
                str(report.reporter), wanted, place=report.place, creator=report.creator
            )
        except RateLimited as err:  # counts and scope only: never who, where or which link
            log.info(
                "rate limit refused a report (%s scope, %d item(s), retry in %.0f s)",
                err.scope,
                wanted,
                err.retry_after,
            )
            raise
        if admission.items >= wanted:
            return report, links
        log.info("rate limit held back %d item(s)", wanted - admission.items)
        kept_links = links[: admission.items]
        kept_files = max(0, admission.items - len(links))
        rejected.extend(
            Rejected(link.original, admission.reason) for link in links[len(kept_links) :]
        )
        rejected.extend(
            Rejected(a.filename or "picture", admission.reason)
            for a in report.attachments[kept_files:]
        )
        return dataclasses.replace(report, attachments=report.attachments[:kept_files]), kept_links

    async def _hash_attachment(self, attachment: Attachment) -> ImageSignals | str:
        assert self._media is not None
        try:
            return await self._media.hash_bytes(attachment.data)
        except MediaError as err:
            log.info("refused an attachment: %s", err)
            return str(err)

    async def _items(
        self, report: IncomingReport, links: list[CanonicalLink], rejected: list[Rejected]
    ) -> list[_Item]:
        items = [_Item(link) for link in links]
        if self._media is None:
            if report.attachments:
                rejected.extend(
                    Rejected("picture", "pictures are not accepted here")
                    for _ in report.attachments
                )
            return items
        # pictures behind links are fetched after the commit (core.picture_jobs); only
        # attachments, whose bytes exist only in this request, are hashed before it
        if not report.attachments:
            return items  # a plain link report: committed at once
        hashed = await asyncio.gather(*(self._hash_attachment(a) for a in report.attachments))
        pictures: dict[str, _Item] = {}  # the same picture twice in one report is recorded once
        for attachment, result in zip(report.attachments, hashed, strict=True):
            name = attachment.filename or "picture"
            if isinstance(result, str):
                rejected.append(Rejected(name, result))
            elif result.sha256 in pictures:
                pictures[result.sha256].repeats.append(name)
            else:
                pictures[result.sha256] = _Item(None, result, url=name)
                items.append(pictures[result.sha256])
        for item in items:
            if item.signals is not None:
                item.match = self._media.match(report.creator, item.signals)
        return items

    async def submit(self, report: IncomingReport, *, trusted: bool = False) -> IntakeResult:
        """Record ``report``; returns only after every accepted item is committed.

        ``trusted`` reports (a moderator's) are not rate limited.  Raises
        :class:`InvalidLink` when nothing in the report can be recorded and
        :class:`RateLimited` when the reporter is over their limit.  Counts the
        acknowledgement and its time (or the rate-limit refusal) in :data:`core.stats.STATS`.
        """
        started = time.perf_counter()
        try:
            result = await self._submit(report, trusted)
        except RateLimited as err:
            STATS.rate_limited(err)
            raise
        STATS.report_acknowledged(str(report.origin), time.perf_counter() - started)
        return result

    async def _submit(self, report: IncomingReport, trusted: bool) -> IntakeResult:
        """:meth:`submit` without its counting."""
        if len(report.links) + len(report.attachments) > MAX_ITEMS_PER_REPORT:
            raise InvalidLink(
                f"at most {MAX_ITEMS_PER_REPORT} links or pictures per message: nothing was "
                f"recorded; send them in several messages of up to {MAX_ITEMS_PER_REPORT}"
            )
        links, rejected, inputs = self._canonical_links(report)
        invalid, official = len(rejected), 0
        if self._allowlist is not None and links:
            links, turned_away = await self._allowlist.turn_away(report.creator, links)
            for link, page in turned_away:  # no case, nothing stored: a counter on the entry
                rejected.extend(Rejected(raw, official_reason(page)) for raw in inputs[link.key])
                official_name = speakable(page.creator_name or page.creator)
            official = len(turned_away)
            if official:
                log.info("%d link(s) of a report are the creator's own pages", official)
        if not links and not report.attachments:
            if official and not invalid:  # only the creator's own pages: a kind word
                raise OfficialPage(rejected[0].reason, official_name)
            if rejected:
                raise InvalidLink(rejected[0].reason)
            raise InvalidLink("no link or picture found in the report")
        warning = await self._check_reporter(report, trusted)
        report, links = await self._admit(report, links, rejected, trusted)
        items = await self._items(report, links, rejected)
        for item in items:
            if item.link is not None:
                item.url, *item.repeats = inputs.get(item.link.key) or [item.link.original]
        if not items:
            raise MediaError(rejected[0].reason if rejected else "nothing to report")
        pending = [
            PendingReport(
                token=report_token(report, item.origin_key),
                creator=report.creator,
                reporter=report.reporter,
                origin=str(report.origin),
                note=report.note[:MAX_NOTE_LENGTH],
                anonymous=report.anonymous,
                link=item.link,
                media=stored_signals(item.signals) if item.signals else None,
                join_case_id=item.match.case_id,
                possible_duplicate_of=item.match.possible_case_id,
            )
            for item in items
        ]
        stored = await self._store.record(pending)
        for item, source, result in zip(pending, items, stored, strict=True):
            if result.already_reported:  # nothing was recorded, nothing changed
                continue
            if source.signals is not None and self._media is not None:
                await self._mark_protected(report.creator, result.case_id, source.signals)
            if item.media is not None and self._media is not None:
                self._media.remember(
                    StoredSignal(
                        report.creator, result.case_id, item.media.sha256, item.media.frames
                    )
                )
            self._events.publish(
                CaseChanged(
                    result.case_id, result.case_code, report.creator, created=result.new_case
                )
            )
        if log.isEnabledFor(logging.INFO):
            log.info(
                "report from %s recorded: %s",
                report.reporter.platform,
                ", ".join(s.case_code for s in stored),
            )
        outcomes = []
        for item, result in zip(items, stored, strict=True):
            outcome = self._outcome(item, result)
            outcomes.append(outcome)
            # every input gets its line: a repeat points at the first input it repeats
            outcomes.extend(
                dataclasses.replace(outcome, url=repeat, duplicate_of=outcome.url)
                for repeat in item.repeats
            )
        if warning is not None and self._gate is not None:
            try:
                await self._gate.mark_warned(report.reporter)
            except Exception:  # the report is committed: never fail its acknowledgement
                log.exception("could not record that a reporter was warned")
        return IntakeResult(outcomes, rejected, warning)

    async def _check_reporter(self, report: IncomingReport, trusted: bool) -> str | None:
        """Refuse a suspended fan (:class:`core.trust.ReporterSuspended`); the warning to
        show when one is due.  Moderators and the operator's CLI are not checked."""
        if self._gate is None or trusted or report.origin in OPERATOR_ORIGINS:
            return None
        try:
            return await self._gate.check(report.reporter)
        except ReporterSuspended:
            log.info("refused a report from a suspended %s reporter", report.reporter.platform)
            raise

    async def _mark_protected(self, creator: str, case_id: int, signals: ImageSignals) -> None:
        """Mark the case when the picture matches one of ``creator``'s own images (after
        the commit; only moderators see it, the reporter's reply never changes)."""
        assert self._media is not None
        hit = self._media.protected.match(creator, signals)
        if self._protected is None or (hit is None and not signals.provenance):
            return
        try:
            if signals.provenance:
                await self._protected.add_provenance(case_id, signals.provenance)
            if hit is None:
                return
            await self._protected.mark_protected(case_id, hit)
        except Exception:  # the report is committed: never fail its acknowledgement for this
            log.exception("could not mark a case as matching a protected image")
            return
        log.info("a reported picture matches a protected image (%s)", hit.tier)

    @staticmethod
    def _outcome(item: _Item, stored: StoredReport) -> ReportOutcome:
        by_image = item.match.case_id is not None
        matched_by = "image" if by_image else (None if stored.new_case else "url")
        return ReportOutcome(
            report_id=stored.report_id,
            case_code=stored.case_code,
            new_case=stored.new_case,
            reporters=stored.reporters,
            link=item.link.original if item.link else None,
            link_key=item.link.key if item.link else None,
            matched_by=matched_by,
            distance=item.match.distance if by_image else None,
            media_error=item.media_error,
            url=item.url,
            already_reported=stored.already_reported,
            reopened=stored.reopened,
        )


__all__ = ["IntakeResult", "IntakeService", "LeakdeskError", "Rejected"]
