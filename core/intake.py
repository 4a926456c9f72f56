"""Report intake: validate, rate-limit, hash attached pictures, commit, then announce.

The picture behind a newly reported link is fetched after the commit, by
:mod:`core.picture_jobs`: the reporter never waits for someone else's web server.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from core.errors import InvalidLink, LeakdeskError, MediaError
from core.events import CaseChanged, EventBus
from core.media import ImageSignals
from core.media_matching import MediaMatch, MediaMatcher, stored_signals
from core.model import Attachment, IncomingReport, ReportOutcome
from core.ports import PendingReport, ReportStore, StoredReport, StoredSignal
from core.ratelimit import ReporterRateLimit
from core.urls import CanonicalLink, Registry, canonicalize, default_registry

log = logging.getLogger(__name__)

MAX_ITEMS_PER_REPORT = 50
MAX_NOTE_LENGTH = 1000


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


@dataclass
class _Item:
    """One link or picture of a report on its way to storage."""

    link: CanonicalLink | None
    signals: ImageSignals | None = None
    media_error: str | None = None
    match: MediaMatch = field(default_factory=MediaMatch)


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
    ) -> None:
        self._store = store
        self._events = events or EventBus()
        self._rate_limit = rate_limit
        self._registry = registry or default_registry()
        self._media = media

    def _canonical_links(
        self, report: IncomingReport
    ) -> tuple[list[CanonicalLink], list[Rejected]]:
        links: dict[str, CanonicalLink] = {}
        rejected: list[Rejected] = []
        for raw in report.links:
            try:
                link = canonicalize(raw, self._registry)
            except InvalidLink as err:
                log.info("refused a link from %s: %s", report.reporter.platform, err)
                rejected.append(Rejected(raw, str(err)))
                continue
            links.setdefault(link.key, link)
        return list(links.values()), rejected

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
        for attachment, result in zip(report.attachments, hashed, strict=True):
            if isinstance(result, str):
                rejected.append(Rejected(attachment.filename or "picture", result))
            else:
                items.append(_Item(None, result))
        for item in items:
            if item.signals is not None:
                item.match = self._media.match(report.creator, item.signals)
        return items

    async def submit(self, report: IncomingReport) -> IntakeResult:
        """Record ``report``; returns only after every accepted item is committed.

        Raises :class:`InvalidLink` when nothing in the report can be recorded and
        :class:`RateLimited` when the reporter is over their limit.
        """
        if len(report.links) + len(report.attachments) > MAX_ITEMS_PER_REPORT:
            raise InvalidLink(f"at most {MAX_ITEMS_PER_REPORT} links or files per report")
        links, rejected = self._canonical_links(report)
        if not links and not report.attachments:
            if rejected:
                raise InvalidLink(rejected[0].reason)
            raise InvalidLink("no link or picture found in the report")
        if self._rate_limit:
            await self._rate_limit.check(
                str(report.reporter), cost=len(links) + len(report.attachments)
            )
        items = await self._items(report, links, rejected)
        if not items:
            raise MediaError(rejected[0].reason if rejected else "nothing to report")
        pending = [
            PendingReport(
                token=f"{report.submission_id}:{n}",
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
            for n, item in enumerate(items)
        ]
        stored = await self._store.record(pending)
        for item, result in zip(pending, stored, strict=True):
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
        outcomes = [self._outcome(i, s) for i, s in zip(items, stored, strict=True)]
        return IntakeResult(outcomes, rejected)

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
        )


__all__ = ["IntakeResult", "IntakeService", "LeakdeskError", "Rejected"]
