"""The statements of the intake hot path, written once as sync Core code.

The same function runs inside PostgreSQL transactions (through
``AsyncConnection.run_sync``, so asyncpg does the I/O) and inside SQLite
transactions on the writer's own thread (plain ``sqlite3``: one thread hop per
batch instead of one per statement).  Statements are built once per dialect and
executed with parameter lists so SQLAlchemy's compiled cache serves them.
Dedupe rests on unique constraints, never on Python locks: ``cases(creator_id,
origin_key)``, ``links(creator_id, key)``, ``reports(token)`` and
``case_reporters(case_id, reporter_id)`` are unique and every insert skips
conflicts, then reads back what is there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from core.codes import new_case_code
from core.ports import PendingReport, StoredReport
from db.intake_plan import (
    AUDIT_COLUMNS,
    DISMISSED,
    CaseStates,
    ReportRow,
    audit_values,
    key_upgrades,
    keyed_links,
    reopen_reason,
    report_pairs,
    rows_to_insert,
    settle_repeats,
    stored_reports,
)
from db.notify import CASES_CHANNEL, MEDIA_CHANNEL, new_sender_token, notify
from db.tables import (
    actions_t,
    case_reporters_t,
    cases_t,
    creators_t,
    links_t,
    media_t,
    reporters_t,
    reports_t,
    utcnow,
)

MAX_CODE_ATTEMPTS = 5


@dataclass
class IdCache:
    """Ids that never change once committed (creators, reporters), to skip look-ups."""

    creators: dict[str, int] = field(default_factory=dict)
    #: (platform, clear user id) -> reporter row id; the clear id lives only in memory
    reporters: dict[tuple[str, str], int] = field(default_factory=dict)
    max_reporters: int = 200_000
    #: seals a (platform, user id) into the stored id (db.reporter_key); set by the store
    seal: Callable[[str, str], str] | None = None
    #: who signs this writer's media notifications (its own listener skips them)
    sender: str = field(default_factory=new_sender_token)

    def sealed(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Stored ids of ``refs``: one HMAC per reporter not in the cache."""
        if self.seal is None:
            raise RuntimeError("IdCache.seal is not set: reporter ids are never stored in clear")
        seal = self.seal
        return {(p, u): seal(p, u) for p, u in refs}

    def remember(self, creators: dict[str, int], reporters: dict[tuple[str, str], int]) -> None:
        """Keep ids learnt in a committed transaction."""
        self.creators.update(creators)
        if len(self.reporters) > self.max_reporters:
            self.reporters.clear()
        self.reporters.update(reporters)


@dataclass(frozen=True)
class _Statements:
    insert_creator: Any
    select_creators: Any
    insert_reporter: Any
    select_reporters: Any
    select_links: Any
    insert_case: Any
    select_cases_by_origin: Any
    insert_link: Any
    insert_report: Any
    select_reports: Any
    insert_case_reporter: Any
    bump_case: Any
    select_case_counts: Any
    select_merged: Any
    select_states: Any
    select_earlier: Any
    select_dismissals: Any
    reopen_case: Any
    insert_audit: Any
    insert_media: Any


