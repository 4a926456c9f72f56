"""Link reports on PostgreSQL with prepared asyncpg statements (the intake hot path).

The same steps as :func:`db.intake_sql.record_batch`, without SQLAlchemy, and in
as few round trips as the dedupe rules allow: two or three statements between
``BEGIN`` and ``COMMIT``, each for the whole batch (columns passed as arrays
through ``unnest``), prepared once per connection by asyncpg's statement cache.

1. look up the links of the batch (with their cases' states) and, in the same
   statement, open and link a case for every key nobody linked yet (``LOOKUP_OR_OPEN``);
2. when links were found: the first report of each (link, reporter) pair, so that a
   reporter's repeat of a link records nothing (``SELECT_EARLIER``);
3. insert the reports and the cases' new distinct reporters and, when every report
   was new, add the counts to the cases that already existed and queue the change
   notices for other processes (``RECORD_REPORTS``).

Anything unusual (a key opened or linked by another transaction meanwhile, a case
code collision, a redelivered report, a case merged away or dismissed) takes further
statements in the same transaction, exactly as :mod:`db.intake_sql` handles it.
Inserts skip conflicts and return what they created; what another transaction
created meanwhile is read back by a later statement (READ COMMITTED sees it once
that transaction commits), so concurrent writers and processes never open two cases
for one key.  Rows are inserted and locked in sorted order to avoid deadlocks.  (Two
writers taking one reporter's repeat of a known link in the same instant may both record
it: "already reported" rests on a look-up, not on a unique constraint.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from core.codes import new_case_code
from core.ports import PendingReport
from core.redact import redact_links
from db.intake_plan import (
    AUDIT_COLUMNS,
    INTAKE_ACTOR,
    MAX_CODE_ATTEMPTS,
    CaseStates,
    ReportRow,
    Result,
    case_notices,
    case_updates,
    expected_counts,
    key_upgrades,
    keyed_links,
    reopen_reason,
    report_pairs,
    report_values,
    reporter_key,
    rows_to_insert,
    settle_repeats,
    stored_reports,
)
from db.intake_sql import IdCache
from db.notify import CASES_CHANNEL
from db.tables import utcnow

Key = tuple[int, str]  # (creator id, origin key)

INSERT_CREATORS = (
    "INSERT INTO creators (slug, display_name, created_at) "
    "SELECT s, s, $2::timestamptz FROM unnest($1::text[]) AS s ON CONFLICT DO NOTHING"
)
SELECT_CREATORS = (
    "SELECT c.slug, c.id FROM unnest($1::text[]) AS w(slug) JOIN creators AS c ON c.slug = w.slug"
)
INSERT_REPORTERS = (
    "INSERT INTO reporters (platform, platform_user_id, created_at) "
    "SELECT p, u, $3::timestamptz FROM unnest($1::text[], $2::text[]) AS r(p, u) "
    "ON CONFLICT DO NOTHING"
)
SELECT_REPORTERS = (
    "SELECT r.platform, r.platform_user_id, r.id FROM unnest($1::text[], $2::text[]) AS w(p, u) "
    "JOIN reporters AS r ON r.platform = w.p AND r.platform_user_id = w.u"
)
# Look-ups probe a unique index once per wanted key (LATERAL ... LIMIT 1), so the plan
# never turns into a scan of the whole table, whatever the statistics said when it was made.
SELECT_LINKS = (
    "SELECT w.creator_id, w.key, l.case_id, l.id, l.code, l.status, l.merged_into_id "
    "FROM unnest($1::int[], $2::text[]) AS w(creator_id, key) CROSS JOIN LATERAL ("
    "SELECT l.case_id, l.id, c.code, c.status, c.merged_into_id FROM links AS l "
    "JOIN cases AS c ON c.id = l.case_id "
    "WHERE l.key = w.key AND l.creator_id = w.creator_id LIMIT 1) AS l"
)
SELECT_CASES_BY_ORIGIN = (
    "SELECT w.creator_id, w.key, c.id, c.code, c.status, c.merged_into_id "
    "FROM unnest($1::int[], $2::text[]) AS w(creator_id, key) CROSS JOIN LATERAL ("
    "SELECT id, code, status, merged_into_id FROM cases "
    "WHERE origin_key = w.key AND creator_id = w.creator_id LIMIT 1) AS c"
)
SELECT_CASE_STATES = (
    "SELECT c.id, c.status, c.merged_into_id, c.code FROM unnest($1::int[]) AS w(id) "
    "CROSS JOIN LATERAL (SELECT id, status, merged_into_id, code FROM cases "
    "WHERE id = w.id LIMIT 1) AS c"
)
#: the first stored report of each (link id, reporter id) pair
SELECT_EARLIER = (
    "SELECT w.link_id, w.reporter_id, e.id, e.token FROM unnest($1::int[], $2::int[]) "
    "AS w(link_id, reporter_id) CROSS JOIN LATERAL (SELECT id, token FROM reports "
    "WHERE link_id = w.link_id AND reporter_id = w.reporter_id ORDER BY id LIMIT 1) AS e"
)
SELECT_DISMISSALS = (
    "SELECT id, reason FROM cases WHERE id = ANY($1::int[]) AND status = 'dismissed' "
    "ORDER BY id FOR UPDATE"
)
REOPEN_CASES = (
    "WITH o AS (UPDATE cases AS c SET status = 'open', reason = v.reason, updated_at = $3 "
    "FROM unnest($1::int[], $2::text[], $5::text[]) AS v(id, reason, audit) WHERE c.id = v.id "
    "RETURNING c.id, v.audit) "
    f"INSERT INTO moderator_actions ({', '.join(AUDIT_COLUMNS)}) "
    "SELECT id, $4, 'reopen', 'dismissed', 'open', audit, $3 FROM o"
)
_LINK_ARRAYS = "$1::int[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[]"
_WANTED = (
    "w AS (SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], "
    "$6::int[], $7::int[], $8::int[], $9::text[], $10::text[], $11::int[]) "
    "AS w(creator_id, key, code, host, platform, reporters, reports, duplicate_of, url, "
    "canonical, key_version))"
)
_OPEN = (
    "c AS (INSERT INTO cases (code, creator_id, origin_key, status, host, platform, first_seen, "
    "last_seen, updated_at, reporter_count, report_count, possible_duplicate_of_id) "
    "SELECT code, creator_id, key, 'open', host, platform, $12::timestamptz, $12, $12, "
    "reporters, reports, duplicate_of FROM w {only} ON CONFLICT DO NOTHING "
    "RETURNING id, creator_id, origin_key), "
    "l AS (INSERT INTO links (case_id, creator_id, url, canonical, key, key_version, host, "
    "platform, created_at) SELECT c.id, w.creator_id, w.url, w.canonical, w.key, w.key_version, "
    "w.host, w.platform, $12 FROM c JOIN w ON w.creator_id = c.creator_id "
    "AND w.key = c.origin_key ON CONFLICT DO NOTHING RETURNING id, creator_id, key) "
    "SELECT 1, creator_id, origin_key, id, NULL, NULL, NULL, NULL::int FROM c "
    "UNION ALL SELECT 2, creator_id, key, NULL, id, NULL, NULL, NULL FROM l"
)
#: rows (kind, creator id, key, case id, link id, code, status, merged into): 0 a linked
#: key found (with its case), 1 a case opened, 2 the link of an opened case
LOOKUP_OR_OPEN = (
    f"WITH {_WANTED}, "
    "f AS (SELECT w.creator_id, w.key, l.case_id, l.id AS link_id, l.code, l.status, "
    "l.merged_into_id FROM w "
    "CROSS JOIN LATERAL (SELECT l.case_id, l.id, c.code, c.status, c.merged_into_id "
    "FROM links AS l JOIN cases AS c ON c.id = l.case_id "
    "WHERE l.key = w.key AND l.creator_id = w.creator_id LIMIT 1) AS l), "
    + _OPEN.format(
        only="WHERE NOT EXISTS (SELECT 1 FROM f "
        "WHERE f.creator_id = w.creator_id AND f.key = w.key)"
    )
    + " UNION ALL SELECT 0, creator_id, key, case_id, link_id, code, status, merged_into_id FROM f"
)
#: LOOKUP_OR_OPEN without the look-up, for keys known to have no link
OPEN_CASES = f"WITH {_WANTED}, " + _OPEN.format(only="")
INSERT_LINKS = (
    "INSERT INTO links (case_id, creator_id, url, canonical, key, key_version, host, platform, "
    f"created_at) SELECT *, $9::timestamptz FROM unnest($8::int[], {_LINK_ARRAYS}) "
    "AS w(case_id, creator_id, url, canonical, key, key_version, host, platform) "
    "ON CONFLICT DO NOTHING RETURNING id, creator_id, key"
)
#: The reports, the cases' new distinct reporters and, when every report was new (the
#: batch is as expected: ``clean``), the counts added to the cases (in id order) and the
#: change notices; otherwise the caller does those two.  Rows (kind, id, text, count):
#: 0 (report id, token) inserted, 1 (case id) of a new distinct reporter, 2 (case id,
#: code, reporter count) of an updated case, 3 (notices sent).
RECORD_REPORTS = (
    "WITH r AS (INSERT INTO reports (token, case_id, link_id, reporter_id, origin, note, "
    "anonymous, created_at) SELECT *, $8::timestamptz FROM unnest($1::text[], $2::int[], "
    "$3::int[], $4::int[], $5::text[], $6::text[], $7::bool[]) ON CONFLICT DO NOTHING "
    "RETURNING id, token, case_id, reporter_id), "
    "p AS (INSERT INTO case_reporters (case_id, reporter_id) "
    "SELECT DISTINCT case_id, reporter_id FROM r ORDER BY case_id, reporter_id "
    "ON CONFLICT DO NOTHING RETURNING case_id), "
    "clean AS (SELECT count(*) = $9::int AS yes FROM r), "
    # what each case gains, less what a case opened by this batch already holds
    "d AS (SELECT id, sum(dr)::int AS dr, sum(dn)::int AS dn FROM ("
    "SELECT case_id AS id, 1 AS dr, 0 AS dn FROM p UNION ALL SELECT case_id, 0, 1 FROM r "
    "UNION ALL SELECT * FROM unnest($10::int[], $11::int[], $12::int[])) AS x "
    "GROUP BY id HAVING sum(dr) <> 0 OR sum(dn) <> 0 ORDER BY id), "
    "u AS (UPDATE cases AS c SET reporter_count = c.reporter_count + d.dr, "
    "report_count = c.report_count + d.dn, last_seen = $8, updated_at = $8 "
    "FROM d WHERE c.id = d.id AND (SELECT yes FROM clean) "
    "RETURNING c.id, c.code, c.reporter_count), "
    "n AS (SELECT pg_notify($13, m) FROM unnest($14::text[]) AS m WHERE (SELECT yes FROM clean)) "
    "SELECT 0, id, token, NULL::int FROM r UNION ALL SELECT 1, case_id, NULL, NULL FROM p "
    "UNION ALL SELECT 2, id, code, reporter_count FROM u "
    "UNION ALL SELECT 3, count(*)::int, NULL, NULL FROM n"
)
SELECT_REPORTS = (
    "SELECT w.token, r.id, r.case_id, r.code FROM unnest($1::text[]) AS w(token) "
    "CROSS JOIN LATERAL (SELECT r.id, r.case_id, c.code FROM reports AS r "
    "JOIN cases AS c ON c.id = r.case_id WHERE r.token = w.token LIMIT 1) AS r"
)
#: counts added to cases in id order (rows locked in that order), plus the change notices;
#: returns (case id, code, reporter count) per updated case and one row (NULL, NULL, notices)
UPDATE_CASES = (
    "WITH v AS (SELECT * FROM unnest($1::int[], $2::int[], $3::int[]) AS v(id, r, n) "
    "ORDER BY id), "
    "u AS (UPDATE cases AS c SET reporter_count = c.reporter_count + v.r, "
    "report_count = c.report_count + v.n, last_seen = $4::timestamptz, updated_at = $4 "
    "FROM v WHERE c.id = v.id RETURNING c.id, c.code, c.reporter_count), "
    "n AS (SELECT pg_notify($5, p) FROM unnest($6::text[]) AS p) "
    "SELECT id, code, reporter_count FROM u "
    "UNION ALL SELECT NULL, NULL, count(*)::int FROM n"
)
SELECT_CASE_COUNTS = (
    "SELECT w.id, c.code, c.reporter_count FROM unnest($1::int[]) AS w(id) "
    "CROSS JOIN LATERAL (SELECT code, reporter_count FROM cases WHERE id = w.id LIMIT 1) AS c"
)


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows to one list per column (the arrays ``unnest`` takes)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def _link_columns(item: PendingReport) -> tuple[Any, ...]:
    """(url, canonical, key, key_version, host, platform) of the item's link."""
    link = item.link
    assert link is not None
    return link.original, link.canonical, link.key, link.version, link.host, link.platform


