"""Escalation storage: agents of record, synthetic marks, and escalations per recipient."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import String, bindparam, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.codes import normalize_case_code
from core.errors import CaseNotFound, InvalidTransition, NotPermitted
from core.escalation.agent import AgentOfRecord
from core.escalation.outbox import OutgoingMail
from core.escalation.packets import Request
from db.sets import among
from db.tables import (
    actions_t,
    agents_t,
    cases_t,
    creators_t,
    escalations_t,
    outbox_t,
    utcnow,
)
from db.upsert import insert_ignore

_AGENT_FIELDS = (
    "signer",
    "email",
    "address",
    "phone",
    "jurisdiction",
    "agent_of",
    "authority",
    "owns_content",
)


_NEW_COLUMNS = ("case_id", "recipient", "notice_kind", "request_key", "urls")


async def _insert_new(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert drafted escalations in one statement, skipping pairs already there (the
    first of twins wins).

    The rows travel as one parameter per column (PostgreSQL arrays through ``unnest``)
    or one JSON array (SQLite's ``json_each``) rather than one execution per row; the
    timestamp is bound once.
    """
    now = rows[0]["created_at"]
    stamp = escalations_t.c.created_at.type
    if conn.dialect.name == "postgresql":
        arrays = [
            bindparam(None, [row[name] for row in rows], type_=ARRAY(escalations_t.c[name].type))
            for name in _NEW_COLUMNS
        ]
        given = func.unnest(*arrays).table_valued(*_NEW_COLUMNS).render_derived()
        values = [given.c[name] for name in _NEW_COLUMNS]
        source = select(*values, literal("drafted"), literal(now, stamp), literal(now, stamp))
        insert = postgresql.insert(escalations_t)
    else:
        packed = json.dumps([[row[name] for name in _NEW_COLUMNS] for row in rows])
        each = func.json_each(bindparam(None, packed, type_=String())).table_valued("value")
        values = [func.json_extract(each.c.value, f"$[{n}]") for n in range(len(_NEW_COLUMNS))]
        source = (
            select(*values, literal("drafted"), literal(now, stamp), literal(now, stamp))
            .select_from(each)
            .where(true())  # SQLite reads "SELECT … ON CONFLICT" as a join without it
        )
        insert = sqlite.insert(escalations_t)
    await conn.execute(
        insert.from_select(
            [*_NEW_COLUMNS, "status", "created_at", "updated_at"], source
        ).on_conflict_do_nothing()
    )


