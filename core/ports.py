"""What the core needs from storage, as protocols; ``db/`` implements them on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.model import BulkOutcome, CaseStatus, CaseView, ReporterRef
from core.urls import CanonicalLink


@dataclass(frozen=True)
class PendingReport:
    """One validated link (or media item) of a report, ready to be committed."""

    token: str  # unique per item: "<submission_id>:<n>"; a redelivered item is recorded once
    creator: str
    reporter: ReporterRef
    origin: str
    note: str
    anonymous: bool
    link: CanonicalLink | None
    #: hashes of the picture behind the link or in the attachment (never its bytes)
    media: MediaSignals | None = None
    #: join this case instead of the link's own (an automatic image match)
    join_case_id: int | None = None
    possible_duplicate_of: int | None = None

    @property
    def origin_key(self) -> str:
        """The key a new case is opened under: the link's key, else the picture's sha256."""
        if self.link is not None:
            return self.link.key
        assert self.media is not None, "a report item needs a link or a picture"
        return "img:" + self.media.sha256


@dataclass(frozen=True)
class FrameSignals:
    """Perceptual hashes of one stored view of one frame (one ``media_signals`` row)."""

    phash: int
    pdq: str
    quality: int
    #: which view of the frame (:class:`core.media.views.View`): 0 the frame itself,
    #: 1 its centred 70 % (``INNER``), 2 the colour channels of a transparent picture
    view: int = 0
    #: the frame's position in an animation (0 for stills)
    frame: int = 0


@dataclass(frozen=True)
class MediaSignals:
    """What storage keeps of a picture or video: its sha256 and per-frame hashes."""

    sha256: str
    frames: tuple[FrameSignals, ...] = ()


@dataclass(frozen=True)
class StoredSignal:
    """A stored media hash row, for loading the near-duplicate index."""

    creator: str
    case_id: int
    sha256: str
    frames: tuple[FrameSignals, ...]


@dataclass(frozen=True)
class StoredReport:
    """The committed result of a :class:`PendingReport`."""

    report_id: int
    case_id: int
    case_code: str
    new_case: bool
    reporters: int
    #: the same reporter had already reported this link: recorded once, not counted again
    already_reported: bool = False
    #: a dismissed or purged case was reopened by this report
    reopened: bool = False


class ReportStore(Protocol):
    """Commits reports; returns only after the rows are durable."""

    async def record(self, items: Sequence[PendingReport]) -> list[StoredReport]:
        """Commit ``items`` (joining or opening cases) and return one result per item."""
        ...

    async def known_link_keys(self, creator: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` already belong to a case of ``creator``."""
        ...


class PrivacyStore(Protocol):
    """Erasure on request."""

    async def forget_reporter(self, reporter: ReporterRef) -> int:
        """Unlink a person from their reports; returns how many reports they had."""
        ...


class CaseStore(Protocol):
    """Reads and changes cases; every change writes the audit log in the same transaction."""

    async def get_case(self, code: str) -> CaseView | None:
        """Return the case with ``code``, or None."""
        ...

    async def list_cases(
        self, creator: str | None, statuses: Sequence[CaseStatus], limit: int = 50
    ) -> list[CaseView]:
        """Cases of ``creator`` (all when None) in ``statuses``, most corroborated first."""
        ...

    async def transition(
        self,
        code: str,
        *,
        actor: str,
        action: str,
        allowed_from: Sequence[CaseStatus],
        to: CaseStatus,
        reason: str | None = None,
        creator: str | None = None,
    ) -> CaseView:
        """Move a case to ``to`` if it is in ``allowed_from``; log ``action`` by ``actor``."""
        ...

    async def transition_many(
        self,
        codes: Sequence[str],
        *,
        actor: str,
        action: str,
        allowed_from: Sequence[CaseStatus],
        to: CaseStatus,
        reason: str | None = None,
        creator: str | None = None,
    ) -> list[BulkOutcome]:
        """:meth:`transition` on many cases in one transaction; one outcome per distinct code."""
        ...

    async def merge(
        self, source: str, target: str, *, actor: str, creator: str | None = None
    ) -> CaseView:
        """Move every link, report and reporter of ``source`` into ``target``."""
        ...

    async def merge_many(
        self, sources: Sequence[str], target: str, *, actor: str, creator: str | None = None
    ) -> tuple[str, list[BulkOutcome]]:
        """:meth:`merge` of many sources into one target in one transaction: the final
        target's code and one outcome per distinct source code."""
        ...

    async def case_reporters(self, code: str, include_anonymous: bool = False) -> list[ReporterRef]:
        """Reporters of a case who did not ask to stay anonymous (moderators only)."""
        ...