async def _creator_ids(conn: Any, slugs: set[str], cache: IdCache, now: datetime) -> dict[str, int]:
    found = {s: cache.creators[s] for s in slugs if s in cache.creators}
    missing = sorted(slugs - found.keys())
    if missing:
        await conn.execute(INSERT_CREATORS, missing, now)
        found.update((r[0], r[1]) for r in await conn.fetch(SELECT_CREATORS, missing))
    return found


async def _reporter_ids(
    conn: Any, refs: set[tuple[str, str]], cache: IdCache, now: datetime
) -> dict[tuple[str, str], int]:
    cached = cache.reporters
    found = {r: cached[r] for r in refs if r in cached}
    missing = sorted(refs - found.keys())
    if missing:
        sealed = cache.sealed(missing)
        platforms = [p for p, _ in missing]
        users = [sealed[ref] for ref in missing]
        await conn.execute(INSERT_REPORTERS, platforms, users, now)
        wanted = {(p, sealed[(p, u)]): (p, u) for p, u in missing}
        for platform, user, rid in await conn.fetch(SELECT_REPORTERS, platforms, users):
            ref = wanted.get((platform, user))
            if ref is not None:
                found[ref] = rid
    return found


class _Cases:
    """What the batch learnt about its cases: per key (case id, link id), codes, new cases."""

    def __init__(self) -> None:
        self.found: dict[Key, tuple[int, int | None]] = {}
        self.codes: dict[int, str] = {}
        #: cases opened by this batch, with the (reporters, reports) they were opened with
        self.opened: dict[int, tuple[int, int]] = {}
        #: status and merge target of the existing cases found
        self.states = CaseStates()
        #: links that existed before the batch (only they can have reports already)
        self.known_links: set[int] = set()

    def note(self, case_id: int, code: str, status: str, merged_into: int | None) -> None:
        """Remember an existing case the batch found."""
        self.codes[case_id] = code
        self.states.note(case_id, status, merged_into)

    async def live(self, conn: Any, case_id: int) -> int:
        """The case ``case_id`` now lives in (merged cases lead to their target)."""
        for _ in range(MAX_CODE_ATTEMPTS):
            missing = self.states.unresolved([case_id])
            if not missing:
                break
            for cid, status, merged_into, code in await conn.fetch(SELECT_CASE_STATES, missing):
                self.note(cid, code, status, merged_into)
        return self.states.live(case_id)


