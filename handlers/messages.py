"""Neutral messages in, neutral replies out: what every adapter translates to and from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.intake import Rejected
from core.model import Actor, Attachment, CaseView, Origin, ReportOutcome
from core.reporter_moderation import CaseReporters, ReporterDecision


@dataclass(frozen=True)
class IncomingMessage:
    """A chat message (or command) from any platform, already stripped of platform details."""

    actor: Actor
    text: str = ""
    attachments: Sequence[Attachment] = ()
    origin: Origin = Origin.DM
    anonymous: bool = False
    note: str = ""
    submission_id: str | None = None
    #: the server or group it was written in (``discord:<guild id>``, ``telegram:<chat id>``);
    #: None in a DM or the console (rate limits per place)
    place: str | None = None


@dataclass(frozen=True)
class Reply:
    """Plain text for the person who wrote.

    ``text`` is the English wording; ``msgid`` and ``params``, when set, let the rendering
    word it in the reader's language (``text == msgid % params``).
    """

    text: str
    msgid: str | None = None
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    #: worded in this language whoever reads it (a creator's moderator place); None: the reader's
    lang: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, msgid: str, **params: object) -> Reply:
        """A reply worded by the catalog message ``msgid`` with its ``%(name)s`` params."""
        return cls(msgid % params if params else msgid, msgid, params)


@dataclass(frozen=True)
class Problem:
    """A refusal or error with a short, user-safe reason (never a traceback)."""

    text: str
    #: invalid | rate_limited | not_permitted | not_found | internal | suspended
    kind: str = "invalid"
    retry_after: float | None = None
    #: for ``rate_limited``: the limit that refused (reporter, place, creator or global)
    scope: str | None = None
    #: the catalog message and its params (``text == msgid % params``); None: ``text`` itself
    msgid: str | None = None
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    #: worded in this language whoever reads it (a creator's moderator place); None: the reader's
    lang: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, msgid: str, kind: str = "invalid", **params: object) -> Problem:
        """A refusal worded by the catalog message ``msgid`` with its ``%(name)s`` params."""
        return cls(msgid % params if params else msgid, kind, msgid=msgid, params=params)


@dataclass(frozen=True)
class ReportReceived:
    """The report was committed; one outcome per accepted link or picture."""

    outcomes: Sequence[ReportOutcome]
    rejected: Sequence[Rejected] = ()
    anonymous: bool = False
    #: a warning for the reporter (their reports were dismissed as abusive)
    notice: Reply | None = None

    @property
    def reached_moderators(self) -> bool:
        """Whether this report brought moderators anything new: False when every input
        was one the reporter had already reported (or repeated another input)."""
        return any(not o.already_reported and o.duplicate_of is None for o in self.outcomes)


@dataclass(frozen=True)
class CaseStatusReply:
    """The public status of a case (no link, no reason, no reporters)."""

    code: str
    status_text: str
    reporters: int


@dataclass(frozen=True)
class QueueListing:
    """Moderators only: cases of their creator, with links."""

    cases: Sequence[CaseView]
    status_filter: str = "open, claimed, confirmed"


@dataclass(frozen=True)
class CaseUpdated:
    """Moderators only: a case after an action."""

    case: CaseView
    action: str
    #: for a merge: the code of the case that was folded into ``case``
    source: str | None = None


@dataclass(frozen=True)
class ReporterListing:
    """Moderators only: a case's named reporters (pseudonyms) and how many others."""

    reporters: CaseReporters


@dataclass(frozen=True)
class ReportersDecided:
    """Moderators only: the reporters a decision applied to."""

    #: suspend | unsuspend | trust | untrust
    action: str
    decisions: Sequence[ReporterDecision]


@dataclass(frozen=True)
class HelpText:
    """What the bot does and how to use it."""

    is_moderator: bool = False


@dataclass(frozen=True)
class PrivacyNotice:
    """What is kept, who sees it, and how to ask for deletion."""


ReplyType = (
    Reply
    | Problem
    | ReportReceived
    | CaseStatusReply
    | QueueListing
    | CaseUpdated
    | ReporterListing
    | ReportersDecided
    | HelpText
    | PrivacyNotice
)


@dataclass(frozen=True)
class Replies:
    """Ordered replies of one handler call."""

    items: list[ReplyType] = field(default_factory=list)