@dataclass(frozen=True)
class PictureJob:
    """A committed link whose picture is still to be fetched, hashed and matched."""

    link_id: int
    creator: str
    url: str
    key: str
    host: str
    case_id: int
    case_code: str
    case_status: CaseStatus
    attempts: int


@dataclass(frozen=True)
class PictureJobResult:
    """What the picture behind a link gave (for the one-shot CLI that waits for it)."""

    key: str
    state: str  # pending | running | done | failed | skipped
    case_code: str  # the case the link is in now (after a picture match joined it elsewhere)
    matched_by: str | None = None  # "image" when the picture joined or flagged a case
    matched_case_code: str | None = None
    distance: int | None = None
    error: str | None = None


class PictureJobStore(Protocol):
    """The durable queue of pictures to fetch: one job per committed link."""

    async def claim(
        self,
        limit: int,
        *,
        lease_seconds: float,
        keys: Sequence[tuple[str, str]] = (),
        cases: Sequence[int] = (),
        discover: bool = True,
    ) -> list[PictureJob]:
        """Lease up to ``limit`` due jobs (only the (creator, key) links in ``keys`` if given).

        The links of ``cases`` (just opened) come first; ``discover=False`` skips the
        search for committed links that have no job yet.
        """
        ...

    async def complete(
        self,
        job: PictureJob,
        *,
        case_id: int,
        media: MediaSignals | None,
        matched_case_id: int | None = None,
        matched_by: str | None = None,
        distance: int | None = None,
        possible_duplicate_of: int | None = None,
    ) -> None:
        """Store the picture's hashes on ``case_id`` and finish the job, in one transaction."""
        ...

    async def fail(self, job: PictureJob, error: str, *, retry_in: float | None) -> None:
        """Record an error; retry after ``retry_in`` seconds, or give up when None."""
        ...

    async def skip(self, creator: str, keys: Sequence[str]) -> int:
        """Never fetch these links' pictures (an import with fetching off)."""
        ...

    async def results(self, creator: str, keys: Sequence[str]) -> dict[str, PictureJobResult]:
        """The state and outcome of the jobs of ``keys``."""
        ...

    async def case_states(
        self, case_ids: Sequence[int]
    ) -> dict[int, tuple[str, CaseStatus, int | None]]:
        """Code, status and merge target of each case in ``case_ids``."""


@dataclass(frozen=True)
class UserSettings:
    """A fan's standing choices in a chat with one bot."""

    #: the creator their private reports go to (a deep link); None: the operator's default
    creator: str | None = None
    anonymous: bool = False
    #: the language they chose (a locale id such as ``pt_BR``); None: their app's language
    language: str | None = None


class UserSettingsStore(Protocol):
    """Per-user choices that must survive a restart; ``scope`` names the bot they were made with."""

    async def get(self, user: ReporterRef, scope: str) -> UserSettings:
        """The user's settings (defaults when they never chose)."""
        ...

    async def set_creator(self, user: ReporterRef, scope: str, creator: str) -> None:
        """Remember the creator the user's private reports go to."""
        ...

    async def set_anonymous(self, user: ReporterRef, scope: str, anonymous: bool) -> None:
        """Remember whether the user's next reports are anonymous."""
        ...

    async def set_language(self, user: ReporterRef, scope: str, language: str | None) -> None:
        """Remember the language the user chose (None: follow their app's language)."""
        ...

    async def forget(self, user: ReporterRef) -> int:
        """Delete every setting of the user (a deletion request); how many were deleted."""
        ...


class CreatorLanguages(Protocol):
    """A creator's default language, for what their moderators read."""

    async def language(self, slug: str) -> str | None:
        """The default language of the creator's moderator places (None: not set)."""
        ...


class CreatorDirectory(CreatorLanguages, Protocol):
    """The registry of creators, as fans may see it (names only, never links), and their
    moderators' language."""

    async def display_name(self, slug: str) -> str:
        """The name to show for creator ``slug`` (the slug itself when it has none)."""
        ...

    async def exists(self, slug: str) -> bool:
        """Whether creator ``slug`` is known (created by the operator or a bound venue)."""
        ...
