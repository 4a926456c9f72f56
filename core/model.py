"""Neutral domain objects shared by the core, the handlers and every adapter."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


class Origin(enum.StrEnum):
    """Where a report came from."""

    DM = "dm"
    GROUP = "group"
    CONTEXT_MENU = "context_menu"
    COMMAND = "command"
    CONSOLE = "console"
    CLI = "cli"
    IMPORT = "import"


class CaseStatus(enum.StrEnum):
    """Lifecycle of a case."""

    OPEN = "open"
    CLAIMED = "claimed"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    MERGED = "merged"
    ESCALATED = "escalated"
    REMOVED = "removed"


#: How a fan sees each state: never a moderator's reason, never a link.
PUBLIC_STATUS = {
    CaseStatus.OPEN: "received, waiting for review",
    CaseStatus.CLAIMED: "under review by the moderators",
    CaseStatus.CONFIRMED: "confirmed, a removal request is being prepared",
    CaseStatus.ESCALATED: "removal requested from the platform",
    CaseStatus.REMOVED: "taken down",
    CaseStatus.DISMISSED: "closed after review",
    CaseStatus.MERGED: "merged into another case",
}


@dataclass(frozen=True)
class ReporterRef:
    """A reporter's identity on one platform; never shown to other users."""

    platform: str
    user_id: str
    #: when the account was created, if the platform tells it (Discord ids carry it; Telegram
    #: does not expose it); never part of the identity, only used to weigh reports
    account_created: datetime | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Attachment:
    """An image or video held in memory only while it is hashed."""

    data: bytes = field(repr=False)
    filename: str = ""
    content_type: str = ""


@dataclass(frozen=True)
class IncomingReport:
    """A report as any adapter hands it to the core."""

    reporter: ReporterRef
    links: Sequence[str] = ()
    attachments: Sequence[Attachment] = ()
    origin: Origin = Origin.DM
    note: str = ""
    anonymous: bool = False
    creator: str = "default"
    #: Stable id of the platform event (e.g. a Telegram update id) so that a redelivered
    #: event is recorded once.  Random when the adapter has none.
    submission_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: the server or group the report was made in (``discord:<guild id>``,
    #: ``telegram:<chat id>``), for its rate limit; None in a DM or the console
    place: str | None = None


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one link or attachment of a report, after it was committed."""

    report_id: int
    case_code: str
    new_case: bool
    reporters: int
    link: str | None = None
    matched_by: str | None = None  # "url" | "image" | None
    distance: int | None = None
    media_error: str | None = None
    possible_duplicate_of: str | None = None
    #: the input exactly as the reporter gave it (a link, or a picture's file name)
    url: str | None = None
    #: this reporter had already reported this link (any disguise): not a new corroboration
    already_reported: bool = False
    #: the input repeated an earlier input of the same report (same canonical link or picture)
    duplicate_of: str | None = None
    #: a dismissed or purged case that came back into the queue because of this report
    reopened: bool = False
    #: the canonical link's dedupe key (to follow the picture job of a new link)
    link_key: str | None = None


@dataclass(frozen=True)
class NoteView:
    """A reporter's note on a case, as moderators see it (escaped and shortened by renderers)."""

    text: str
    at: datetime
    #: "platform:user_id" of the reporter, None when the report was anonymous
    reporter: str | None = None


@dataclass(frozen=True)
class LinkView:
    """A link of a case, as moderators see it."""

    url: str
    canonical: str
    host: str
    platform: str | None


Confidence = Literal["strong", "medium", "weak"]


@dataclass(frozen=True, slots=True)
class ProvenanceSignal:
    """One piece of evidence about where a picture comes from."""

    kind: str
    """``png_parameters``, ``comfyui``, ``png_software``, ``digital_source_type``,
    ``exif_software``, ``exif_parameters``, ``c2pa``, ``c2pa_source_type`` or ``watermark``."""
    value: str
    """A short, escaped, printable description (never image data, never a whole prompt)."""
    confidence: Confidence
    validated: bool = False
    """Whether a signature vouches for it (metadata never does)."""

    @property
    def suggests_synthetic(self) -> bool:
        """Strong evidence that the picture is AI-generated (a moderator still decides)."""
        return self.confidence == "strong"

    def as_json(self) -> dict[str, object]:
        """The record as ``hash --json`` prints it."""
        return {
            "kind": self.kind,
            "value": self.value,
            "confidence": self.confidence,
            "validated": self.validated,
        }


@dataclass(frozen=True)
class CaseView:
    """A case as moderators see it in their private queue."""

    id: int
    code: str
    creator: str
    status: CaseStatus
    reporters: int
    reports: int
    first_seen: datetime
    last_seen: datetime
    host: str | None
    platform: str | None
    links: tuple[LinkView, ...] = ()
    claimed_by: str | None = None
    reason: str | None = None
    merged_into: str | None = None
    possible_duplicate_of: str | None = None
    notes: tuple[NoteView, ...] = ()
    #: a picture of the case matches one of the creator's protected images (moderators
    #: only): "exact", "auto" or "possible", and the PDQ distance
    protected_tier: str | None = None
    protected_distance: int | None = None
    #: provenance evidence read from the case's pictures (moderators only)
    provenance: tuple[ProvenanceSignal, ...] = ()
    #: weighted ("independent") reporters, and whether the case is in the trusted part of
    #: the queue (core.trust); None when not computed
    independent: float | None = None
    trusted: bool | None = None
    #: a moderator marked the material synthetic (a deepfake); ``synthetic_by`` names who
    #: decided, either way (None: undecided)
    synthetic: bool = False
    synthetic_by: str | None = None

    @property
    def protected(self) -> bool:
        """Whether a picture of the case matches one of the creator's own images."""
        return self.protected_tier is not None

    @property
    def suggested_synthetic(self) -> bool:
        """Strong evidence suggests the material is AI-generated (a moderator decides)."""
        return any(signal.suggests_synthetic for signal in self.provenance)


@dataclass(frozen=True)
class BulkOutcome:
    """What one action on many cases did to one of them (``message``: new state or refusal)."""

    code: str
    ok: bool
    message: str
    case_id: int | None = None
    creator: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who performs an action; ``is_moderator`` is decided by the adapter (role, chat admin)."""

    ref: ReporterRef
    is_moderator: bool = False
    creator: str = "default"
    display: str = ""

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        return str(self.ref)
