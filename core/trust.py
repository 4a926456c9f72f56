"""Reporter trust: how much a report counts, who is trusted, who is suspended (pure policy).

Nothing here knows a platform or a database: :mod:`db.trust` gathers the facts (keyed
reporter ids only, never accounts) and these functions decide.

* A report counts for less when it is the reporter's first report ever, or when the platform
  says the account is younger than ``new_account_days`` (Discord ids carry their creation
  time; Telegram does not expose it, so Telegram accounts are never "new").
* A case is *trusted* when its weighted ("independent") reporters reach ``case_threshold``,
  or when one of its reporters is trusted.
* A reporter is trusted when a moderator said so, or when enough of the cases they reported
  were confirmed and few dismissed.
* A reporter whose reports are manifestly unfounded (dismissed as abusive, few confirmed) is
  warned first, then suspended for ``suspend_days`` (the DSA's Art. 23 idea).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from core.errors import LeakdeskError
from core.model import CaseView, ReporterRef

#: A dismissal reason starting with one of these marks the report as abusive/false: it
#: counts towards the reporter's suspension (``/dismiss LD-… abusive: <why>``).
ABUSIVE_REASON_PREFIXES = ("abusive", "false report")


def is_abusive_dismissal(reason: str | None) -> bool:
    """Whether a dismissal ``reason`` says the report was abusive or knowingly false."""
    return bool(reason) and reason.strip().lower().startswith(ABUSIVE_REASON_PREFIXES)  # type: ignore[union-attr]


class ReporterSuspended(LeakdeskError):
    """The reporter is suspended; ``str(err)`` says until when and how to appeal."""

    def __init__(self, until: datetime) -> None:
        super().__init__(suspended_text(until))
        self.until = until


SUSPENDED_TEXT = (
    "your reports are suspended until %(until)s UTC because several of your reports were "
    "found to be false or abusive; nothing was recorded. To appeal, contact the creator's "
    "moderators."
)
"""The refusal of a suspended reporter's report (a catalog message id: handlers/core_texts.py)."""

WARNING_TEXT = (
    "Warning: several of your reports were dismissed as false or abusive. If this goes on, "
    "your reports will be suspended for %(days)s days."
)
"""The warning before a suspension (a catalog message id: handlers/core_texts.py)."""


def suspended_until(until: datetime) -> str:
    """The end of a suspension as the refusal shows it."""
    return until.strftime("%Y-%m-%d %H:%M")


def suspended_text(until: datetime) -> str:
    """The short reply a suspended reporter gets (never a reason that names anyone)."""
    return SUSPENDED_TEXT % {"until": suspended_until(until)}


@dataclass(frozen=True)
class TrustNotice:
    """A message for the reporter as a catalog id and its parameters (the core stays
    language-free; the handlers' rendering words it in the reporter's language)."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.msgid % dict(self.params)


@dataclass(frozen=True)
class TrustPolicy:
    """The configurable thresholds (``LEAKDESK_TRUST_*`` / ``LEAKDESK_SUSPEND_*``)."""

    first_report_weight: float = 0.5
    new_account_weight: float = 0.5
    new_account_days: int = 30
    case_threshold: float = 3.0
    reporter_min_confirmed: int = 3
    reporter_max_dismissed_share: float = 0.25
    warn_after_abusive: int = 2
    suspend_after_abusive: int = 3
    suspend_max_confirmed_share: float = 0.25
    suspend_days: int = 30

    def warning(self) -> TrustNotice:
        """The warning a reporter gets before a suspension."""
        return TrustNotice(WARNING_TEXT, {"days": self.suspend_days})


@dataclass(frozen=True)
class Record:
    """Moderator outcomes of the cases one reporter reported (each case counted once)."""

    confirmed: int = 0
    dismissed: int = 0
    abusive: int = 0


@dataclass(frozen=True)
class Standing:
    """What moderators decided about one (keyed) reporter, and what the platform told us."""

    trusted: bool = False
    warned_at: datetime | None = None
    suspended_until: datetime | None = None
    #: the account's creation day, when the platform tells it (never for Telegram)
    account_created: datetime | None = None
    #: abusive dismissals already answered by a suspension (or forgiven when one was
    #: lifted): only newer ones count towards the next suspension
    abusive_baseline: int = 0

    def suspended(self, now: datetime) -> bool:
        """Whether the reporter is suspended at ``now``."""
        return self.suspended_until is not None and self.suspended_until > now


def earned_trust(policy: TrustPolicy, record: Record) -> bool:
    """A good record: enough confirmed cases and few dismissed ones."""
    decided = record.confirmed + record.dismissed
    return (
        record.confirmed >= policy.reporter_min_confirmed
        and decided > 0
        and record.dismissed / decided <= policy.reporter_max_dismissed_share
    )


def is_trusted(policy: TrustPolicy, record: Record, standing: Standing, now: datetime) -> bool:
    """Trusted by a moderator or by their record, and not suspended."""
    if standing.suspended(now):
        return False
    return standing.trusted or earned_trust(policy, record)


def manifestly_unfounded(policy: TrustPolicy, record: Record, threshold: int) -> bool:
    """At least ``threshold`` abusive dismissals, and few confirmed cases beside them."""
    if record.abusive < threshold:
        return False
    share = record.confirmed / (record.confirmed + record.abusive)
    return share <= policy.suspend_max_confirmed_share


@dataclass(frozen=True)
class Assessment:
    """What to do with a reporter's new report: accept, accept with a warning, or suspend."""

    action: str  # "ok" | "warn" | "suspend"
    reason: str = ""


