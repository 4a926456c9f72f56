"""Link reports on SQLite with the plain ``sqlite3`` driver (the intake hot path).

The same steps as :func:`db.intake_sql.record_batch`, without SQLAlchemy's
per-statement cost: look-ups take every key of the batch at once (a JSON array
through ``json_each``), inserts skip conflicts and return what they created, then
read back what is there.  The caller owns the transaction (``BEGIN IMMEDIATE``),
so nothing else writes while the batch runs: the check that a reporter already
reported a link, and the reopening of a dismissed case, cannot race another writer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from core.codes import new_case_code
from core.ports import PendingReport
from db.intake_plan import (
    AUDIT_COLUMNS,
    CASE_COLUMNS,
    LINK_COLUMNS,
    MAX_CODE_ATTEMPTS,
    CaseStates,
    ReportRow,
    Result,
    audit_values,
    case_updates,
    case_values,
    expected_counts,
    key_upgrades,
    keyed_links,
    link_values,
    reopen_reason,
    report_pairs,
    report_values,
    reporter_key,
    rows_to_insert,
    settle_repeats,
    sqlite_timestamp,
    stored_reports,
)
from db.intake_sql import IdCache
from db.tables import utcnow


def _insert(table: str, columns: Sequence[str], returning: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
        f" RETURNING {returning}"
    )


_IN_JSON = "IN (SELECT value FROM json_each(?))"
INSERT_CREATOR = (
    "INSERT INTO creators (slug, display_name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
SELECT_CREATORS = f"SELECT slug, id FROM creators WHERE slug {_IN_JSON}"
INSERT_REPORTER = (
    "INSERT INTO reporters (platform, platform_user_id, created_at) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
SELECT_REPORTERS = (
    f"SELECT platform, platform_user_id, id FROM reporters WHERE platform_user_id {_IN_JSON}"
)
SELECT_LINKS = (
    'SELECT l.creator_id, l."key", l.case_id, l.id, c.status, c.merged_into_id FROM links AS l '
    f'JOIN cases AS c ON c.id = l.case_id WHERE l."key" {_IN_JSON}'
)
SELECT_LINK = (
    "SELECT l.case_id, l.id, c.status, c.merged_into_id FROM links AS l "
    'JOIN cases AS c ON c.id = l.case_id WHERE l."key" = ? AND l.creator_id = ?'
)
SELECT_CASE_BY_ORIGIN = (
    "SELECT id, status, merged_into_id FROM cases WHERE origin_key = ? AND creator_id = ?"
)
SELECT_CASE_STATES = f"SELECT id, status, merged_into_id FROM cases WHERE id {_IN_JSON}"
#: the first report of each (link id, reporter id) pair given as a JSON array of pairs
SELECT_EARLIER = (
    "SELECT r.link_id, r.reporter_id, r.id, r.token FROM json_each(?) AS w "
    "JOIN reports AS r ON r.link_id = json_extract(w.value, '$[0]') "
    "AND r.reporter_id = json_extract(w.value, '$[1]') "
    "ORDER BY r.id"
)
REOPEN_CASES = (
    "UPDATE cases SET status = 'open', reason = ?, updated_at = ? "
    "WHERE id = ? AND status = 'dismissed' RETURNING id"
)
SELECT_DISMISSALS = f"SELECT id, reason FROM cases WHERE status = 'dismissed' AND id {_IN_JSON}"
INSERT_AUDIT = (
    f"INSERT INTO moderator_actions ({', '.join(AUDIT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in AUDIT_COLUMNS)})"
)
INSERT_CASE = _insert("cases", CASE_COLUMNS, "id")
INSERT_LINK = _insert("links", LINK_COLUMNS, "id")
INSERT_REPORT = _insert(
    "reports",
    ("token", "case_id", "link_id", "reporter_id", "origin", "note", "anonymous", "created_at"),
    "id",
)
SELECT_REPORTS = f"SELECT token, id, case_id FROM reports WHERE token {_IN_JSON}"
INSERT_CASE_REPORTER = (
    "INSERT INTO case_reporters (case_id, reporter_id) VALUES (?, ?) "
    "ON CONFLICT DO NOTHING RETURNING case_id"
)
BUMP_CASE = (
    "UPDATE cases SET reporter_count = reporter_count + ?, report_count = report_count + ?, "
    "last_seen = ?, updated_at = ? WHERE id = ?"
)
SELECT_CASE_COUNTS = f"SELECT id, code, reporter_count FROM cases WHERE id {_IN_JSON}"
SELECT_LINK_URLS = f"SELECT id, url FROM links WHERE id {_IN_JSON}"
UPDATE_LINK_URL = "UPDATE links SET url = ? WHERE id = ?"


def add_access_keys(conn: sqlite3.Connection, rows: Sequence[ReportRow]) -> None:
    """Give stored links without their access key the key a report of the batch gives."""
    keyed = keyed_links(rows)
    if keyed:
        stored = conn.execute(SELECT_LINK_URLS, (json.dumps(sorted(keyed)),)).fetchall()
        conn.executemany(UPDATE_LINK_URL, key_upgrades(keyed, stored))


def _creator_ids(
    conn: sqlite3.Connection, slugs: set[str], cache: IdCache, now: str
) -> dict[str, int]:
    found = {s: cache.creators[s] for s in slugs if s in cache.creators}
    missing = sorted(slugs - found.keys())
    if missing:
        conn.executemany(INSERT_CREATOR, [(s, s, now) for s in missing])
        found.update(conn.execute(SELECT_CREATORS, (json.dumps(missing),)).fetchall())
    return found


def _reporter_ids(
    conn: sqlite3.Connection, refs: set[tuple[str, str]], cache: IdCache, now: str
) -> dict[tuple[str, str], int]:
    cached = cache.reporters
    found = {r: cached[r] for r in refs if r in cached}
    missing = sorted(refs - found.keys())
    if missing:
        sealed = cache.sealed(missing)
        conn.executemany(INSERT_REPORTER, [(p, sealed[(p, u)], now) for p, u in missing])
        wanted = {(p, sealed[(p, u)]): (p, u) for p, u in missing}
        users = json.dumps(list(sealed.values()))
        for platform, user, rid in conn.execute(SELECT_REPORTERS, (users,)):
            ref = wanted.get((platform, user))
            if ref is not None:
                found[ref] = rid
    return found


def _open_case(
    conn: sqlite3.Connection,
    item: PendingReport,
    creator_id: int,
    now: str,
    counts: tuple[int, int],
    states: CaseStates,
) -> tuple[int, bool]:
    """The case for ``item``'s key: a new one (True), or the one already opened under it.

    A case found under the key (its links were purged, or moved by a merge) is followed
    to the case it now lives in.
    """
    for _attempt in range(MAX_CODE_ATTEMPTS):
        values = case_values(item, new_case_code(), creator_id, now, counts)
        row = conn.execute(INSERT_CASE, values).fetchone()
        if row is not None:
            return row[0], True
        row = conn.execute(SELECT_CASE_BY_ORIGIN, (item.origin_key, creator_id)).fetchone()
        if row is not None:
            states.note(*row)
            return _live(conn, states, row[0]), False
        # else the random case code collided: draw another
    raise RuntimeError("could not allocate case codes")


def _live(conn: sqlite3.Connection, states: CaseStates, case_id: int) -> int:
    """The case ``case_id`` now lives in, reading the states of merge targets as needed."""
    for _ in range(MAX_CODE_ATTEMPTS):
        missing = states.unresolved([case_id])
        if not missing:
            break
        for row in conn.execute(SELECT_CASE_STATES, (json.dumps(missing),)):
            states.note(*row)
    return states.live(case_id)


def _cases_for_keys(
    conn: sqlite3.Connection,
    wanted: dict[tuple[int, str], PendingReport],
    expected: dict[tuple[int, str], tuple[int, int]],
    now: str,
    states: CaseStates,
) -> tuple[dict[tuple[int, str], tuple[int, int | None]], dict[int, tuple[int, int]], set[int]]:
    """Map (creator_id, key) to (case_id, link_id), opening cases for unknown keys.

    Also returns the cases opened, with the (reporters, reports) they were opened with,
    and the ids of the links that existed before (only those may have reports).
    """
    found: dict[tuple[int, str], tuple[int, int | None]] = {}
    known: set[int] = set()
    keys = json.dumps(sorted({k for _, k in wanted}))
    for creator_id, key, case_id, link_id, status, merged_into in conn.execute(
        SELECT_LINKS, (keys,)
    ):
        if (creator_id, key) in wanted:
            states.note(case_id, status, merged_into)
            if merged_into is not None:  # not left behind by merges: a safety net
                case_id = _live(conn, states, case_id)
            found[(creator_id, key)] = (case_id, link_id)
            known.add(link_id)
    opened: dict[int, tuple[int, int]] = {}
    for wkey in sorted(k for k in wanted if k not in found):
        case_id, is_new = _open_case(conn, wanted[wkey], wkey[0], now, expected[wkey], states)
        found[wkey] = (case_id, None)
        if is_new:
            opened[case_id] = expected[wkey]
    for wkey in sorted(k for k in wanted if found[k][1] is None):
        case_id = found[wkey][0]
        row = conn.execute(INSERT_LINK, link_values(wanted[wkey], wkey[0], case_id, now)).fetchone()
        if row is not None:
            found[wkey] = (case_id, row[0])
            continue
        # the key was linked in the meantime: use that link's case
        row = conn.execute(SELECT_LINK, (wkey[1], wkey[0])).fetchone()
        if row is not None:
            states.note(row[0], row[2], row[3])
            found[wkey] = (row[0], row[1])
            known.add(row[1])
    return found, opened, known


def _earlier_reports(
    conn: sqlite3.Connection, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, str]]:
    """(report id, token) of the first stored report of each (link id, reporter id) pair."""
    earlier: dict[tuple[int, int], tuple[int, str]] = {}
    if pairs:
        for link_id, reporter_id, report_id, token in conn.execute(
            SELECT_EARLIER, (json.dumps(pairs),)
        ):
            earlier.setdefault((link_id, reporter_id), (report_id, token))
    return earlier


def reopen_dismissed(conn: sqlite3.Connection, case_ids: list[int], now: str) -> set[int]:
    """Reopen the dismissed ``case_ids`` (they got a new reporter); log why; return them."""
    if not case_ids:
        return set()
    reopened = set()
    for case_id, dismissal in conn.execute(SELECT_DISMISSALS, (json.dumps(case_ids),)).fetchall():
        if conn.execute(REOPEN_CASES, (reopen_reason(dismissal), now, case_id)).fetchone():
            conn.execute(INSERT_AUDIT, audit_values(case_id, dismissal, now))
            reopened.add(case_id)
    return reopened


def _insert_reports(conn: sqlite3.Connection, rows: list[ReportRow], now: str) -> list[ReportRow]:
    """Insert the report rows; returns the fresh ones (a redelivered token is not fresh)."""
    for row in rows:
        found = conn.execute(INSERT_REPORT, (*report_values(row), now)).fetchone()
        if found is not None:
            row.report_id = found[0]
    fresh = [r for r in rows if r.report_id is not None]
    repeated = [r for r in rows if r.report_id is None]
    if repeated:  # a redelivered submission: already recorded, answer as before
        tokens = json.dumps([r.item.token for r in repeated])
        earlier = {t: (rid, cid) for t, rid, cid in conn.execute(SELECT_REPORTS, (tokens,))}
        for r in repeated:
            if r.item.token in earlier:
                r.report_id, r.case_id = earlier[r.item.token]
    return fresh


def record_links(
    conn: sqlite3.Connection, items: Sequence[PendingReport], cache: IdCache
) -> Result:
    """Write link reports (see :func:`db.intake_plan.links_only`) in the caller's transaction.

    Returns one result per item (in order) and the creator and reporter ids used,
    which the caller may cache once the transaction has committed.
    """
    now = sqlite_timestamp(utcnow())
    creators = _creator_ids(conn, {i.creator for i in items}, cache, now)
    reporters = _reporter_ids(conn, {reporter_key(i) for i in items}, cache, now)
    keyed = [((creators[i.creator], i.origin_key), reporters[reporter_key(i)]) for i in items]
    wanted: dict[tuple[int, str], PendingReport] = {}
    for item, (key, _reporter) in zip(items, keyed, strict=True):
        wanted.setdefault(key, item)
    states = CaseStates()
    found, opened, known = _cases_for_keys(conn, wanted, expected_counts(keyed), now, states)
    rows = [
        ReportRow(item, *found[key], reporter_id)
        for item, (key, reporter_id) in zip(items, keyed, strict=True)
    ]
    add_access_keys(conn, rows)
    insert = rows_to_insert(rows, _earlier_reports(conn, report_pairs(rows, known)))
    fresh = _insert_reports(conn, insert, now)
    settle_repeats(rows)
    new_reporters = []
    for pair in sorted({(r.case_id, r.reporter_id) for r in fresh}):
        if conn.execute(INSERT_CASE_REPORTER, pair).fetchone() is not None:
            new_reporters.append(pair[0])
    bumps = case_updates(fresh, new_reporters, opened)
    conn.executemany(BUMP_CASE, [(r, n, now, now, cid) for cid, r, n in bumps])
    reopened = reopen_dismissed(conn, states.dismissed(new_reporters), now)
    ids = json.dumps(sorted({r.case_id for r in rows}))
    counts: dict[int, tuple[str, int]] = {
        cid: (code, count) for cid, code, count in conn.execute(SELECT_CASE_COUNTS, (ids,))
    }
    return stored_reports(rows, set(opened), counts, reopened), creators, reporters


__all__ = ["record_links"]
