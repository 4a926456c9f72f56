"""Reading and changing cases; every change is logged in ``moderator_actions``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Row, Select, func, insert, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from core.codes import normalize_case_code
from core.errors import CaseNotFound, InvalidTransition
from core.model import (
    BulkOutcome,
    CaseStatus,
    CaseView,
    LinkView,
    NoteView,
    ProvenanceSignal,
    ReporterRef,
)
from core.redact import redact_optional
from db.notify import CASES_CHANNEL, notify
from db.retention import FORGOTTEN_PLATFORM
from db.sets import among
from db.tables import (
    actions_t,
    case_provenance_t,
    case_reporters_t,
    cases_t,
    creators_t,
    links_t,
    reporters_t,
    reports_t,
    utcnow,
)
from db.upsert import insert_ignore
from db.write_gate import WriteGate, gated_begin

if TYPE_CHECKING:
    from core.protected import ProtectedMatch

#: hex digits of a sealed reporter id shown to moderators beside a note
PSEUDONYM_LENGTH = 10

_merged = aliased(cases_t, name="merged")
_dup = aliased(cases_t, name="dup")

#: notes kept in a case view (the newest); older ones stay in the database
MAX_NOTES = 20
#: how many merges a target may have gone through before a merge into it is refused
MAX_MERGE_HOPS = 32

_CASE_COLUMNS = (
    cases_t.c.id,
    cases_t.c.code,
    creators_t.c.slug,
    cases_t.c.status,
    cases_t.c.reporter_count,
    cases_t.c.report_count,
    cases_t.c.first_seen,
    cases_t.c.last_seen,
    cases_t.c.host,
    cases_t.c.platform,
    cases_t.c.claimed_by,
    cases_t.c.reason,
    cases_t.c.protected_tier,
    cases_t.c.protected_distance,
    cases_t.c.synthetic,
    cases_t.c.synthetic_by,
    _merged.c.code.label("merged_code"),
    _dup.c.code.label("dup_code"),
)


def _case_query():  # type: ignore[no-untyped-def]
    return (
        select(*_CASE_COLUMNS)
        .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
        .outerjoin(_merged, _merged.c.id == cases_t.c.merged_into_id)
        .outerjoin(_dup, _dup.c.id == cases_t.c.possible_duplicate_of_id)
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _view(
    row: Row,  # type: ignore[type-arg]
    links: Sequence[LinkView] = (),
    notes: Sequence[NoteView] = (),
    provenance: Sequence[ProvenanceSignal] = (),
) -> CaseView:
    return CaseView(
        id=row.id,
        code=row.code,
        creator=row.slug,
        status=CaseStatus(row.status),
        reporters=row.reporter_count,
        reports=row.report_count,
        first_seen=_aware(row.first_seen),
        last_seen=_aware(row.last_seen),
        host=row.host,
        platform=row.platform,
        links=tuple(links),
        claimed_by=row.claimed_by,
        reason=row.reason,
        merged_into=row.merged_code,
        possible_duplicate_of=row.dup_code,
        notes=tuple(notes),
        protected_tier=row.protected_tier,
        protected_distance=row.protected_distance,
        provenance=tuple(provenance),
        synthetic=bool(row.synthetic),
        synthetic_by=row.synthetic_by,
    )


async def _links(conn: AsyncConnection, case_ids: Sequence[int]) -> dict[int, list[LinkView]]:
    result: dict[int, list[LinkView]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return result
    rows = await conn.execute(
        select(
            links_t.c.case_id,
            links_t.c.url,
            links_t.c.canonical,
            links_t.c.host,
            links_t.c.platform,
        )
        .where(among(conn, links_t.c.case_id, case_ids))
        .order_by(links_t.c.id)
    )
    for case_id, url, canonical, host, platform in rows:
        result[case_id].append(LinkView(url, canonical, host, platform))
    return result


async def _notes(conn: AsyncConnection, case_ids: Sequence[int]) -> dict[int, list[NoteView]]:
    """The newest :data:`MAX_NOTES` distinct notes of each case, oldest first.

    A note is shown once per reporter however many links of one report carried it; the
    reporter is left out for anonymous reports (and for people who asked to be forgotten).
    Deduplication and the per-case limit run in the database, so a case with thousands of
    reports costs no more to show than one with twenty.
    """
    result: dict[int, list[NoteView]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return result
    r = reports_t.c
    distinct = (
        select(
            r.case_id,
            r.reporter_id,
            r.note,
            r.anonymous,
            func.max(r.id).label("last_id"),
            func.max(r.created_at).label("at"),
        )
        .where(among(conn, r.case_id, case_ids), r.note != "")
        .group_by(r.case_id, r.reporter_id, r.note, r.anonymous)
        .subquery()
    )
    newest = func.row_number().over(
        partition_by=distinct.c.case_id, order_by=distinct.c.last_id.desc()
    )
    ranked = select(distinct, newest.label("rank")).subquery()
    rows = await conn.execute(
        select(
            ranked.c.case_id,
            ranked.c.note,
            ranked.c.at,
            ranked.c.anonymous,
            reporters_t.c.platform,
            reporters_t.c.platform_user_id,
        )
        .join(reporters_t, reporters_t.c.id == ranked.c.reporter_id)
        .where(ranked.c.rank <= MAX_NOTES)
        .order_by(ranked.c.case_id, ranked.c.last_id)
    )
    for case_id, text, at, anonymous, platform, user_id in rows:
        shown = not anonymous and platform != FORGOTTEN_PLATFORM
        # a pseudonym: the stored id is sealed (db.reporter_key), never the account
        reporter = f"{platform}:{user_id[:PSEUDONYM_LENGTH]}" if shown else None
        result[case_id].append(NoteView(text, _aware(at), reporter))
    return result


async def _provenance(
    conn: AsyncConnection, case_ids: Sequence[int]
) -> dict[int, list[ProvenanceSignal]]:
    result: dict[int, list[ProvenanceSignal]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return result
    t = case_provenance_t.c
    rows = await conn.execute(
        select(t.case_id, t.kind, t.value, t.confidence, t.validated)
        .where(among(conn, t.case_id, case_ids))
        .order_by(t.id)
    )
    for case_id, kind, value, confidence, validated in rows:
        result[case_id].append(ProvenanceSignal(kind, value, confidence, bool(validated)))
    return result


async def _details(
    conn: AsyncConnection, case_ids: Sequence[int]
) -> tuple[dict[int, list[LinkView]], dict[int, list[NoteView]], dict[int, list[ProvenanceSignal]]]:
    return (
        await _links(conn, case_ids),
        await _notes(conn, case_ids),
        await _provenance(conn, case_ids),
    )


async def _full_view(conn: AsyncConnection, row: Row) -> CaseView:  # type: ignore[type-arg]
    links, notes, provenance = await _details(conn, [row.id])
    return _view(row, links[row.id], notes[row.id], provenance[row.id])


def _checked_cases() -> Select:  # type: ignore[type-arg]
    """What an action checks of a case before it changes it: id, code, status, claim, merge
    target and the creator's slug."""
    return select(
        cases_t.c.id,
        cases_t.c.code,
        cases_t.c.status,
        cases_t.c.claimed_by,
        cases_t.c.merged_into_id,
        creators_t.c.slug,
    ).join(creators_t, creators_t.c.id == cases_t.c.creator_id)