def _wanted_rows(
    keys: Sequence[Key],
    wanted: dict[Key, PendingReport],
    expected: dict[Key, tuple[int, int]],
    codes: dict[Key, str],
) -> list[list[Any]]:
    """The arrays ``_WANTED`` takes: each key's would-be case and link."""
    rows = []
    for k in keys:
        item, link = wanted[k], wanted[k].link
        assert link is not None  # a link report's case and link share host and platform
        reporters, reports = expected[k]
        case = (k[0], k[1], codes[k], link.host, link.platform, reporters, reports)
        rows.append(
            (*case, item.possible_duplicate_of, link.original, link.canonical, link.version)
        )
    return _columns(rows, 11)


async def _open_cases(
    conn: Any,
    wanted: dict[Key, PendingReport],
    expected: dict[Key, tuple[int, int]],
    cases: _Cases,
    now: datetime,
) -> None:
    """Find the linked keys, and open (and link) a case for every other wanted key."""
    found = cases.found
    missing = sorted(wanted)
    statement = LOOKUP_OR_OPEN  # the first attempt looks the keys up too
    for _attempt in range(MAX_CODE_ATTEMPTS):
        if not missing:
            return
        codes = {k: new_case_code() for k in missing}
        result = await conn.fetch(statement, *_wanted_rows(missing, wanted, expected, codes), now)
        for kind, creator_id, key, case_id, link_id, code, status, merged_into in sorted(
            result, key=itemgetter(0)
        ):
            k = (creator_id, key)
            if kind == 0:  # already linked
                cases.note(case_id, code, status, merged_into)
                if merged_into is not None:  # not left behind by merges: a safety net
                    case_id = await cases.live(conn, case_id)
                found[k] = (case_id, link_id)
                cases.known_links.add(link_id)
            elif kind == 1:  # opened
                found[k] = (case_id, None)
                cases.codes[case_id] = codes[k]
                cases.opened[case_id] = expected[k]
            else:  # the opened case's link
                found[k] = (found[k][0], link_id)
        statement = OPEN_CASES
        unresolved = [k for k in missing if k not in found]
        if unresolved:  # another process opened the case first, or a case code collided
            for creator_id, key, case_id, code, status, merged_into in await conn.fetch(
                SELECT_CASES_BY_ORIGIN, *_columns(unresolved, 2)
            ):
                if (creator_id, key) in wanted and (creator_id, key) not in found:
                    # a case whose links were purged or merged away: where it lives now
                    cases.note(case_id, code, status, merged_into)
                    found[(creator_id, key)] = (await cases.live(conn, case_id), None)
        missing = [k for k in missing if k not in found]
    if missing:
        raise RuntimeError("could not allocate case codes")