@cache
def _statements(dialect_name: str) -> _Statements:
    dialect = postgresql if dialect_name == "postgresql" else sqlite

    def ignore(table: Any) -> Any:
        return dialect.insert(table).on_conflict_do_nothing()

    keys = bindparam("keys", expanding=True)
    return _Statements(
        insert_creator=ignore(creators_t),
        select_creators=select(creators_t.c.slug, creators_t.c.id).where(
            creators_t.c.slug.in_(bindparam("slugs", expanding=True))
        ),
        insert_reporter=ignore(reporters_t),
        select_reporters=select(
            reporters_t.c.platform, reporters_t.c.platform_user_id, reporters_t.c.id
        ).where(reporters_t.c.platform_user_id.in_(bindparam("users", expanding=True))),
        select_links=select(
            links_t.c.creator_id, links_t.c.key, links_t.c.case_id, links_t.c.id
        ).where(links_t.c.key.in_(keys)),
        insert_case=ignore(cases_t).returning(
            cases_t.c.id, cases_t.c.creator_id, cases_t.c.origin_key
        ),
        select_cases_by_origin=select(
            cases_t.c.creator_id, cases_t.c.origin_key, cases_t.c.id
        ).where(cases_t.c.origin_key.in_(keys)),
        insert_link=ignore(links_t).returning(links_t.c.id, links_t.c.creator_id, links_t.c.key),
        insert_report=ignore(reports_t).returning(reports_t.c.id, reports_t.c.token),
        select_reports=select(reports_t.c.token, reports_t.c.id, reports_t.c.case_id).where(
            reports_t.c.token.in_(bindparam("tokens", expanding=True))
        ),
        insert_case_reporter=ignore(case_reporters_t).returning(case_reporters_t.c.case_id),
        bump_case=update(cases_t)
        .where(cases_t.c.id == bindparam("b_id"))
        .values(
            reporter_count=cases_t.c.reporter_count + bindparam("b_reporters"),
            report_count=cases_t.c.report_count + bindparam("b_reports"),
            last_seen=bindparam("b_now"),
            updated_at=bindparam("b_now"),
        ),
        select_case_counts=select(cases_t.c.id, cases_t.c.code, cases_t.c.reporter_count).where(
            cases_t.c.id.in_(bindparam("ids", expanding=True))
        ),
        select_merged=select(cases_t.c.id, cases_t.c.merged_into_id).where(
            cases_t.c.id.in_(bindparam("ids", expanding=True))
        ),
        select_states=select(cases_t.c.id, cases_t.c.status, cases_t.c.merged_into_id).where(
            cases_t.c.id.in_(bindparam("ids", expanding=True))
        ),
        select_earlier=select(
            reports_t.c.link_id, reports_t.c.reporter_id, reports_t.c.id, reports_t.c.token
        )
        .where(
            tuple_(reports_t.c.link_id, reports_t.c.reporter_id).in_(
                bindparam("pairs", expanding=True)
            )
        )
        .order_by(reports_t.c.id),
        select_dismissals=select(cases_t.c.id, cases_t.c.reason)
        .where(
            and_(
                cases_t.c.id.in_(bindparam("ids", expanding=True)),
                cases_t.c.status == DISMISSED,
            )
        )
        .order_by(cases_t.c.id),
        reopen_case=update(cases_t)
        .where(and_(cases_t.c.id == bindparam("r_id"), cases_t.c.status == DISMISSED))
        .values(status="open", reason=bindparam("r_reason"), updated_at=bindparam("r_now")),
        insert_audit=actions_t.insert(),
        insert_media=media_t.insert(),
    )


def _creator_ids(
    conn: Connection, st: _Statements, slugs: set[str], cache: IdCache
) -> dict[str, int]:
    found = {s: cache.creators[s] for s in slugs if s in cache.creators}
    missing = sorted(slugs - found.keys())
    if missing:
        conn.execute(
            st.insert_creator,
            [{"slug": s, "display_name": s, "created_at": utcnow()} for s in missing],
        )
        found.update(dict(conn.execute(st.select_creators, {"slugs": missing}).all()))
    return found


def _reporter_ids(
    conn: Connection, st: _Statements, refs: set[tuple[str, str]], cache: IdCache
) -> dict[tuple[str, str], int]:
    found = {r: cache.reporters[r] for r in refs if r in cache.reporters}
    missing = sorted(refs - found.keys())
    if missing:
        now = utcnow()
        sealed = cache.sealed(missing)
        conn.execute(
            st.insert_reporter,
            [
                {"platform": p, "platform_user_id": sealed[(p, u)], "created_at": now}
                for p, u in missing
            ],
        )
        wanted = {(p, sealed[(p, u)]): (p, u) for p, u in missing}
        for platform, user, rid in conn.execute(
            st.select_reporters, {"users": list(sealed.values())}
        ):
            ref = wanted.get((platform, user))
            if ref is not None:
                found[ref] = rid
    return found


def _case_row(item: PendingReport, creator_id: int, now: Any) -> dict[str, Any]:
    link = item.link
    return {
        "code": new_case_code(),
        "creator_id": creator_id,
        "origin_key": item.origin_key,
        "status": "open",
        "host": link.host if link else None,
        "platform": link.platform if link else None,
        "first_seen": now,
        "last_seen": now,
        "updated_at": now,
        "reporter_count": 0,
        "report_count": 0,
        "claimed_by": None,
        "reason": None,
        "merged_into_id": None,
        "possible_duplicate_of_id": item.possible_duplicate_of,
    }


