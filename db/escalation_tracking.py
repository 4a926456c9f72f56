"""Listing escalations and moving them along (sent, acknowledged, removed, …), audit-logged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import InvalidTransition
from core.escalation.notices import TAKE_IT_DOWN
from core.escalation.tracking import (
    MOVES,
    SEARCH_RECIPIENTS,
    EscalationView,
    RecipientStats,
    removal_stats,
)
from core.model import CaseStatus
from core.notify.texts import RemovedWording, removed_text
from core.redact import redact_optional
from db.removal_watches import queue_removal_notices
from db.tables import actions_t, cases_t, creators_t, escalations_t, utcnow

TAKE_IT_DOWN_HOURS = 48


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class SqlEscalationTracker:
    """Reads and moves escalations; a case follows (escalated when sent, removed when gone)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        default_deadline_hours: float = 168.0,
        removed_wording: RemovedWording = removed_text,
    ) -> None:
        """``removed_wording`` words the "it's down" notices in each reporter's language."""
        self._engine = engine
        self._default_hours = default_deadline_hours
        self._removed_wording = removed_wording

    async def list(
        self, creator: str | None = None, *, statuses: Sequence[str] = ()
    ) -> list[EscalationView]:
        """Escalations (of ``creator``), oldest first."""
        query = (
            select(
                escalations_t.c.id,
                cases_t.c.code,
                creators_t.c.slug,
                escalations_t.c.recipient,
                escalations_t.c.notice_kind,
                escalations_t.c.status,
                escalations_t.c.sent_at,
                escalations_t.c.deadline_at,
                escalations_t.c.urls,
                escalations_t.c.note,
            )
            .join(cases_t, cases_t.c.id == escalations_t.c.case_id)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .order_by(escalations_t.c.id)
        )
        if creator is not None:
            query = query.where(creators_t.c.slug == creator)
        if statuses:
            query = query.where(escalations_t.c.status.in_(list(statuses)))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            EscalationView(
                id=r[0],
                case_code=r[1],
                creator=r[2],
                recipient=r[3],
                notice=r[4],
                status=r[5],
                sent_at=_aware(r[6]),
                deadline_at=_aware(r[7]),
                urls=tuple(u for u in (r[8] or "").splitlines() if u),
                note=r[9],
            )
            for r in rows
        ]

    async def request_ids(
        self, creator: str, request_key: str, *, statuses: Sequence[str] = ()
    ) -> list[int]:
        """Ids of the escalations of one request (its ``request_key``) of ``creator``."""
        query = (
            select(escalations_t.c.id)
            .join(cases_t, cases_t.c.id == escalations_t.c.case_id)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator, escalations_t.c.request_key == request_key)
            .order_by(escalations_t.c.id)
        )
        if statuses:
            query = query.where(escalations_t.c.status.in_(list(statuses)))
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def closed_at(self, creator: str | None = None) -> dict[int, datetime]:
        """When each closed escalation (of ``creator``) was closed."""
        query = select(escalations_t.c.id, escalations_t.c.closed_at).where(
            escalations_t.c.closed_at.is_not(None)
        )
        if creator is not None:
            query = (
                query.join(cases_t, cases_t.c.id == escalations_t.c.case_id)
                .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
                .where(creators_t.c.slug == creator)
            )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {row[0]: _aware(row[1]) for row in rows}  # type: ignore[misc]

    async def stats(self, creator: str | None = None) -> list[RecipientStats]:
        """Removal statistics per recipient and notice kind (see :func:`removal_stats`)."""
        return removal_stats(await self.list(creator), await self.closed_at(creator))

    async def mark(
        self, ids: Sequence[int], status: str, *, actor: str, note: str | None = None
    ) -> list[EscalationView]:
        """Move each escalation in ``ids`` to ``status``; all or none (a bad move raises)."""
        now = utcnow()
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(
                        escalations_t.c.id,
                        escalations_t.c.status,
                        escalations_t.c.case_id,
                        escalations_t.c.notice_kind,
                        escalations_t.c.sent_at,
                    ).where(escalations_t.c.id.in_(list(ids)))
                )
            ).all()
            found = {row.id for row in rows}
            unknown = [str(i) for i in ids if i not in found]
            if unknown:
                raise InvalidTransition("no escalation " + ", ".join(unknown))
            for row in rows:
                if status not in MOVES.get(row.status, ()):
                    raise InvalidTransition(f"escalation {row.id} is {row.status}, not {status}")
            groups: dict[tuple[tuple[str, object], ...], list[int]] = {}
            for row in rows:  # one statement per distinct set of values, not per row
                values: dict[str, object] = {"status": status, "updated_at": now}
                if note:
                    values["note"] = note
                if status == "sent":
                    hours = (
                        TAKE_IT_DOWN_HOURS
                        if row.notice_kind == TAKE_IT_DOWN
                        else (self._default_hours)
                    )
                    values.update(sent_at=now, deadline_at=now + timedelta(hours=hours))
                    values["closed_at"] = None
                elif status == "acknowledged":
                    values["acknowledged_at"] = now
                else:
                    values["closed_at"] = now
                groups.setdefault(tuple(values.items()), []).append(row.id)
            for items, group in groups.items():
                await conn.execute(
                    update(escalations_t)
                    .where(escalations_t.c.id == bindparam("b_id"))
                    .values(**dict(items)),
                    [{"b_id": one} for one in group],
                )
            await follow_cases(
                conn,
                [row.case_id for row in rows],
                actor,
                status,
                note,
                now,
                wording=self._removed_wording,
            )
        return [e for e in await self.list() if e.id in found]