async def _lock(conn: AsyncConnection, where: ColumnElement[bool]) -> Row | None:  # type: ignore[type-arg]
    """The case matching ``where``, locked for the transaction on PostgreSQL."""
    query = _checked_cases().where(where)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=cases_t)
    return (await conn.execute(query)).first()


async def _final_target(conn: AsyncConnection, case: Row) -> Row:  # type: ignore[type-arg]
    """The case ``case`` ended up in after its merges (``case`` itself when not merged)."""
    seen = {case.id}
    while case.status == CaseStatus.MERGED.value and case.merged_into_id not in seen:
        if len(seen) > MAX_MERGE_HOPS:
            raise InvalidTransition(f"{case.code} went through too many merges")
        following = await _lock(conn, cases_t.c.id == case.merged_into_id)
        if following is None:
            break
        seen.add(following.id)
        case = following
    return case


def _check_merge(src: Row, dst: Row, asked: str) -> None:  # type: ignore[type-arg]
    """Refuse merges that would hide a case from the queue or fold it into itself."""
    if src.id == dst.id:
        if asked != src.code:
            raise InvalidTransition(f"{asked} is already merged into {src.code}")
        raise InvalidTransition(f"{src.code} cannot be merged into itself")
    if src.slug != dst.slug:
        raise InvalidTransition("cases of different creators cannot be merged")
    if src.status == CaseStatus.MERGED.value:
        raise InvalidTransition(f"{src.code} is already merged")
    if dst.status == CaseStatus.MERGED.value:  # a loop left by an old bug
        raise InvalidTransition(f"{dst.code} is merged into itself; /reopen it first")
    if dst.status == CaseStatus.DISMISSED.value:
        raise InvalidTransition(
            f"{dst.code} is dismissed; /reopen it first, or merge it into {src.code}"
        )