async def _cases_for_keys(
    conn: Any,
    wanted: dict[Key, PendingReport],
    expected: dict[Key, tuple[int, int]],
    now: datetime,
) -> _Cases:
    """Find or open the case of every wanted key, and make sure the key is linked to it."""
    cases = _Cases()
    await _open_cases(conn, wanted, expected, cases, now)
    # keys whose case exists but has no link for them (opened elsewhere, or code retries)
    unlinked = [k for k in sorted(wanted) if cases.found[k][1] is None]
    if unlinked:
        rows = [(k[0], *_link_columns(wanted[k])) for k in unlinked]
        case_ids = [cases.found[k][0] for k in unlinked]
        for link_id, creator_id, key in await conn.fetch(
            INSERT_LINKS, *_columns(rows, 7), case_ids, now
        ):
            cases.found[(creator_id, key)] = (cases.found[(creator_id, key)][0], link_id)
        late = [k for k in unlinked if cases.found[k][1] is None]
        if late:  # another process linked the key in the meantime: use its case
            for creator_id, key, case_id, link_id, code, status, merged_into in await conn.fetch(
                SELECT_LINKS, *_columns(late, 2)
            ):
                if (creator_id, key) in wanted:
                    cases.note(case_id, code, status, merged_into)
                    cases.found[(creator_id, key)] = (case_id, link_id)
                    cases.known_links.add(link_id)
    return cases