class SqlEscalationStore:
    """Reads and writes what bulk escalation needs, over SQLAlchemy Core."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _creator_id(self, conn, slug: str, *, create: bool) -> int | None:  # type: ignore[no-untyped-def]
        found = await conn.execute(select(creators_t.c.id).where(creators_t.c.slug == slug))
        creator_id = found.scalar()
        if creator_id is None and create:
            await conn.execute(
                insert_ignore(conn, creators_t), [{"slug": slug, "created_at": utcnow()}]
            )
            found = await conn.execute(select(creators_t.c.id).where(creators_t.c.slug == slug))
            creator_id = found.scalar_one()
        return creator_id

    async def agent(self, creator: str) -> AgentOfRecord | None:
        """The agent of record of ``creator``, or None when none was set."""
        query = (
            select(*(agents_t.c[name] for name in _AGENT_FIELDS))
            .join(creators_t, creators_t.c.id == agents_t.c.creator_id)
            .where(creators_t.c.slug == creator)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return AgentOfRecord(creator, **dict(zip(_AGENT_FIELDS, row, strict=True)))

    async def set_agent(self, agent: AgentOfRecord) -> None:
        """Store (or replace) the agent of record of ``agent.creator``."""
        values = {k: v for k, v in asdict(agent).items() if k in _AGENT_FIELDS}
        async with self._engine.begin() as conn:
            creator_id = await self._creator_id(conn, agent.creator, create=True)
            changed = await conn.execute(
                update(agents_t)
                .where(agents_t.c.creator_id == creator_id)
                .values(**values, updated_at=utcnow())
            )
            if not changed.rowcount:
                await conn.execute(
                    agents_t.insert(),
                    [{"creator_id": creator_id, **values, "updated_at": utcnow()}],
                )

    async def set_synthetic(
        self, code: str, synthetic: bool, *, actor: str, creator: str | None = None
    ) -> str:
        """Mark a case as synthetic (a deepfake) or not; returns its code. Audit-logged."""
        normalized = normalize_case_code(code)
        async with self._engine.begin() as conn:
            query = select(cases_t.c.id, cases_t.c.code, cases_t.c.status).where(
                cases_t.c.code == (normalized or "")
            )
            if creator is not None:
                query = query.join(creators_t, creators_t.c.id == cases_t.c.creator_id).where(
                    creators_t.c.slug == creator
                )
            row = (await conn.execute(query)).first()
            if row is None:
                raise CaseNotFound(code)
            await conn.execute(
                update(cases_t)
                .where(cases_t.c.id == row.id)
                .values(synthetic=synthetic, synthetic_by=actor)
            )
            await conn.execute(
                actions_t.insert(),
                [
                    {
                        "case_id": row.id,
                        "moderator": actor,
                        "action": "synthetic" if synthetic else "not_synthetic",
                        "from_status": row.status,
                        "to_status": row.status,
                        "reason": None,
                        "created_at": utcnow(),
                    }
                ],
            )
            return str(row.code)

    async def synthetic_codes(self, creator: str) -> set[str]:
        """Codes of ``creator``'s cases marked synthetic."""
        query = (
            select(cases_t.c.code)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator, cases_t.c.synthetic.is_(True))
        )
        async with self._engine.connect() as conn:
            return set((await conn.execute(query)).scalars())

    async def escalated(self, creator: str) -> set[tuple[str, str]]:
        """(case code, recipient) pairs of ``creator`` already escalated."""
        query = (
            select(cases_t.c.code, escalations_t.c.recipient)
            .join(cases_t, cases_t.c.id == escalations_t.c.case_id)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator)
        )
        async with self._engine.connect() as conn:
            return {(code, recipient) for code, recipient in (await conn.execute(query)).all()}

    async def record_drafted(
        self,
        requests: Sequence[Request],
        mails: Sequence[OutgoingMail] = (),
        *,
        batch: str = "",
        requested_by: str | None = None,
        hold: bool = False,
        before_commit: Awaitable[object] | None = None,
    ) -> int:
        """Record each (case, recipient) of ``requests`` as drafted; returns how many rows.

        A pair escalated before (``--again``) gets the new request and is drafted again.
        ``mails`` go into the outbox in the same transaction: a notice is never recorded
        without its mail, nor queued without its escalation. ``hold`` keeps them until a
        second moderator approves the ``batch`` (:meth:`approve`). The transaction commits
        only after ``before_commit`` (the packet files being written) completes; if it
        raises, nothing is recorded.
        """
        codes = sorted({code for request in requests for code in request.case_codes})
        if not codes:
            if before_commit is not None:
                await before_commit
            return 0
        now = utcnow()
        async with self._engine.begin() as conn:
            ids = dict(
                (
                    await conn.execute(
                        select(cases_t.c.code, cases_t.c.id).where(
                            among(conn, cases_t.c.code, codes)
                        )
                    )
                ).all()
            )
            rows = [
                {
                    "case_id": ids[code],
                    "recipient": request.channel.id,
                    "notice_kind": request.notice,
                    "status": "drafted",
                    "request_key": request.key,
                    "urls": "\n".join(urls),
                    "created_at": now,
                    "updated_at": now,
                }
                for request in requests
                for code, urls in request.urls_by_case().items()
            ]
            existing = set(
                (
                    await conn.execute(
                        select(escalations_t.c.case_id, escalations_t.c.recipient).where(
                            among(conn, escalations_t.c.case_id, list(ids.values()))
                        )
                    )
                ).all()
            )
            again = [r for r in rows if (r["case_id"], r["recipient"]) in existing]
            new = [r for r in rows if (r["case_id"], r["recipient"]) not in existing]
            if again:
                await conn.execute(
                    update(escalations_t)
                    .where(
                        escalations_t.c.case_id == bindparam("b_case"),
                        escalations_t.c.recipient == bindparam("b_recipient"),
                    )
                    .values(
                        notice_kind=bindparam("b_notice"),
                        request_key=bindparam("b_key"),
                        urls=bindparam("b_urls"),
                        status="drafted",
                        updated_at=now,
                    ),
                    [
                        {
                            "b_case": r["case_id"],
                            "b_recipient": r["recipient"],
                            "b_notice": r["notice_kind"],
                            "b_key": r["request_key"],
                            "b_urls": r["urls"],
                        }
                        for r in again
                    ],
                )
            if new:
                await _insert_new(conn, new)
            if mails:
                await conn.execute(
                    insert_ignore(conn, outbox_t),
                    [
                        {
                            "request_key": mail.request_key,
                            "recipient": mail.recipient,
                            "to_addr": mail.to,
                            "message": mail.message.decode("utf-8"),
                            "state": "held" if hold else "pending",
                            "batch": batch,
                            "requested_by": requested_by,
                            "attempts": 0,
                            "not_before": 0.0,
                            "lease_until": 0.0,
                            "created_at": now,
                        }
                        for mail in mails
                    ],
                )
            if before_commit is not None:
                await before_commit
            return len(rows)

    async def approve(self, batch: str, approver: str) -> int:
        """Release a held batch of mails; the approver must not be who asked for the send.

        Each case in the batch gets an audit-log row naming both moderators.
        """
        async with self._engine.begin() as conn:
            held = (
                await conn.execute(
                    select(outbox_t.c.request_key, outbox_t.c.requested_by).where(
                        outbox_t.c.batch == batch, outbox_t.c.state == "held"
                    )
                )
            ).all()
            if not held:
                raise InvalidTransition(f"no mails wait for approval in batch {batch}")
            requesters = {row.requested_by for row in held}
            if approver in requesters:
                raise NotPermitted("a second moderator must approve a send they did not ask for")
            await conn.execute(
                update(outbox_t)
                .where(outbox_t.c.batch == batch, outbox_t.c.state == "held")
                .values(state="pending", approved_by=approver)
            )
            keys = [row.request_key for row in held]
            cases = await conn.execute(
                select(escalations_t.c.case_id, cases_t.c.status)
                .join(cases_t, cases_t.c.id == escalations_t.c.case_id)
                .where(escalations_t.c.request_key.in_(keys))
                .distinct()
            )
            now = utcnow()
            requester = ", ".join(sorted(r or "?" for r in requesters))
            rows = [
                {
                    "case_id": case_id,
                    "moderator": approver,
                    "action": "approve_send",
                    "from_status": status,
                    "to_status": status,
                    "reason": f"send requested by {requester}, approved by {approver}",
                    "created_at": now,
                }
                for case_id, status in cases.all()
            ]
            if rows:
                await conn.execute(actions_t.insert(), rows)
            return len(held)
