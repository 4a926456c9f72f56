"""Moderators act on the reporters of their creator's cases from a chat (DSA Art. 23).

Scope rules (the store enforces them in the same read that finds the reporters):

* a moderator sees and acts on a reporter only through their creator's cases: ``/reporters
  LD-…`` and ``/suspend LD-…`` take a case of the moderator's creator; ``/unsuspend``,
  ``/trust`` and ``/untrust`` take a pseudonym that reported one of that creator's cases
  *by name*.  Anyone else is "no reporter …", the same answer as a pseudonym nobody has:
  never a global lookup, never a hint that the reporter exists elsewhere;
* reporters who reported anonymously (only anonymously, on that creator's cases) or asked to
  be forgotten are counted, never listed, never acted on;
* every decision is audit-logged under one of the creator's cases (the one named, else the
  reporter's latest one of that creator), with the moderator's label;
* a standing (trusted, suspended) is the reporter's across leakdesk, as the operator's CLI
  sets it: a suspension refuses the reporter's next report anywhere, with the date and how
  to appeal (:data:`core.trust.SUSPENDED_TEXT`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.codes import normalize_case_code
from core.errors import InvalidLink, NotPermitted
from core.model import Actor
from core.trust import Record

#: what a moderator may decide about reporters
ACTIONS = ("suspend", "unsuspend", "trust", "untrust")
#: ``/suspend LD-… all``: every reporter of the case who gave their name
ALL = "all"
#: a moderator's reason is kept (audit log, suspension) up to this length
REASON_CHARS = 500
#: refusals of a reporter's name (worded for the chat and the CLI alike; translated by lookup)
NOT_A_PSEUDONYM = "name a reporter by their pseudonym, like telegram:3f9a0c21d4"
SHORT_PSEUDONYM = "a reporter pseudonym is at least 6 hex digits"
AMBIGUOUS_PSEUDONYM = "that pseudonym matches several reporters; give more digits"
#: the audit log's reason when a moderator gives none
DEFAULT_REASON = "suspended by a moderator from a chat"


@dataclass(frozen=True)
class ReporterSummary:
    """One keyed reporter: their record and what moderators decided (a pseudonym, never the
    account)."""

    pseudonym: str
    record: Record
    trusted: bool
    trusted_by_moderator: bool
    warned: bool
    suspended_until: datetime | None
    suspension_reason: str | None

    def as_json(self) -> Mapping[str, object]:
        """The summary as ``leakdesk reporters list --json`` prints it."""
        return {
            "reporter": self.pseudonym,
            "confirmed": self.record.confirmed,
            "dismissed": self.record.dismissed,
            "abusive": self.record.abusive,
            "trusted": self.trusted,
            "trusted_by_moderator": self.trusted_by_moderator,
            "warned": self.warned,
            "suspended_until": self.suspended_until.isoformat() if self.suspended_until else None,
            "suspension_reason": self.suspension_reason,
        }


@dataclass(frozen=True)
class CaseReporters:
    """The reporters of one case as its creator's moderators may see them."""

    code: str
    named: Sequence[ReporterSummary]
    #: reporters who reported anonymously or asked to be forgotten: counted, never named
    unnamed: int


@dataclass(frozen=True)
class ReporterDecision:
    """One reporter a moderator's decision applied to."""

    pseudonym: str
    #: the end of a suspension (None for the other decisions)
    until: datetime | None = None


class ReporterDecisions(Protocol):
    """Where reporters' standing is read and decided, per creator (``db.trust.SqlTrustStore``)."""

    async def case_reporters(self, code: str, *, creator: str) -> CaseReporters:
        """The case's reporters; :class:`~core.errors.CaseNotFound` for another creator's."""
        ...

    async def suspend(
        self,
        *,
        reporter: str | None = None,
        case: str | None = None,
        days: int | None = None,
        reason: str,
        moderator: str,
        creator: str | None = None,
    ) -> list[tuple[str, datetime]]:
        """Suspend and audit; ``creator``: only within that creator's cases."""
        ...

    async def unsuspend(
        self, *, reporter: str, moderator: str, reason: str = "", creator: str | None = None
    ) -> list[str]:
        """Lift a suspension and audit."""
        ...

    async def trust(
        self,
        *,
        reporter: str | None = None,
        case: str | None = None,
        moderator: str,
        trusted: bool = True,
        creator: str | None = None,
    ) -> list[str]:
        """Mark trusted (or take it back) and audit."""
        ...


class ReporterModeration:
    """A creator's moderators list a case's reporters and suspend or trust them."""

    def __init__(self, store: ReporterDecisions | None) -> None:
        self._store = store

    def _checked(self, actor: Actor) -> ReporterDecisions:
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can do that")
        if self._store is None:
            raise InvalidLink("reporter decisions are not available here")
        return self._store

    @staticmethod
    def _code(code: str) -> str:
        normalized = normalize_case_code(code)
        if normalized is None:
            raise InvalidLink("case codes look like LD-7KQ2MX")
        return normalized

    async def case_reporters(self, actor: Actor, code: str) -> CaseReporters:
        """The named reporters of one of the actor's creator's cases, and how many others."""
        store = self._checked(actor)
        return await store.case_reporters(self._code(code), creator=actor.creator)

    async def suspend(
        self, actor: Actor, code: str, who: str, reason: str = ""
    ) -> list[ReporterDecision]:
        """Suspend one named reporter of case ``code`` (``who``: a pseudonym) or all of them."""
        store = self._checked(actor)
        done = await store.suspend(
            reporter=None if who.strip().lower() == ALL else who,
            case=self._code(code),
            reason=reason.strip()[:REASON_CHARS] or DEFAULT_REASON,
            moderator=actor.label,
            creator=actor.creator,
        )
        return [ReporterDecision(name, until) for name, until in done]

    async def decide(self, actor: Actor, action: str, who: str) -> list[ReporterDecision]:
        """``unsuspend``, ``trust`` or ``untrust`` the reporter ``who`` (a pseudonym)."""
        store = self._checked(actor)
        if action == "unsuspend":
            names = await store.unsuspend(
                reporter=who, moderator=actor.label, creator=actor.creator
            )
        elif action in ("trust", "untrust"):
            names = await store.trust(
                reporter=who,
                moderator=actor.label,
                trusted=action == "trust",
                creator=actor.creator,
            )
        else:
            raise InvalidLink(f"unknown action {action!r}")
        return [ReporterDecision(name) for name in names]