_decisions = 0


def decisions_made() -> int:
    """How many audited decisions of a person (not of leakdesk's own rules, whose actors
    are ``leakdesk:…``) this process has written: a cache of what follows from moderators'
    decisions (a reporter's record, say) is stale once this number moves."""
    return _decisions


async def write_audit(conn: AsyncConnection, rows: Sequence[dict[str, object]]) -> None:
    """Append moderator actions to the audit log (``moderator_actions``), in one statement.

    Every write to the audit log goes through here, so anything each row needs (a hash
    chain, say) is added in one place.  Each row has ``case_id``, ``moderator``, ``action``,
    ``from_status``, ``to_status``, ``reason`` and ``created_at``.
    """
    if rows:  # the chain itself is computed by the database's trigger (db/audit_hash.py)
        global _decisions
        kept = [{**row, "reason": redact_optional(row.get("reason"))} for row in rows]  # type: ignore[arg-type]
        await conn.execute(insert(actions_t), kept)
        if any(not str(row["moderator"]).startswith("leakdesk:") for row in rows):
            _decisions += 1


async def _cases_by_code(
    conn: AsyncConnection, codes: Sequence[str], *, lock: bool = False
) -> dict[str, Row]:  # type: ignore[type-arg]
    """The cases ``codes`` name, by code, with what a bulk action checks: id, status, claim,
    merge target and creator slug; read in id order, and locked on PostgreSQL if ``lock``."""
    if not codes:
        return {}
    query = _checked_cases().where(among(conn, cases_t.c.code, codes)).order_by(cases_t.c.id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=cases_t)
    return {r.code: r for r in await conn.execute(query)}


def _refusal(
    row: Row | None,
    code: str,
    *,
    actor: str,
    action: str,  # type: ignore[type-arg]
    allowed: Sequence[CaseStatus],
    creator: str | None,
) -> str | None:
    """Why ``action`` may not touch the case ``row`` (None when it may)."""
    if row is None or (creator is not None and row.slug != creator):
        return f"no case {code}"
    if CaseStatus(row.status) not in allowed and not _merged_into_itself(row, action):
        return f"case is {row.status}; cannot {action}"
    if action == "claim" and row.claimed_by and row.claimed_by != actor:
        return "case is already claimed by another moderator"
    return None


def _merged_into_itself(row: Row, action: str) -> bool:  # type: ignore[type-arg]
    """A reopen of a case an old bug merged into itself (allowed, to repair it)."""
    return (
        action == "reopen"
        and row.status == CaseStatus.MERGED.value
        and row.merged_into_id == row.id
    )


