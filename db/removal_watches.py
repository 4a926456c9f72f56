"""Reporters' "tell me when it's down": requests kept while open, closed when the case is down.

:func:`queue_removal_notices` runs inside the transaction that marks a case removed, so the
notice is committed with its cause (see :mod:`db.chat_notices` for the sending side).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.model import CaseStatus, ReporterRef
from core.notify.texts import RemovedWording, removed_text
from db.reporter_key import ReporterKey, load_reporter_key
from db.tables import (
    cases_t,
    chat_notices_t,
    removal_watches_t,
    reporters_t,
    reports_t,
    utcnow,
)
from db.upsert import insert_ignore

#: cases a reporter may still wait on
WATCHABLE = (
    CaseStatus.OPEN,
    CaseStatus.CLAIMED,
    CaseStatus.CONFIRMED,
    CaseStatus.ESCALATED,
)


class SqlRemovalWatches:
    """Stores and closes reporters' removal requests."""

    def __init__(self, engine: AsyncEngine, reporter_key: ReporterKey | None = None) -> None:
        """``reporter_key`` finds a reporter's sealed row (see :mod:`db.reporter_key`)."""
        self._engine = engine
        self._key = reporter_key or load_reporter_key(engine.url.render_as_string(False))

    async def watch_report(
        self, report_id: int, reporter: ReporterRef, language: str | None = None
    ) -> list[str]:
        """Watch every case of the submission ``report_id`` belongs to, for ``reporter``,
        who is told in ``language`` (None: English).

        Only the reporter of a non-anonymous report may ask; returns the codes now watched
        (empty when the report is not theirs, anonymous, or its cases are closed).
        """
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    select(reports_t.c.token, reports_t.c.reporter_id, reports_t.c.anonymous)
                    .join(reporters_t, reporters_t.c.id == reports_t.c.reporter_id)
                    .where(
                        reports_t.c.id == report_id,
                        reporters_t.c.platform == reporter.platform,
                        reporters_t.c.platform_user_id
                        == self._key.seal(reporter.platform, reporter.user_id),
                    )
                )
            ).first()
            if row is None or row.anonymous:
                return []
            prefix = row.token.rpartition("#")[0]
            same_submission = (
                reports_t.c.token.startswith(prefix + "#", autoescape=True)
                if prefix
                else reports_t.c.id == report_id
            )
            cases = (
                await conn.execute(
                    select(cases_t.c.id, cases_t.c.code)
                    .join(reports_t, reports_t.c.case_id == cases_t.c.id)
                    .where(
                        same_submission,
                        reports_t.c.reporter_id == row.reporter_id,
                        reports_t.c.anonymous.is_(False),
                        cases_t.c.status.in_([str(s) for s in WATCHABLE]),
                    )
                    .distinct()
                    .order_by(cases_t.c.code)
                )
            ).all()
            if not cases:
                return []
            watched = set(
                (
                    await conn.execute(
                        select(removal_watches_t.c.case_id).where(
                            removal_watches_t.c.case_id.in_([c.id for c in cases]),
                            removal_watches_t.c.platform == reporter.platform,
                            removal_watches_t.c.user_id == reporter.user_id,
                            removal_watches_t.c.state == "open",
                        )
                    )
                ).scalars()
            )
            now = utcnow()
            new = [
                {
                    "case_id": c.id,
                    "platform": reporter.platform,
                    "user_id": reporter.user_id,
                    "state": "open",
                    "created_at": now,
                    "language": language,
                }
                for c in cases
                if c.id not in watched
            ]
            if new:
                await conn.execute(removal_watches_t.insert(), new)
            return [c.code for c in cases]

    async def open_watches(self, reporter: ReporterRef) -> list[str]:
        """Codes of the cases ``reporter`` waits on."""
        query = (
            select(cases_t.c.code)
            .join(removal_watches_t, removal_watches_t.c.case_id == cases_t.c.id)
            .where(
                removal_watches_t.c.platform == reporter.platform,
                removal_watches_t.c.user_id == reporter.user_id,
                removal_watches_t.c.state == "open",
            )
            .order_by(cases_t.c.code)
        )
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def forget(self, reporter: ReporterRef) -> int:
        """Delete ``reporter``'s requests and queued notices (erasure); how many were open."""
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(chat_notices_t).where(
                    chat_notices_t.c.platform == reporter.platform,
                    chat_notices_t.c.user_id == reporter.user_id,
                )
            )
            closed = await conn.execute(
                delete(removal_watches_t).where(
                    removal_watches_t.c.platform == reporter.platform,
                    removal_watches_t.c.user_id == reporter.user_id,
                    removal_watches_t.c.state == "open",
                )
            )
            return int(closed.rowcount or 0)


async def queue_removal_notices(
    conn: AsyncConnection,
    case_id: int,
    now: datetime | None = None,
    wording: RemovedWording = removed_text,
) -> int:
    """In the caller's transaction: queue "it's down" for each open request on ``case_id``,
    worded by ``wording`` in the reporter's language, close the requests and drop their ids.
    Returns how many notices were queued."""
    now = now or utcnow()
    code = (await conn.execute(select(cases_t.c.code).where(cases_t.c.id == case_id))).scalar_one()
    # requests on cases merged into this one follow it
    merged_in = select(cases_t.c.id).where(cases_t.c.merged_into_id == case_id)
    watches = (
        await conn.execute(
            select(
                removal_watches_t.c.id,
                removal_watches_t.c.platform,
                removal_watches_t.c.user_id,
                removal_watches_t.c.language,
            ).where(
                or_(
                    removal_watches_t.c.case_id == case_id,
                    removal_watches_t.c.case_id.in_(merged_in),
                ),
                removal_watches_t.c.state == "open",
                removal_watches_t.c.user_id.is_not(None),
            )
        )
    ).all()
    if not watches:
        return 0
    await conn.execute(
        insert_ignore(conn, chat_notices_t),
        [
            {
                "key": f"removed:{w.id}",
                "platform": w.platform,
                "user_id": w.user_id,
                "text": wording(code, w.language),
                "state": "pending",
                "attempts": 0,
                "not_before": 0.0,
                "lease_until": 0.0,
                "created_at": now,
            }
            for w in watches
        ],
    )
    await conn.execute(
        update(removal_watches_t)
        .where(removal_watches_t.c.id.in_([w.id for w in watches]))
        .values(state="closed", user_id=None, closed_at=now)
    )
    return len(watches)