class _Recorded:
    """What inserting the reports of a batch did."""

    def __init__(self) -> None:
        self.inserted: dict[str, int] = {}  # token -> report id
        self.new_reporters: list[int] = []  # case id of each new (case, reporter) pair
        self.updated: dict[int, tuple[str, int]] = {}  # case id -> (code, reporter count)
        self.clean = False  # every report was new: counts and notices are done


async def _record_reports(
    conn: Any, rows: list[ReportRow], cases: _Cases, notices: list[str], now: datetime
) -> _Recorded:
    """Insert the reports and their cases' new reporters; if all are new, finish the batch."""
    values = [report_values(r) for r in rows]
    opened = sorted(cases.opened)
    held = [(-cases.opened[c][0], -cases.opened[c][1]) for c in opened]
    recorded = _Recorded()
    for kind, row_id, text, count in await conn.fetch(
        RECORD_REPORTS,
        *_columns(values, 7),
        now,
        len(rows),
        opened,
        *_columns(held, 2),
        CASES_CHANNEL,
        notices,
    ):
        if kind == 0:
            recorded.inserted[text] = row_id
        elif kind == 1:
            recorded.new_reporters.append(row_id)
        elif kind == 2:
            recorded.updated[row_id] = (text, count)
    recorded.clean = len(recorded.inserted) == len(rows)
    return recorded


async def _finish_unclean(
    conn: Any,
    rows: list[ReportRow],
    recorded: _Recorded,
    cases: _Cases,
    sender: str,
    now: datetime,
) -> dict[int, tuple[str, int]]:
    """Counts and notices of a batch with redelivered reports; returns every case's counts.

    ``rows`` are the rows whose insert was tried.  A redelivered report answers as
    before (its earlier report and case) and adds nothing.
    """
    inserted = recorded.inserted
    for r in rows:
        r.report_id = inserted.get(r.item.token)
    fresh = [r for r in rows if r.report_id is not None]
    repeated = [r for r in rows if r.report_id is None]
    if repeated:
        earlier = {
            token: (rid, cid, code)
            for token, rid, cid, code in await conn.fetch(
                SELECT_REPORTS, [r.item.token for r in repeated]
            )
        }
        for r in repeated:
            if r.item.token in earlier:
                r.report_id, r.case_id, cases.codes[r.case_id] = earlier[r.item.token]
    counts = {cid: (cases.codes[cid], cases.opened[cid][0]) for cid in cases.opened}
    updates = _columns(case_updates(fresh, recorded.new_reporters, cases.opened), 3)
    created = set(cases.opened)
    notices = [json.dumps(n) for n in case_notices(rows, created, cases.codes, sender)]
    for case_id, code, count in await conn.fetch(
        UPDATE_CASES, *updates, now, CASES_CHANNEL, notices
    ):
        if case_id is not None:
            counts[case_id] = (code, count)
    return counts


