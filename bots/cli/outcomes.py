"""One printable row per input of ``leakdesk report``: its link or file, and what became of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.intake import IntakeResult
    from core.model import ReportOutcome
    from core.urls import Registry


@dataclass(frozen=True)
class OutcomeRow:
    """What ``report --json`` prints for one input (the README documents these keys)."""

    url: str | None
    report_id: int
    case_code: str
    new_case: bool
    reporters: int
    matched_by: str | None
    distance: int | None
    media_error: str | None
    already_reported: bool
    duplicate_of: str | None
    reopened: bool
    possible_duplicate_of: str | None = None
    #: the case matches one of the creator's own (protected) images (operator output only)
    protected: bool = False

    def as_json(self) -> dict[str, Any]:
        """The row as a JSON object."""
        return asdict(self)

    def as_text(self) -> str:
        """The row as one line for a person (never the link itself)."""
        if self.duplicate_of is not None:
            state = "repeats an earlier input:"
        elif self.already_reported:
            state = "you already reported this:"
        elif self.new_case:
            state = "new case"
        else:
            state = f"joined case (by {self.matched_by})"
        reopened = ", reopened" if self.reopened else ""
        extra = f"; media not used: {self.media_error}" if self.media_error else ""
        own = "; matches the creator's own image" if self.protected else ""
        return f"{state} {self.case_code} ({self.reporters} reporter(s){reopened}){extra}{own}"


def _row(outcome: ReportOutcome, url: str | None, duplicate_of: str | None = None) -> OutcomeRow:
    return OutcomeRow(
        url=outcome.url or url,
        report_id=outcome.report_id,
        case_code=outcome.case_code,
        new_case=outcome.new_case,
        reporters=outcome.reporters,
        matched_by=outcome.matched_by,
        distance=outcome.distance,
        media_error=outcome.media_error,
        already_reported=outcome.already_reported,
        duplicate_of=outcome.duplicate_of or duplicate_of,
        reopened=outcome.reopened,
        possible_duplicate_of=outcome.possible_duplicate_of,
    )


def outcome_rows(
    result: IntakeResult, urls: Sequence[str], files: Sequence[str], registry: Registry
) -> list[OutcomeRow]:
    """One row per accepted input, in input order.

    When the core already names each outcome's input (``ReportOutcome.url``) its outcomes are
    used as they are; otherwise links are matched to outcomes by dedupe key (a repeated link
    gets the first one's case and ``duplicate_of``) and pictures by order.
    """
    if result.outcomes and all(outcome.url for outcome in result.outcomes):
        return [_row(outcome, outcome.url) for outcome in result.outcomes]
    from core.urls import canonicalize

    link_outcomes = iter(o for o in result.outcomes if o.link is not None)
    picture_outcomes = [o for o in result.outcomes if o.link is None]
    refused = {refusal.item for refusal in result.rejected}
    rows: list[OutcomeRow] = []
    first_by_key: dict[str, tuple[str, ReportOutcome]] = {}
    for url in urls:
        key = canonicalize(url, registry).key
        if key in first_by_key:
            first_url, outcome = first_by_key[key]
            rows.append(_row(outcome, url, duplicate_of=first_url))
            continue
        outcome = next(link_outcomes, None)
        if outcome is None:
            break
        first_by_key[key] = (url, outcome)
        rows.append(_row(outcome, url))
    accepted_files = [name for name in files if name not in refused]
    rows.extend(_row(o, name) for o, name in zip(picture_outcomes, accepted_files, strict=False))
    return rows
