"""The driver-independent part of writing a batch of link reports.

The hot path writes batches of plain link reports with the raw drivers
(:mod:`db.intake_sqlite`, :mod:`db.intake_pg`); both follow the same steps as the
SQLAlchemy Core implementation in :mod:`db.intake_sql` (which keeps batches with
pictures), and share what does not touch SQL: which batches qualify, the row
values, and how results and change notices are assembled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.ports import PendingReport, StoredReport
from core.redact import redact_links
from core.urls.access_keys import keyed_original, upgraded_url

#: Results per item, plus the creator and reporter ids the batch used (cached after commit).
Result = tuple[list[StoredReport], dict[str, int], dict[tuple[str, str], int]]
MAX_CODE_ATTEMPTS = 5
#: how many merges deep a case is followed to the case it now lives in
MAX_MERGE_DEPTH = 16
#: who the audit log names for what intake does by itself (reopening a dismissed case)
INTAKE_ACTOR = "leakdesk"
DISMISSED = "dismissed"
MERGED = "merged"


def reopen_reason(dismissal: str | None) -> str:
    """Why intake reopened a dismissed case (audit log and the case's reason)."""
    if dismissal:
        return f"reopened: new report after dismissal (reason: {dismissal})"
    return "reopened: new report after dismissal"


def audit_values(case_id: int, dismissal: str | None, now: Any) -> tuple[Any, ...]:
    """A reopening's audit row, in :data:`AUDIT_COLUMNS` order."""
    reason = redact_links(reopen_reason(dismissal))  # the audit log keeps no link
    return (case_id, INTAKE_ACTOR, "reopen", DISMISSED, "open", reason, now)


AUDIT_COLUMNS = (
    "case_id",
    "moderator",
    "action",
    "from_status",
    "to_status",
    "reason",
    "created_at",
)


@dataclass
class CaseStates:
    """Status and merge target of the existing cases a batch touches (by case id)."""

    status: dict[int, str] = field(default_factory=dict)
    merged_into: dict[int, int | None] = field(default_factory=dict)

    def note(self, case_id: int, status: str, merged_into: int | None) -> None:
        """Remember what a look-up said of a case."""
        self.status[case_id] = status
        self.merged_into[case_id] = merged_into

    def unresolved(self, case_ids: Sequence[int]) -> list[int]:
        """Merge targets among ``case_ids``' chains whose state is not known yet."""
        wanted = set()
        for case_id in case_ids:
            current, depth = case_id, 0
            while self.status.get(current) == MERGED and depth < MAX_MERGE_DEPTH:
                target = self.merged_into.get(current)
                if target is None:
                    break
                current, depth = target, depth + 1
            if current not in self.status:
                wanted.add(current)
        return sorted(wanted)

    def live(self, case_id: int) -> int:
        """The case ``case_id`` now lives in: itself, or where its merges lead."""
        current = case_id
        for _ in range(MAX_MERGE_DEPTH):
            target = self.merged_into.get(current)
            if self.status.get(current) != MERGED or target is None:
                return current
            current = target
        return current

    def dismissed(self, case_ids: Sequence[int] | set[int]) -> list[int]:
        """Which of ``case_ids`` are dismissed, sorted."""
        return sorted(c for c in set(case_ids) if self.status.get(c) == DISMISSED)


def links_only(items: Sequence[PendingReport]) -> bool:
    """True when every item is a plain link report (no picture, no image match to join)."""
    return all(i.link is not None and i.media is None and i.join_case_id is None for i in items)


def reporter_key(item: PendingReport) -> tuple[str, str]:
    """The (platform, user id) an item's reporter is cached under."""
    return item.reporter.platform, item.reporter.user_id


@dataclass
class ReportRow:
    """One report row on its way into ``reports``."""

    item: PendingReport
    case_id: int
    link_id: int | None
    reporter_id: int
    report_id: int | None = None  # set once inserted (or found, for a redelivered token)
    #: the reporter had reported this link before (in an earlier report or earlier in the
    #: batch): nothing is recorded, the answer names the earlier report
    already: bool = False
    #: the row earlier in the batch that this row repeats
    first: ReportRow | None = None


def keyed_links(rows: Sequence[ReportRow]) -> dict[int, str]:
    """Link id -> the first URL of the batch that gives the link's access key (MEGA).

    A link first stored without its key takes the keyed form from a later report
    (:mod:`core.urls.access_keys`); the caller reads these links' stored URLs and
    hands them to :func:`key_upgrades`.
    """
    keyed: dict[int, str] = {}
    for row in rows:
        if row.link_id is not None:
            original = keyed_original(row.item.link)
            if original is not None:
                keyed.setdefault(row.link_id, original)
    return keyed


def key_upgrades(keyed: dict[int, str], stored: Sequence[tuple[int, str]]) -> list[tuple[str, int]]:
    """(new url, link id) for each stored ``(link id, url)`` that lacks the key ``keyed`` gives."""
    upgrades = []
    for link_id, url in stored:
        better = upgraded_url(url, keyed.get(link_id, ""))
        if better is not None:
            upgrades.append((better, link_id))
    return upgrades


def report_pairs(rows: Sequence[ReportRow], known_links: set[int]) -> list[tuple[int, int]]:
    """(link id, reporter id) of the rows whose link existed before the batch, sorted.

    Only those can have been reported by the same reporter already.
    """
    return sorted({(r.link_id, r.reporter_id) for r in rows if r.link_id in known_links})


def rows_to_insert(
    rows: Sequence[ReportRow], earlier: dict[tuple[int, int], tuple[int, str]]
) -> list[ReportRow]:
    """The rows to insert: not those whose reporter already reported their link.

    ``earlier`` maps (link id, reporter id) to the (report id, token) of the first report
    already stored.  A row with that very token is a redelivered submission, answered as
    before; any other row of that pair, or a second row of one pair in the batch, is
    ``already`` reported and adds nothing.
    """
    first: dict[tuple[int, int], ReportRow] = {}
    insert = []
    for row in rows:
        if row.link_id is None:
            insert.append(row)
            continue
        pair = (row.link_id, row.reporter_id)
        if pair in earlier:
            row.report_id, token = earlier[pair]
            row.already = token != row.item.token
        elif pair in first:
            row.first, row.already = first[pair], True
        else:
            first[pair] = row
            insert.append(row)
    return insert


def settle_repeats(rows: Sequence[ReportRow]) -> None:
    """Give rows that repeat an earlier row of the batch that row's report id."""
    for row in rows:
        if row.first is not None:
            row.report_id = row.first.report_id


def report_values(row: ReportRow) -> tuple[Any, ...]:
    """(token, case_id, link_id, reporter_id, origin, note, anonymous) of a report row."""
    item = row.item
    return (
        item.token,
        row.case_id,
        row.link_id,
        row.reporter_id,
        item.origin,
        item.note,
        item.anonymous,
    )


def case_values(
    item: PendingReport, code: str, creator_id: int, now: Any, counts: tuple[int, int]
) -> tuple[Any, ...]:
    """Column values of a new case, in :data:`CASE_COLUMNS` order.

    ``counts`` are the (reporters, reports) the batch is about to add to it, so that
    a new case needs no update after its reports are in (see :func:`case_updates`).
    """
    link = item.link
    assert link is not None
    return (
        code,
        creator_id,
        item.origin_key,
        "open",
        link.host,
        link.platform,
        now,
        now,
        now,
        counts[0],
        counts[1],
        item.possible_duplicate_of,
    )


CASE_COLUMNS = (
    "code",
    "creator_id",
    "origin_key",
    "status",
    "host",
    "platform",
    "first_seen",
    "last_seen",
    "updated_at",
    "reporter_count",
    "report_count",
    "possible_duplicate_of_id",
)


def link_values(item: PendingReport, creator_id: int, case_id: int, now: Any) -> tuple[Any, ...]:
    """Column values of a new link, in :data:`LINK_COLUMNS` order."""
    link = item.link
    assert link is not None
    return (
        case_id,
        creator_id,
        link.original,
        link.canonical,
        link.key,
        link.version,
        link.host,
        link.platform,
        now,
    )


LINK_COLUMNS = (
    "case_id",
    "creator_id",
    "url",
    "canonical",
    "key",
    "key_version",
    "host",
    "platform",
    "created_at",
)


def expected_counts(
    rows: Sequence[tuple[tuple[int, str], int]],
) -> dict[tuple[int, str], tuple[int, int]]:
    """(distinct reporters, reports) per new case key, from (key, reporter id) of each item.

    A reporter's second report of one link adds nothing, so a new case gets one report
    per distinct reporter.
    """
    reporters: dict[tuple[int, str], set[int]] = {}
    for key, reporter_id in rows:
        reporters.setdefault(key, set()).add(reporter_id)
    return {key: (len(ids), len(ids)) for key, ids in reporters.items()}


def case_updates(
    fresh: Sequence[ReportRow],
    new_reporter_cases: Sequence[int],
    opened_with: dict[int, tuple[int, int]],
) -> list[tuple[int, int, int]]:
    """(case id, reporters to add, reports to add) per case to update, in id order.

    A case opened in this batch already holds the counts it was expected to get
    (``opened_with``); it is updated only when the batch turned out otherwise (a
    redelivered report, say).  Every other case touched by a fresh report is.
    """
    reporters: dict[int, int] = {}
    for case_id in new_reporter_cases:
        reporters[case_id] = reporters.get(case_id, 0) + 1
    reports: dict[int, int] = {}
    for row in fresh:
        reports[row.case_id] = reports.get(row.case_id, 0) + 1
    updates = []
    for case_id in sorted(reports.keys() | opened_with.keys()):
        added_reporters, added_reports = reporters.get(case_id, 0), reports.get(case_id, 0)
        if case_id in opened_with:
            expected_reporters, expected_reports = opened_with[case_id]
            added_reporters -= expected_reporters
            added_reports -= expected_reports
            if added_reporters == 0 and added_reports == 0:
                continue
        updates.append((case_id, added_reporters, added_reports))
    return updates


def stored_reports(
    rows: Sequence[ReportRow],
    created: set[int],
    counts: dict[int, tuple[str, int]],
    reopened: set[int] | frozenset[int] = frozenset(),
) -> list[StoredReport]:
    """One :class:`StoredReport` per row, given each case's (code, reporter count).

    Only the first report of a case opened in this batch counts as having opened it;
    the new reports of a case this batch ``reopened`` say so.
    """
    created = set(created)
    stored: list[StoredReport] = []
    for row in rows:
        opened = row.case_id in created and not row.already
        if opened:
            created.discard(row.case_id)
        code, count = counts[row.case_id]
        assert row.report_id is not None
        stored.append(
            StoredReport(
                row.report_id,
                row.case_id,
                code,
                opened,
                count,
                already_reported=row.already,
                reopened=row.case_id in reopened and not row.already,
            )
        )
    return stored


def case_notices(
    rows: Sequence[ReportRow], created: set[int], codes: dict[int, str], sender: str
) -> list[dict[str, Any]]:
    """One change notice per case the rows touched, for other processes (``CASES_CHANNEL``)."""
    changed: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.case_id not in changed:
            changed[row.case_id] = {
                "from": sender,
                "case": row.case_id,
                "code": codes[row.case_id],
                "creator": row.item.creator,
                "created": row.case_id in created,
            }
    return list(changed.values())


def sqlite_timestamp(now: datetime) -> str:
    """A UTC timestamp as SQLAlchemy stores ``DateTime`` in SQLite."""
    return now.strftime("%Y-%m-%d %H:%M:%S.%f")