class SqlCaseStore:
    """A :class:`core.ports.CaseStore` over SQLAlchemy Core."""

    def __init__(
        self, engine: AsyncEngine, *, sender: str = "", write_gate: WriteGate | None = None
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._gate = write_gate  # taking turns with the report writer (db.write_gate)

    async def _announce(self, conn: AsyncConnection, view: CaseView) -> None:
        payload = {
            "from": self._sender,
            "case": view.id,
            "code": view.code,
            "creator": view.creator,
            "created": False,
        }
        await conn.run_sync(notify, CASES_CHANNEL, [payload])

    def _payload(self, row: Row) -> dict[str, object]:  # type: ignore[type-arg]
        """The change notice of a locked case row (see :meth:`_announce`)."""
        return {
            "from": self._sender,
            "case": row.id,
            "code": row.code,
            "creator": row.slug,
            "created": False,
        }

    async def get_case(self, code: str) -> CaseView | None:
        """The case with ``code`` (any spelling a user might type), with its links."""
        normalized = normalize_case_code(code)
        if normalized is None:
            return None
        async with self._engine.connect() as conn:
            return await self._load(conn, normalized)

    async def get_case_by_id(self, case_id: int) -> CaseView | None:
        """The case with database id ``case_id``, with its links."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(_case_query().where(cases_t.c.id == case_id))).first()
            return None if row is None else await _full_view(conn, row)

    async def _load(self, conn: AsyncConnection, code: str) -> CaseView | None:
        row = (await conn.execute(_case_query().where(cases_t.c.code == code))).first()
        return None if row is None else await _full_view(conn, row)

    async def list_cases(
        self, creator: str | None, statuses: Sequence[CaseStatus], limit: int = 50
    ) -> list[CaseView]:
        """Cases in ``statuses``: those matching a creator's protected image first, then
        most reporters first, then oldest first."""
        query = _case_query().where(cases_t.c.status.in_([str(s) for s in statuses]))
        if creator is not None:
            query = query.where(creators_t.c.slug == creator)
        protected_first = sql_case((cases_t.c.protected_tier.is_(None), 1), else_=0)
        query = query.order_by(
            protected_first, cases_t.c.reporter_count.desc(), cases_t.c.first_seen
        ).limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            links, notes, provenance = await _details(conn, [r.id for r in rows])
        return [_view(r, links[r.id], notes[r.id], provenance[r.id]) for r in rows]

    async def mark_protected(self, case_id: int, match: ProtectedMatch) -> None:
        """Record that a picture of ``case_id`` matches one of its creator's protected
        images (the closest match is kept); moderators see it, reporters never do."""
        async with gated_begin(self._engine, self._gate) as conn:
            row = (
                await conn.execute(
                    select(cases_t.c.protected_tier, cases_t.c.protected_distance).where(
                        cases_t.c.id == case_id
                    )
                )
            ).first()
            if row is None or not match.closer_than(row.protected_tier, row.protected_distance):
                return
            await conn.execute(
                update(cases_t)
                .where(cases_t.c.id == case_id)
                .values(protected_tier=match.tier, protected_distance=match.distance)
            )

    async def add_provenance(self, case_id: int, signals: Sequence[ProvenanceSignal]) -> None:
        """Keep provenance evidence read from a picture of ``case_id`` (each record once)."""
        if not signals:
            return
        rows = [
            {
                "case_id": case_id,
                "kind": s.kind[:32],
                "value": s.value[:200],
                "confidence": s.confidence,
                "validated": s.validated,
                "created_at": utcnow(),
            }
            for s in signals
        ]
        async with gated_begin(self._engine, self._gate) as conn:
            await conn.execute(insert_ignore(conn, case_provenance_t), rows)

    async def count_cases(self, creator: str | None = None) -> dict[str, int]:
        """Number of cases per status."""
        query = select(cases_t.c.status, func.count()).group_by(cases_t.c.status)
        if creator is not None:
            query = query.join(creators_t, creators_t.c.id == cases_t.c.creator_id).where(
                creators_t.c.slug == creator
            )
        async with self._engine.connect() as conn:
            return dict((await conn.execute(query)).all())

    async def _locked_case(self, conn: AsyncConnection, code: str, creator: str | None) -> Row:  # type: ignore[type-arg]
        normalized = normalize_case_code(code)
        row = await _lock(conn, cases_t.c.code == normalized) if normalized else None
        if row is None or (creator is not None and row.slug != creator):
            raise CaseNotFound(code.strip()[:20])
        return row

    async def transition(
        self,
        code: str,
        *,
        actor: str,
        action: str,
        allowed_from: Sequence[CaseStatus],
        to: CaseStatus,
        reason: str | None = None,
        creator: str | None = None,
    ) -> CaseView:
        """Change the state of a case and append the action to the audit log, atomically."""
        async with gated_begin(self._engine, self._gate) as conn:
            row = await self._locked_case(conn, code, creator)
            status = CaseStatus(row.status)
            if status not in allowed_from:
                raise InvalidTransition(f"case is {status.value}; cannot {action}")
            if action == "claim" and row.claimed_by and row.claimed_by != actor:
                raise InvalidTransition("case is already claimed by another moderator")
            values: dict[str, object] = {"status": str(to), "updated_at": utcnow()}
            if action == "claim":
                values["claimed_by"] = actor
            if action in ("dismiss", "reopen"):
                values["reason"] = reason
            if action == "reopen":
                values["merged_into_id"] = None  # a case merged into itself, repaired
            await conn.execute(update(cases_t).where(cases_t.c.id == row.id).values(**values))
            await write_audit(
                conn,
                [
                    {
                        "case_id": row.id,
                        "moderator": actor,
                        "action": action,
                        "from_status": status.value,
                        "to_status": str(to),
                        "reason": reason,
                        "created_at": utcnow(),
                    }
                ],
            )
            view = await self._load(conn, normalize_case_code(code) or code)
            assert view is not None
            await self._announce(conn, view)
        return view

    async def transition_many(
        self,
        codes: Sequence[str],
        *,
        actor: str,
        action: str,
        allowed_from: Sequence[CaseStatus],
        to: CaseStatus,
        reason: str | None = None,
        creator: str | None = None,
    ) -> list[BulkOutcome]:
        """:meth:`transition` on many cases at once: one transaction, one ``UPDATE``.

        The cases are read (and locked, on PostgreSQL, in id order) in one query; those
        whose state allows ``action`` change in one ``UPDATE … WHERE id IN (…)`` that checks
        the state again, and get one audit row each, as one by one would write them.  The
        result has one outcome per distinct code, in the order given; a refused case says why.
        """
        typed = {(normalize_case_code(c) or c.strip()[:20]): c for c in codes}
        wanted = [c for c in typed if normalize_case_code(c) == c]
        now = utcnow()
        async with gated_begin(self._engine, self._gate) as conn:
            rows = await _cases_by_code(conn, wanted, lock=True)
            refused = {
                code: why
                for code in typed
                if (
                    why := _refusal(
                        rows.get(code),
                        code,
                        actor=actor,
                        action=action,
                        allowed=allowed_from,
                        creator=creator,
                    )
                )
            }
            movable = {rows[c].id: rows[c] for c in typed if c not in refused}
            changed: set[int] = set()
            if movable:
                changed = await self._move(
                    conn, list(movable), actor, action, allowed_from, to, reason, now
                )
                await write_audit(
                    conn,
                    [
                        {
                            "case_id": row.id,
                            "moderator": actor,
                            "action": action,
                            "from_status": row.status,
                            "to_status": str(to),
                            "reason": reason,
                            "created_at": now,
                        }
                        for row in movable.values()
                        if row.id in changed
                    ],
                )
                payloads = [
                    {
                        "from": self._sender,
                        "case": r.id,
                        "code": r.code,
                        "creator": r.slug,
                        "created": False,
                    }
                    for r in movable.values()
                    if r.id in changed
                ]
                await conn.run_sync(notify, CASES_CHANNEL, payloads)
        outcomes = []
        for code in typed:
            row = rows.get(code)
            if code in refused or row is None:
                outcomes.append(BulkOutcome(code, False, refused.get(code, f"no case {code}")))
            elif row.id not in changed:  # changed by someone else meanwhile
                why = f"case changed meanwhile; cannot {action}"
                outcomes.append(BulkOutcome(code, False, why))
            else:
                outcomes.append(BulkOutcome(code, True, str(to), row.id, row.slug))
        return outcomes

    @staticmethod
    async def _move(
        conn: AsyncConnection,
        ids: list[int],
        actor: str,
        action: str,
        allowed_from: Sequence[CaseStatus],
        to: CaseStatus,
        reason: str | None,
        now: datetime,
    ) -> set[int]:
        """One ``UPDATE`` of the cases ``ids`` still in a state that allows ``action``."""
        values: dict[str, object] = {"status": str(to), "updated_at": now}
        state_allows = cases_t.c.status.in_([str(s) for s in allowed_from])
        if action == "claim":
            values["claimed_by"] = actor
            state_allows = state_allows & or_(
                cases_t.c.claimed_by.is_(None),
                cases_t.c.claimed_by == "",
                cases_t.c.claimed_by == actor,
            )
        if action in ("dismiss", "reopen"):
            values["reason"] = reason
        if action == "reopen":
            values["merged_into_id"] = None  # a case merged into itself, repaired
            state_allows = or_(
                state_allows,
                (cases_t.c.status == CaseStatus.MERGED.value)
                & (cases_t.c.merged_into_id == cases_t.c.id),
            )
        result = await conn.execute(
            update(cases_t)
            .where(among(conn, cases_t.c.id, ids), state_allows)
            .values(**values)
            .returning(cases_t.c.id)
        )
        return set(result.scalars().all())

    async def merge(
        self, source: str, target: str, *, actor: str, creator: str | None = None
    ) -> CaseView:
        """Fold ``source`` into ``target``: links, reports and distinct reporters move over."""
        async with gated_begin(self._engine, self._gate) as conn:
            if conn.dialect.name == "postgresql":  # both rows in id order: no deadlock
                codes = [normalize_case_code(source), normalize_case_code(target)]
                await conn.execute(
                    select(cases_t.c.id)
                    .where(cases_t.c.code.in_([c for c in codes if c]))
                    .order_by(cases_t.c.id)
                    .with_for_update()
                )
            src = await self._locked_case(conn, source, creator)
            asked = await self._locked_case(conn, target, creator)
            dst = await _final_target(conn, asked)
            _check_merge(src, dst, asked.code)
            await conn.execute(
                update(links_t).where(links_t.c.case_id == src.id).values(case_id=dst.id)
            )
            await conn.execute(
                update(reports_t).where(reports_t.c.case_id == src.id).values(case_id=dst.id)
            )
            moved = await conn.execute(
                select(case_reporters_t.c.reporter_id).where(case_reporters_t.c.case_id == src.id)
            )
            reporter_ids = sorted(moved.scalars().all())
            if reporter_ids:
                await conn.execute(
                    insert_ignore(conn, case_reporters_t),
                    [{"case_id": dst.id, "reporter_id": r} for r in reporter_ids],
                )
            count = (
                select(func.count())
                .select_from(case_reporters_t)
                .where(case_reporters_t.c.case_id == dst.id)
                .scalar_subquery()
            )
            reports = (
                select(func.count())
                .select_from(reports_t)
                .where(reports_t.c.case_id == dst.id)
                .scalar_subquery()
            )
            now = utcnow()
            await conn.execute(
                update(cases_t)
                .where(cases_t.c.id == dst.id)
                .values(reporter_count=count, report_count=reports, updated_at=now)
            )
            await conn.execute(
                update(cases_t)
                .where(cases_t.c.id == src.id)
                .values(status=CaseStatus.MERGED.value, merged_into_id=dst.id, updated_at=now)
            )
            await write_audit(
                conn,
                [
                    {
                        "case_id": src.id,
                        "moderator": actor,
                        "action": "merge",
                        "from_status": src.status,
                        "to_status": "merged",
                        "reason": f"merged into {dst.code}",
                        "created_at": now,
                    },
                    {
                        "case_id": dst.id,
                        "moderator": actor,
                        "action": "merge_in",
                        "from_status": dst.status,
                        "to_status": dst.status,
                        "reason": f"absorbed {src.code}",
                        "created_at": now,
                    },
                ],
            )
            # other processes update both cards (PostgreSQL; a no-op on SQLite)
            await conn.run_sync(notify, CASES_CHANNEL, [self._payload(dst), self._payload(src)])
        # read after the commit: the write lock (and the report writer's turn at the
        # gate) is held for the writes alone, not for a dozen reads of the case's view
        async with self._engine.connect() as conn:
            view = await self._load(conn, dst.code)
        assert view is not None
        return view

    async def merge_many(
        self, sources: Sequence[str], target: str, *, actor: str, creator: str | None = None
    ) -> tuple[str, list[BulkOutcome]]:
        """:meth:`merge` of many cases into one, set-based, in one transaction.

        The target resolves as in :meth:`merge` (a merged target to the case it ended up in);
        a dismissed target, or one merged into itself, refuses the whole action
        (:class:`InvalidTransition`), an unknown one raises :class:`CaseNotFound`.  Each source
        is checked with :meth:`merge`'s rules; those that pass move over with a few statements
        (links, reports, distinct reporters, counts, states) and get the same two audit rows
        as one by one.  Returns the final target's code and one outcome per distinct code,
        in the order given.
        """
        typed = {(normalize_case_code(c) or c.strip()[:20]): c for c in sources}
        wanted = [c for c in typed if normalize_case_code(c) == c]
        now = utcnow()
        async with gated_begin(self._engine, self._gate) as conn:
            if conn.dialect.name == "postgresql":  # every row in id order: no deadlock
                everyone = [*wanted, normalize_case_code(target) or ""]
                await conn.execute(
                    select(cases_t.c.id)
                    .where(among(conn, cases_t.c.code, everyone))
                    .order_by(cases_t.c.id)
                    .with_for_update()
                )
            asked = await self._locked_case(conn, target, creator)
            dst = await _final_target(conn, asked)
            if dst.status == CaseStatus.MERGED.value:
                raise InvalidTransition(f"{dst.code} is merged into itself; /reopen it first")
            if dst.status == CaseStatus.DISMISSED.value:
                raise InvalidTransition(
                    f"{dst.code} is dismissed; reopen it before merging into it"
                )
            rows = await _cases_by_code(conn, wanted)
            refused: dict[str, str] = {}
            for code in typed:
                row = rows.get(code)
                if row is None or (creator is not None and row.slug != creator):
                    refused[code] = f"no case {code}"
                    continue
                try:
                    _check_merge(row, dst, asked.code)
                except InvalidTransition as err:
                    refused[code] = str(err)
            moved = [rows[c] for c in typed if c not in refused]
            if moved:
                await self._fold(conn, [r.id for r in moved], dst.id, now)
                audit: list[dict[str, object]] = []
                for src in moved:
                    audit += [
                        {"case_id": src.id, "moderator": actor, "action": "merge",
                         "from_status": src.status, "to_status": "merged",
                         "reason": f"merged into {dst.code}", "created_at": now},
                        {"case_id": dst.id, "moderator": actor, "action": "merge_in",
                         "from_status": dst.status, "to_status": dst.status,
                         "reason": f"absorbed {src.code}", "created_at": now},
                    ]  # fmt: skip
                await write_audit(conn, audit)
                payloads = [
                    {"from": self._sender, "case": r.id, "code": r.code, "creator": r.slug,
                     "created": False}
                    for r in (dst, *moved)
                ]  # fmt: skip
                await conn.run_sync(notify, CASES_CHANNEL, payloads)
        done = {r.code for r in moved}
        outcomes = [
            BulkOutcome(code, True, f"merged into {dst.code}", rows[code].id, rows[code].slug)
            if code in done
            else BulkOutcome(code, False, refused.get(code, f"no case {code}"))
            for code in typed
        ]
        return dst.code, outcomes

    @staticmethod
    async def _fold(conn: AsyncConnection, ids: list[int], dst_id: int, now: datetime) -> None:
        """Move the links, reports and reporters of the cases ``ids`` into ``dst_id``, recount
        it, and mark them merged into it."""
        await conn.execute(
            update(links_t).where(among(conn, links_t.c.case_id, ids)).values(case_id=dst_id)
        )
        await conn.execute(
            update(reports_t).where(among(conn, reports_t.c.case_id, ids)).values(case_id=dst_id)
        )
        moved = await conn.execute(
            select(case_reporters_t.c.reporter_id)
            .where(among(conn, case_reporters_t.c.case_id, ids))
            .distinct()
        )
        reporter_ids = sorted(moved.scalars().all())
        if reporter_ids:
            await conn.execute(
                insert_ignore(conn, case_reporters_t),
                [{"case_id": dst_id, "reporter_id": r} for r in reporter_ids],
            )
        count = (
            select(func.count())
            .select_from(case_reporters_t)
            .where(case_reporters_t.c.case_id == dst_id)
            .scalar_subquery()
        )
        reports = (
            select(func.count())
            .select_from(reports_t)
            .where(reports_t.c.case_id == dst_id)
            .scalar_subquery()
        )
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.id == dst_id)
            .values(reporter_count=count, report_count=reports, updated_at=now)
        )
        await conn.execute(
            update(cases_t)
            .where(among(conn, cases_t.c.id, ids))
            .values(status=CaseStatus.MERGED.value, merged_into_id=dst_id, updated_at=now)
        )

    async def case_reporters(self, code: str, include_anonymous: bool = False) -> list[ReporterRef]:
        """Reporters of a case; anonymous reports are left out unless asked."""
        normalized = normalize_case_code(code)
        query = (
            select(reporters_t.c.platform, reporters_t.c.platform_user_id)
            .join(reports_t, reports_t.c.reporter_id == reporters_t.c.id)
            .join(cases_t, cases_t.c.id == reports_t.c.case_id)
            .where(cases_t.c.code == normalized)
            .distinct()
        )
        if not include_anonymous:
            query = query.where(reports_t.c.anonymous.is_(False))
        async with self._engine.connect() as conn:
            rows = await conn.execute(query)
            return [ReporterRef(p, u) for p, u in rows]

    async def audit_log(self, code: str) -> list[tuple[str, str, str | None]]:
        """(moderator, action, reason) of every action on a case, oldest first."""
        normalized = normalize_case_code(code)
        query = (
            select(actions_t.c.moderator, actions_t.c.action, actions_t.c.reason)
            .join(cases_t, cases_t.c.id == actions_t.c.case_id)
            .where(cases_t.c.code == normalized)
            .order_by(actions_t.c.id)
        )
        async with self._engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(query)).all()]  # type: ignore[misc]