def _link_row(item: PendingReport, creator_id: int, case_id: int, now: Any) -> dict[str, Any]:
    link = item.link
    assert link is not None
    return {
        "case_id": case_id,
        "creator_id": creator_id,
        "url": link.original,
        "canonical": link.canonical,
        "key": link.key,
        "key_version": link.version,
        "host": link.host,
        "platform": link.platform,
        "created_at": now,
    }


def _cases_for_keys(
    conn: Connection,
    st: _Statements,
    wanted: dict[tuple[int, str], PendingReport],
    known: set[int],
) -> tuple[dict[tuple[int, str], tuple[int, int | None]], set[int]]:
    """Map (creator_id, key) to (case_id, link_id), opening cases for unknown keys.

    Adds the ids of the links that existed before to ``known``.  A case found under a
    key (its links were purged or merged away) is followed to where it lives now.
    """
    found: dict[tuple[int, str], tuple[int, int | None]] = {}
    for creator_id, key, case_id, link_id in conn.execute(
        st.select_links, {"keys": sorted({k for _, k in wanted})}
    ):
        if (creator_id, key) in wanted:
            found[(creator_id, key)] = (case_id, link_id)
            known.add(link_id)
    created: set[int] = set()
    missing = sorted(k for k in wanted if k not in found)
    now = utcnow()
    for _attempt in range(MAX_CODE_ATTEMPTS):
        if not missing:
            break
        rows = [_case_row(wanted[k], k[0], now) for k in missing]
        for case_id, creator_id, key in conn.execute(st.insert_case, rows):
            created.add(case_id)
            found[(creator_id, key)] = (case_id, None)
        unresolved = [k for k in missing if k not in found]
        if unresolved:  # another process opened the case first, or a case code collided
            rows_back = conn.execute(
                st.select_cases_by_origin, {"keys": [k for _, k in unresolved]}
            )
            by_origin = {}
            for creator_id, key, case_id in rows_back:
                if (creator_id, key) in wanted and (creator_id, key) not in found:
                    by_origin[(creator_id, key)] = case_id
            live = _follow_merges(conn, st, set(by_origin.values()))
            for k, case_id in by_origin.items():
                found[k] = (live[case_id], None)
        missing = [k for k in missing if k not in found]
    if missing:
        raise RuntimeError("could not allocate case codes")
    new_links = [k for k in sorted(wanted) if found[k][1] is None and wanted[k].link is not None]
    if new_links:
        rows = [_link_row(wanted[k], k[0], found[k][0], now) for k in new_links]
        for link_id, creator_id, key in conn.execute(st.insert_link, rows):
            found[(creator_id, key)] = (found[(creator_id, key)][0], link_id)
        late = [k for k in new_links if found[k][1] is None]
        if late:  # another process linked the key in the meantime: use its case
            for creator_id, key, case_id, link_id in conn.execute(
                st.select_links, {"keys": [k for _, k in late]}
            ):
                if (creator_id, key) in wanted:
                    found[(creator_id, key)] = (case_id, link_id)
                    known.add(link_id)
    return found, created


def _follow_merges(conn: Connection, st: _Statements, case_ids: set[int]) -> dict[int, int]:
    """Map each case id to the case it was (transitively) merged into, or itself."""
    target = {cid: cid for cid in case_ids}
    pending = set(case_ids)
    for _ in range(16):
        if not pending:
            break
        merged = dict(conn.execute(st.select_merged, {"ids": sorted(pending)}).all())
        pending = set()
        for cid, current in target.items():
            if merged.get(current):
                target[cid] = merged[current]
                pending.add(merged[current])
    return target


def _attach_link(
    conn: Connection, st: _Statements, item: PendingReport, creator_id: int, case_id: int, now: Any
) -> tuple[int, int | None]:
    """Add the item's link to ``case_id``, unless the link already belongs to a case."""
    assert item.link is not None
    conn.execute(st.insert_link, [_link_row(item, creator_id, case_id, now)]).all()
    for c_id, key, linked_case, link_id in conn.execute(st.select_links, {"keys": [item.link.key]}):
        if c_id == creator_id and key == item.link.key:
            return linked_case, link_id
    return case_id, None