async def follow_cases(conn, case_ids, actor, status, note, now, wording=removed_text) -> None:  # type: ignore[no-untyped-def]
    """:func:`follow_case` for many cases in a few statements (a recheck marks thousands)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    rows = await conn.execute(select(cases_t.c.id, cases_t.c.status).where(cases_t.c.id.in_(ids)))
    current = {case_id: state for case_id, state in rows}
    hosts: dict[int, list[str]] = {}
    states = await conn.execute(
        select(escalations_t.c.case_id, escalations_t.c.recipient, escalations_t.c.status).where(
            escalations_t.c.case_id.in_(ids)
        )
    )
    for case_id, recipient, state in states:
        if recipient not in SEARCH_RECIPIENTS:
            hosts.setdefault(case_id, []).append(state)
    moves: dict[str, list[int]] = {}
    actions = []
    for case_id in ids:
        case_status = current[case_id]
        to = _case_follows(case_status, hosts.get(case_id, []), status)
        if to is None:
            continue
        moves.setdefault(to, []).append(case_id)
        actions.append(
            {
                "case_id": case_id,
                "moderator": actor,
                "action": f"escalation_{status}",
                "from_status": case_status,
                "to_status": to,
                "reason": redact_optional(note),  # the audit log keeps no link
                "created_at": now,
            }
        )
    for to, moved in moves.items():
        await conn.execute(
            update(cases_t).where(cases_t.c.id.in_(moved)).values(status=to, updated_at=now)
        )
    if actions:
        await conn.execute(actions_t.insert(), actions)
    for case_id in moves.get(str(CaseStatus.REMOVED), []):  # reporters who asked are told, once
        await queue_removal_notices(conn, case_id, now, wording)


def _case_follows(case_status: str, hosts: list[str], status: str) -> str | None:
    """The case's new status after its requests moved to ``status`` (None: it stays)."""
    to = None
    if hosts and all(s == "removed" for s in hosts):
        to = CaseStatus.REMOVED
    elif status == "sent" and case_status in (CaseStatus.CONFIRMED, CaseStatus.REMOVED):
        to = CaseStatus.ESCALATED
    if to is None or to == case_status:
        return None
    return str(to)


async def follow_case(conn, case_id, actor, status, note, now) -> None:  # type: ignore[no-untyped-def]
    """A sent request makes its case escalated; all hosts' removals make it removed."""
    await follow_cases(conn, [case_id], actor, status, note, now)
