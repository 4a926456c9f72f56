"""Cases following their sent mails, many at once (the outbox records mails in batches).

The batch form of :func:`db.escalation_tracking.follow_case` for ``status="sent"``: a
case whose every host escalation is removed is removed; otherwise a confirmed (or
removed) case becomes escalated. Each change is audit-logged as ``escalation_sent``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.escalation.tracking import SEARCH_RECIPIENTS
from core.model import CaseStatus
from db.sets import among
from db.tables import actions_t, cases_t, escalations_t


async def follow_cases_sent(
    conn: AsyncConnection, case_ids: Sequence[int], actor: str, now: datetime
) -> int:
    """Move ``case_ids`` after a sent request, in three statements; returns how many moved."""
    if not case_ids:
        return 0
    statuses = dict(
        (
            await conn.execute(
                select(cases_t.c.id, cases_t.c.status).where(among(conn, cases_t.c.id, case_ids))
            )
        ).all()
    )
    hosts: dict[int, list[str]] = {case_id: [] for case_id in case_ids}
    rows = await conn.execute(
        select(escalations_t.c.case_id, escalations_t.c.recipient, escalations_t.c.status).where(
            among(conn, escalations_t.c.case_id, case_ids)
        )
    )
    for case_id, recipient, status in rows:
        if recipient not in SEARCH_RECIPIENTS:
            hosts[case_id].append(status)
    moves = []
    for case_id in case_ids:
        current = statuses[case_id]
        own = hosts[case_id]
        to = None
        if own and all(s == "removed" for s in own):
            to = CaseStatus.REMOVED
        elif current in (CaseStatus.CONFIRMED, CaseStatus.REMOVED):
            to = CaseStatus.ESCALATED
        if to is not None and to != current:
            moves.append((case_id, current, str(to)))
    if not moves:
        return 0
    await conn.execute(
        update(cases_t)
        .where(cases_t.c.id == bindparam("b_id"))
        .values(status=bindparam("b_status"), updated_at=now),
        [{"b_id": case_id, "b_status": to} for case_id, _, to in moves],
    )
    await conn.execute(
        actions_t.insert(),
        [
            {
                "case_id": case_id,
                "moderator": actor,
                "action": "escalation_sent",
                "from_status": current,
                "to_status": to,
                "reason": None,
                "created_at": now,
            }
            for case_id, current, to in moves
        ],
    )
    return len(moves)