async def _complete_counts(
    conn: Any, rows: list[ReportRow], counts: dict[int, tuple[str, int]]
) -> None:
    """Add the (code, reporter count) of cases only repeated reports point at."""
    unknown = sorted({r.case_id for r in rows} - counts.keys())
    if unknown:
        for case_id, code, count in await conn.fetch(SELECT_CASE_COUNTS, unknown):
            counts[case_id] = (code, count)


async def _earlier_reports(
    conn: Any, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, str]]:
    """(report id, token) of the first stored report of each (link id, reporter id) pair."""
    if not pairs:
        return {}
    return {
        (link_id, reporter_id): (report_id, token)
        for link_id, reporter_id, report_id, token in await conn.fetch(
            SELECT_EARLIER, *_columns(pairs, 2)
        )
    }


async def reopen_dismissed(conn: Any, case_ids: list[int], now: datetime) -> set[int]:
    """Reopen the dismissed ``case_ids`` (they got a new reporter); log why; return them."""
    if not case_ids:
        return set()
    dismissed = await conn.fetch(SELECT_DISMISSALS, case_ids)
    if not dismissed:
        return set()
    ids = [row[0] for row in dismissed]
    reasons = [reopen_reason(row[1]) for row in dismissed]
    audit = [redact_links(r) for r in reasons]  # the audit log keeps no link
    await conn.execute(REOPEN_CASES, ids, reasons, now, INTAKE_ACTOR, audit)
    return set(ids)


SELECT_LINK_URLS = "SELECT id, url FROM links WHERE id = ANY($1::bigint[])"
UPDATE_LINK_URL = "UPDATE links SET url = $1 WHERE id = $2"


async def add_access_keys(conn: Any, rows: Sequence[ReportRow]) -> None:
    """Give stored links without their access key the key a report of the batch gives."""
    keyed = keyed_links(rows)
    if keyed:
        stored = [(r[0], r[1]) for r in await conn.fetch(SELECT_LINK_URLS, sorted(keyed))]
        upgrades = key_upgrades(keyed, stored)
        if upgrades:
            await conn.executemany(UPDATE_LINK_URL, upgrades)


async def record_links(conn: Any, items: Sequence[PendingReport], cache: IdCache) -> Result:
    """Write link reports (see :func:`db.intake_plan.links_only`) in ``conn``'s transaction.

    ``conn`` is an asyncpg connection inside a transaction.  Returns one result per
    item (in order) and the creator and reporter ids used, which the caller may
    cache once the transaction has committed.
    """
    now = utcnow()
    creators = await _creator_ids(conn, {i.creator for i in items}, cache, now)
    reporters = await _reporter_ids(conn, {reporter_key(i) for i in items}, cache, now)
    keyed = [((creators[i.creator], i.origin_key), reporters[reporter_key(i)]) for i in items]
    wanted: dict[Key, PendingReport] = {}
    for item, (key, _reporter) in zip(items, keyed, strict=True):
        wanted.setdefault(key, item)
    cases = await _cases_for_keys(conn, wanted, expected_counts(keyed), now)
    rows = [
        ReportRow(item, *cases.found[key], reporter_id)
        for item, (key, reporter_id) in zip(items, keyed, strict=True)
    ]
    created = set(cases.opened)
    await add_access_keys(conn, rows)
    earlier = await _earlier_reports(conn, report_pairs(rows, cases.known_links))
    insert = rows_to_insert(rows, earlier)
    # the notices other processes get if every report is new (sent when the batch commits)
    notices = [json.dumps(n) for n in case_notices(rows, created, cases.codes, cache.sender)]
    recorded = await _record_reports(conn, insert, cases, notices, now)
    if recorded.clean:
        for r in insert:
            r.report_id = recorded.inserted[r.item.token]
        # a case opened here holds the counts it was opened with; the others were updated
        counts = {cid: (cases.codes[cid], cases.opened[cid][0]) for cid in created}
        counts.update(recorded.updated)
    else:
        counts = await _finish_unclean(conn, insert, recorded, cases, cache.sender, now)
    settle_repeats(rows)
    await _complete_counts(conn, rows, counts)
    reopened = await reopen_dismissed(conn, cases.states.dismissed(recorded.new_reporters), now)
    return stored_reports(rows, created, counts, reopened), creators, reporters


__all__ = ["record_links"]