def assess(policy: TrustPolicy, record: Record, standing: Standing, now: datetime) -> Assessment:
    """Decide on a new report from a reporter with ``record`` and ``standing``.

    A suspension only ever follows a warning the reporter was shown (``warned_at``).
    """
    if standing.suspended(now):
        return Assessment("suspend", "already suspended")
    fresh = max(0, record.abusive - standing.abusive_baseline)
    record = Record(record.confirmed, record.dismissed, fresh)
    reason = f"{record.abusive} report(s) dismissed as abusive/false, {record.confirmed} confirmed"
    if standing.warned_at is not None and manifestly_unfounded(
        policy, record, policy.suspend_after_abusive
    ):
        return Assessment("suspend", "manifestly unfounded reports: " + reason)
    if standing.warned_at is None and manifestly_unfounded(
        policy, record, policy.warn_after_abusive
    ):
        return Assessment("warn", reason)
    return Assessment("ok")


def report_weight(
    policy: TrustPolicy,
    *,
    first_report: bool,
    account_created: datetime | None,
    reported_at: datetime,
    suspended: bool = False,
) -> float:
    """How much one reporter counts on one case: 1, less for a first-ever report or a
    young account (the factors multiply), 0 while the reporter is suspended."""
    if suspended:
        return 0.0
    weight = 1.0
    if first_report:
        weight *= policy.first_report_weight
    if account_created is not None and reported_at - account_created < timedelta(
        days=policy.new_account_days
    ):
        weight *= policy.new_account_weight
    return weight


@dataclass(frozen=True)
class CaseTrust:
    """The trust figures of one case."""

    independent: float
    trusted: bool


def case_trust(policy: TrustPolicy, weights: Iterable[float], any_trusted: bool) -> CaseTrust:
    """A case's weighted reporter figure and whether it reaches the trusted part of the queue."""
    total = round(sum(weights), 2)
    return CaseTrust(total, any_trusted or total >= policy.case_threshold - 1e-9)


class ReporterGate(Protocol):
    """What intake asks before committing a fan's report (``db.trust.SqlTrustStore``)."""

    async def check(self, ref: ReporterRef) -> TrustNotice | None:
        """Raise :class:`ReporterSuspended`, or return a warning to show (None: nothing)."""
        ...

    async def mark_warned(self, ref: ReporterRef) -> None:
        """The reporter was shown the warning."""
        ...


class CaseTrustReader(Protocol):
    """Fills in :attr:`CaseView.independent` and :attr:`CaseView.trusted`."""

    async def annotate(self, views: Sequence[CaseView]) -> list[CaseView]:
        """``views`` with their trust figures."""
        ...