def _store_media(
    conn: Connection,
    st: _Statements,
    rows: list[ReportRow],
    creators: dict[str, int],
    now: Any,
    fresh_tokens: set[str],
    sender: str,
) -> None:
    """Keep the hashes (never the bytes) of every picture, and tell other processes."""
    media_rows = []
    notices = []
    for row in rows:
        item = row.item
        if item.media is None or item.token not in fresh_tokens:
            continue
        base = {
            "case_id": row.case_id,
            "creator_id": creators[item.creator],
            "sha256": item.media.sha256,
            "created_at": now,
        }
        if not item.media.frames:
            media_rows.append(
                {**base, "frame": 0, "view": 0, "phash": None, "pdq": None, "pdq_quality": 0}
            )
        for frame in item.media.frames:  # one row per stored view of each frame
            media_rows.append(
                {
                    **base,
                    "frame": frame.frame,
                    "view": frame.view,
                    "phash": _signed(frame.phash),
                    "pdq": frame.pdq,
                    "pdq_quality": frame.quality,
                }
            )
        notices.append(
            {
                "from": sender,
                "creator": item.creator,
                "case": row.case_id,
                "sha256": item.media.sha256,
                "frames": [[f.phash, f.pdq, f.quality, f.view, f.frame] for f in item.media.frames],
            }
        )
    if not media_rows:
        return
    conn.execute(st.insert_media, media_rows)
    notify(conn, MEDIA_CHANNEL, notices)  # delivered when the transaction commits


def _signed(value: int) -> int:
    """A 64-bit unsigned hash as the signed BIGINT SQL stores."""
    return value - (1 << 64) if value >= 1 << 63 else value


def unsigned(value: int) -> int:
    """The unsigned 64-bit hash of a stored signed BIGINT."""
    return value + (1 << 64) if value < 0 else value


def _earlier_reports(
    conn: Connection, st: _Statements, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, str]]:
    """(report id, token) of the first stored report of each (link id, reporter id) pair."""
    earlier: dict[tuple[int, int], tuple[int, str]] = {}
    if pairs:
        for link_id, reporter_id, report_id, token in conn.execute(
            st.select_earlier, {"pairs": pairs}
        ):
            earlier.setdefault((link_id, reporter_id), (report_id, token))
    return earlier


def _reopen_dismissed(conn: Connection, st: _Statements, case_ids: list[int], now: Any) -> set[int]:
    """Reopen the dismissed ``case_ids`` (they got a new reporter); log why; return them."""
    if not case_ids:
        return set()
    reopened = set()
    dismissed = conn.execute(st.select_dismissals, {"ids": case_ids}).all()
    for case_id, dismissal in dismissed:
        changed = conn.execute(
            st.reopen_case, {"r_id": case_id, "r_reason": reopen_reason(dismissal), "r_now": now}
        )
        if changed.rowcount:
            values = audit_values(case_id, dismissal, now)
            conn.execute(st.insert_audit, dict(zip(AUDIT_COLUMNS, values, strict=True)))
            reopened.add(case_id)
    return reopened


def _case_states(conn: Connection, st: _Statements, case_ids: set[int]) -> CaseStates:
    states = CaseStates()
    if case_ids:
        for case_id, status, merged_into in conn.execute(
            st.select_states, {"ids": sorted(case_ids)}
        ):
            states.note(case_id, status, merged_into)
    return states


def _add_access_keys(conn: Connection, rows: Sequence[ReportRow]) -> None:
    """Give stored links without their access key the key a report of the batch gives."""
    keyed = keyed_links(rows)
    if not keyed:
        return
    stored = conn.execute(
        select(links_t.c.id, links_t.c.url).where(links_t.c.id.in_(sorted(keyed)))
    )
    upgrades = key_upgrades(keyed, [(row[0], row[1]) for row in stored])
    if upgrades:
        conn.execute(
            update(links_t).where(links_t.c.id == bindparam("u_id")).values(url=bindparam("u_url")),
            [{"u_url": url, "u_id": link_id} for url, link_id in upgrades],
        )


