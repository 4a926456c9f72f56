"""The raw-driver hot path writes exactly what the SQLAlchemy Core path writes.

The same batches (repeated links, a reporter reporting twice, redelivered and
duplicated submissions, a submission id reused for another link, two creators, a
dismissed case reported again, a purged merged case reported again) go through a
store with ``raw_statements=True`` and one with ``False``, each on its own fresh
database; results and table contents must be equal.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bots.bootstrap import build_app
from core.intake import report_token
from core.model import IncomingReport, ReporterRef
from core.ports import PendingReport
from core.urls import canonicalize
from db import SqlReportStore, create_engine, upgrade
from db.engine import connect_sqlite
from tests.conftest import fresh_postgres_database, make_settings

A = "https://x.com/leaker/status/1"
A_AGAIN = "https://twitter.com/someone/status/1?s=20"  # the same key as A
D = "https://example.com/d"


E = "https://example.com/e"
F = "https://example.com/f"
H = "https://example.com/h"


def item(submission: str, link: str, reporter: int, creator: str = "default") -> PendingReport:
    """An item as intake builds it: its token covers creator, reporter, submission and link."""
    ref = ReporterRef("test", str(reporter))
    canonical = canonicalize(link)
    incoming = IncomingReport(ref, creator=creator, submission_id=submission)
    return PendingReport(
        token=report_token(incoming, canonical.key),
        creator=creator,
        reporter=ref,
        origin="dm",
        note=f"note {submission}",
        anonymous=reporter % 2 == 0,
        link=canonical,
    )


BATCHES = [
    [
        item("t1", A, 1),
        item("t2", A_AGAIN, 2),
        item("t3", "https://example.com/b", 1),
        item("t4", A, 1),
    ],
    [
        item("t5", A, 3),
        item("t6", "https://example.com/c", 1),
        item("t2", A_AGAIN, 2),  # redelivered
        item("t7", "https://example.com/c?utm_source=x", 2),
    ],
    [
        item("t8", "https://example.com/d", 1),
        item("t8", "https://example.com/d", 1),  # the same submission twice in one batch
        item("t9", E, 4),
    ],
    [item("t10", A, 1, creator="other"), item("t11", F, 1)],
    [
        item("t3", "https://example.com/g", 5),  # a submission id reused for another link
        item("t12", "https://example.com/g", 6),
    ],
    [item("t13", H, 7)],
    [item("t13", H, 7)],  # a whole batch redelivered
    [item("t14", "https://example.com/b", 8), item("t15", "https://example.com/b", 8)],
    # here E's case is dismissed, and H's case merged into F's and purged (see CHANGES)
    [
        item("t16", E, 4),  # its reporter again: already reported, not reopened
        item("t17", "https://EXAMPLE.com/e?utm_source=x", 9),  # a new reporter: reopened
        item("t18", E, 9),  # the new reporter again in the same batch
        item("t19", H, 10),  # a purged merged case: joins the case it was merged into
    ],
]

_DEFAULT = "(SELECT id FROM creators WHERE slug = 'default')"
_H_CASE = f"(SELECT id FROM cases WHERE origin_key = :h AND creator_id = {_DEFAULT})"
#: moderation and retention between batches, as plain SQL on both databases
CHANGES = {
    8: [
        "UPDATE cases SET status = 'dismissed', reason = 'not her' WHERE origin_key = :e",
        f"UPDATE cases SET status = 'merged', merged_into_id = (SELECT id FROM cases WHERE "
        f"origin_key = :f AND creator_id = {_DEFAULT}) WHERE id = {_H_CASE}",
        f"DELETE FROM reports WHERE case_id = {_H_CASE}",
        f"DELETE FROM case_reporters WHERE case_id = {_H_CASE}",
        f"DELETE FROM links WHERE case_id = {_H_CASE}",
    ]
}

SNAPSHOT = {
    "cases": (
        "SELECT cr.slug, c.origin_key, c.status, c.reporter_count, c.report_count, c.host, "
        "c.platform FROM cases c JOIN creators cr ON cr.id = c.creator_id"
    ),
    "links": (
        "SELECT cr.slug, l.key, c.origin_key, l.url, l.canonical, l.key_version, l.host, "
        "l.platform FROM links l JOIN cases c ON c.id = l.case_id "
        "JOIN creators cr ON cr.id = l.creator_id"
    ),
    "reports": (
        "SELECT r.token, c.origin_key, l.key, p.platform_user_id, r.origin, r.note, r.anonymous "
        "FROM reports r JOIN cases c ON c.id = r.case_id LEFT JOIN links l ON l.id = r.link_id "
        "JOIN reporters p ON p.id = r.reporter_id"
    ),
    "case_reporters": (
        "SELECT c.origin_key, p.platform_user_id FROM case_reporters x "
        "JOIN cases c ON c.id = x.case_id JOIN reporters p ON p.id = x.reporter_id"
    ),
    "moderator_actions": (
        "SELECT c.origin_key, a.moderator, a.action, a.from_status, a.to_status, a.reason "
        "FROM moderator_actions a JOIN cases c ON c.id = a.case_id"
    ),
    "case_reasons": "SELECT origin_key, status, reason FROM cases",
}
KEYS = {"e": canonicalize(E).key, "f": canonicalize(F).key, "h": canonicalize(H).key}


async def _run(url: str, raw_statements: bool) -> tuple[list[Any], dict[str, list[Any]]]:
    await upgrade(url)
    engine = create_engine(url)
    store = SqlReportStore(engine, raw_statements=raw_statements)
    try:
        stored = []
        for n, batch in enumerate(BATCHES):
            for statement in CHANGES.get(n, []):
                async with engine.begin() as conn:
                    await conn.execute(text(statement), KEYS)
            stored.append(await store.record(batch))
        await store.close()
        async with engine.connect() as conn:
            tables = {
                name: sorted(tuple(row) for row in await conn.execute(text(query)))
                for name, query in SNAPSHOT.items()
            }
            origin = dict((await conn.execute(text("SELECT id, origin_key FROM cases"))).all())
            token = dict((await conn.execute(text("SELECT id, token FROM reports"))).all())
    finally:
        await engine.dispose()
    results = [
        [
            (
                token.get(s.report_id, "purged"),
                origin[s.case_id],
                s.new_case,
                s.reporters,
                s.already_reported,
                s.reopened,
            )
            for s in batch
        ]
        for batch in stored
    ]
    return results, tables


@pytest.fixture(params=["sqlite", "postgres"])
async def two_databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str]]:
    """Two fresh, empty databases of one kind."""
    if request.param == "sqlite":
        yield (
            f"sqlite+aiosqlite:///{tmp_path / 'raw.db'}",
            f"sqlite+aiosqlite:///{tmp_path / 'core.db'}",
        )
        return
    async with fresh_postgres_database() as first, fresh_postgres_database() as second:
        yield first, second


async def test_raw_and_core_statements_write_the_same(two_databases: tuple[str, str]) -> None:
    raw_url, core_url = two_databases
    raw_results, raw_tables = await _run(raw_url, raw_statements=True)
    core_results, core_tables = await _run(core_url, raw_statements=False)
    assert raw_results == core_results
    assert raw_tables == core_tables
    # and the figures are the expected ones, not merely equal
    a_case = [row for row in raw_tables["cases"] if row[:2] == ("default", canonicalize(A).key)]
    assert a_case[0][3:5] == (3, 3)  # reporters 1, 2 and 3; t4 repeats t1 (reporter 1)
    d_case = [row for row in raw_tables["cases"] if row[1] == canonicalize(D).key]
    assert d_case[0][3:5] == (1, 1)  # t8 twice in one batch is one report
    flags = [
        (sent.note, result[4], result[5])
        for batch, results in zip(BATCHES, raw_results, strict=True)
        for sent, result in zip(batch, results, strict=True)
    ]
    assert {note for note, is_already, _ in flags if is_already} == {
        "note t4",
        "note t15",
        "note t16",
        "note t18",
    }
    assert {note for note, _, reopened in flags if reopened} == {"note t17"}
    g_cases = {r[1] for r in raw_results[4]}  # the reused submission id is a new report
    assert g_cases == {canonicalize("https://example.com/g").key}
    e_key, f_key, h_key = KEYS["e"], KEYS["f"], KEYS["h"]
    e_case = next(row for row in raw_tables["cases"] if row[1] == e_key)
    assert e_case[2:5] == ("open", 2, 2)  # reopened; reporters 4 and 9
    assert raw_tables["moderator_actions"] == [
        (
            e_key,
            "leakdesk",
            "reopen",
            "dismissed",
            "open",
            "reopened: new report after dismissal (reason: not her)",
        )
    ]
    assert raw_results[-1][-1][1] == f_key  # H went where its case was merged
    assert (h_key, f_key) in {(row[1], row[2]) for row in raw_tables["links"]}


async def test_sqlite_batch_waits_for_a_held_write_lock_off_the_event_loop(
    tmp_path: Path,
) -> None:
    """Another connection holds the write lock: the batch waits, the event loop does not."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'locked.db'}"
    await upgrade(url)
    engine = create_engine(url)
    store = SqlReportStore(engine)
    other = connect_sqlite(url)
    try:
        other.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        recording = asyncio.create_task(store.record([item("t1", A, 1)]))
        await asyncio.sleep(0.3)
        assert not recording.done() and ticks >= 10  # waiting, and the loop kept running
        other.execute("COMMIT")
        stored = await asyncio.wait_for(recording, 10)
        ticker.cancel()
        assert stored[0].new_case and stored[0].reporters == 1
        assert sqlite3.connect(tmp_path / "locked.db").execute(
            "SELECT count(*) FROM reports"
        ).fetchone() == (1,)
    finally:
        other.close()
        await store.close()
        await engine.dispose()


async def test_two_apps_racing_on_many_links_keep_one_case_per_link(postgres_url: str) -> None:
    """Four writers (two apps, two each) race on ten links in several disguises."""
    first = await build_app(make_settings(postgres_url))
    second = await build_app(make_settings(postgres_url), migrate=False)
    disguises = [
        "https://x.com/leaker/status/{n}",
        "https://twitter.com/someone/status/{n}?s=20",
        "http://mobile.twitter.com/a/status/{n}/",
        "https://fxtwitter.com/b/status/{n}?utm_source=x",
    ]
    try:
        jobs = [
            (first if i % 2 else second).intake.submit(
                IncomingReport(
                    ReporterRef("test", str(i)), [disguises[i % 4].format(n=1000 + i % 10)]
                )
            )
            for i in range(200)
        ]
        results = await asyncio.gather(*jobs)
        codes = {r.outcomes[0].case_code for r in results}
        assert len(codes) == 10
        assert sum(r.outcomes[0].new_case for r in results) == 10
        for code in codes:
            case = await first.cases.get_case(code)
            assert case is not None and case.reporters == 20 and case.reports == 20
    finally:
        await first.close()
        await second.close()
