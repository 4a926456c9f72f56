"""The driver-independent part of writing a batch of link reports.

The hot path writes batches of plain link reports with the raw drivers
(:mod:`db.intake_sqlite`, :mod:`db.intake_pg`); both follow the same steps as the
SQLAlchemy Core implementation in :mod:`db.intake_sql` (which keeps batches with
pictures), and share what does not touch SQL: which batches qualify, the row
values, and how results and change notices are assembled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.ports import PendingReport, StoredReport

#: Results per item, plus the creator and reporter ids the batch used (cached after commit).
Result = tuple[list[StoredReport], dict[str, int], dict[tuple[str, str], int]]
MAX_CODE_ATTEMPTS = 5


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
    """(distinct reporters, reports) per case key, from (key, reporter id) of each item."""
    reporters: dict[tuple[int, str], set[int]] = {}
    reports: dict[tuple[int, str], int] = {}
    for key, reporter_id in rows:
        reporters.setdefault(key, set()).add(reporter_id)
        reports[key] = reports.get(key, 0) + 1
    return {key: (len(reporters[key]), n) for key, n in reports.items()}


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
    rows: Sequence[ReportRow], created: set[int], counts: dict[int, tuple[str, int]]
) -> list[StoredReport]:
    """One :class:`StoredReport` per row, given each case's (code, reporter count).

    Only the first report of a case opened in this batch counts as having opened it.
    """
    created = set(created)
    stored: list[StoredReport] = []
    for row in rows:
        opened = row.case_id in created
        created.discard(row.case_id)
        code, count = counts[row.case_id]
        assert row.report_id is not None
        stored.append(StoredReport(row.report_id, row.case_id, code, opened, count))
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