def record_batch(
    conn: Connection, items: Sequence[PendingReport], cache: IdCache
) -> tuple[list[StoredReport], dict[str, int], dict[tuple[str, str], int]]:
    """Write ``items`` in the caller's transaction.

    Returns one result per item (in order) and the creator and reporter ids used,
    which the caller may cache once the transaction has committed.
    """
    st = _statements(conn.dialect.name)
    creators = _creator_ids(conn, st, {i.creator for i in items}, cache)
    reporters = _reporter_ids(
        conn, st, {(i.reporter.platform, i.reporter.user_id) for i in items}, cache
    )

    wanted: dict[tuple[int, str], PendingReport] = {}
    for item in items:
        if item.join_case_id is None:
            wanted.setdefault((creators[item.creator], item.origin_key), item)
    known: set[int] = set()
    found, created = _cases_for_keys(conn, st, wanted, known) if wanted else ({}, set())
    joins = _follow_merges(conn, st, {i.join_case_id for i in items if i.join_case_id is not None})

    now = utcnow()
    rows: list[ReportRow] = []
    for item in items:
        if item.join_case_id is not None:
            case_id, link_id = joins[item.join_case_id], None
            if item.link is not None:  # a new link of a known picture joins that picture's case
                case_id, link_id = _attach_link(
                    conn, st, item, creators[item.creator], case_id, now
                )
                if link_id is not None:
                    known.add(link_id)  # perhaps linked before: look for earlier reports
        else:
            case_id, link_id = found[(creators[item.creator], item.origin_key)]
        reporter_id = reporters[(item.reporter.platform, item.reporter.user_id)]
        rows.append(ReportRow(item, case_id, link_id, reporter_id))
    states = _case_states(conn, st, {r.case_id for r in rows} - created)
    _add_access_keys(conn, rows)
    insert = rows_to_insert(rows, _earlier_reports(conn, st, report_pairs(rows, known)))
    values = [
        {
            "token": r.item.token,
            "case_id": r.case_id,
            "link_id": r.link_id,
            "reporter_id": r.reporter_id,
            "origin": r.item.origin,
            "note": r.item.note,
            "anonymous": r.item.anonymous,
            "created_at": now,
        }
        for r in insert
    ]
    report_ids = (
        {token: rid for rid, token in conn.execute(st.insert_report, values)} if values else {}
    )
    fresh = [r for r in insert if r.item.token in report_ids]
    repeated = [r.item.token for r in insert if r.item.token not in report_ids]
    if repeated:  # a redelivered submission: already recorded, answer as before
        earlier = {
            token: (rid, cid)
            for token, rid, cid in conn.execute(st.select_reports, {"tokens": repeated})
        }
        for r in insert:
            if r.item.token in earlier:
                report_ids[r.item.token], r.case_id = earlier[r.item.token]
    for r in insert:
        r.report_id = report_ids[r.item.token]
    settle_repeats(rows)

    new_reporters: dict[int, int] = defaultdict(int)
    pairs = sorted({(r.case_id, r.reporter_id) for r in fresh})
    if pairs:
        added = conn.execute(
            st.insert_case_reporter, [{"case_id": c, "reporter_id": p} for c, p in pairs]
        )
        for case_id in added.scalars():
            new_reporters[case_id] += 1
    report_counts: dict[int, int] = defaultdict(int)
    for r in fresh:
        report_counts[r.case_id] += 1
    if report_counts:
        conn.execute(
            st.bump_case,
            [
                {"b_id": cid, "b_reporters": new_reporters[cid], "b_reports": n, "b_now": now}
                for cid, n in sorted(report_counts.items())
            ],
        )
    fresh_tokens = {r.item.token for r in fresh}
    _store_media(conn, st, rows, creators, now, fresh_tokens, cache.sender)
    reopened = _reopen_dismissed(conn, st, states.dismissed(set(new_reporters)), now)
    counts = {
        cid: (code, count)
        for cid, code, count in conn.execute(
            st.select_case_counts, {"ids": sorted({r.case_id for r in rows})}
        )
    }
    results = stored_reports(rows, created, counts, reopened)
    changed: dict[int, dict[str, Any]] = {}
    for r, result in zip(rows, results, strict=True):
        entry = changed.setdefault(
            r.case_id,
            {
                "from": cache.sender,
                "case": r.case_id,
                "code": result.case_code,
                "creator": r.item.creator,
                "created": False,
            },
        )
        entry["created"] = entry["created"] or result.new_case
    notify(conn, CASES_CHANNEL, list(changed.values()))  # other processes update their cards
    return results, creators, reporters
