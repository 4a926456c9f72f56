"""Reporter trust on SQL: the facts :mod:`core.trust` decides on, and moderators' decisions.

Everything is computed when read, from committed rows (``case_reporters``, ``reports``,
``cases``' outcomes) plus ``reporter_standing``: a crash can never leave a stale figure.
Reporters are known by their sealed id only (db/reporter_key.py); moderators and the
operator see a pseudonym, ``platform:<first 10 hex digits of the sealed id>``, as beside
notes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from aiodataloader import DataLoader
from cachetools import TTLCache
from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.errors import InvalidLink
from core.model import CaseStatus, CaseView, ReporterRef
from core.reporter_moderation import NOT_A_PSEUDONYM, CaseReporters, ReporterSummary
from core.trust import (
    CaseTrust,
    Record,
    ReporterSuspended,
    Standing,
    TrustNotice,
    TrustPolicy,
    assess,
    case_trust,
    is_abusive_dismissal,
    is_trusted,
    report_weight,
)
from db.cases import PSEUDONYM_LENGTH, decisions_made, write_audit
from db.reporter_key import ReporterKey
from db.retention import FORGOTTEN_PLATFORM
from db.retry import is_sqlite_busy
from db.sets import among
from db.tables import (
    case_reporters_t,
    cases_t,
    creators_t,
    reporters_t,
    reports_t,
    standing_t,
    utcnow,
)
from db.trust_targets import Target, among_named, by_pseudonym, case_id_of, named_reporters
from db.write_gate import WriteGate, gated_begin

log = logging.getLogger(__name__)

#: outcomes that count as "confirmed" in a reporter's record
CONFIRMED = (CaseStatus.CONFIRMED.value, CaseStatus.ESCALATED.value, CaseStatus.REMOVED.value)
#: reports made this soon after a reporter's very first one are "first-time" reports too
#: (one message with several links is one first report)
FIRST_SESSION = timedelta(minutes=10)
#: who the audit log names for a decision taken by the rules, not by a person
AUTOMATIC = "leakdesk:automatic"
#: how long the intake gate reuses what it read about a reporter.  A decision taken in this
#: process (any audited write) drops the cache at once; one taken by another process (a
#: moderator's CLI, another bot) reaches this one within this many seconds.
FACTS_FRESH_SECONDS = 30.0
#: how many reporters' facts the gate keeps
FACTS_KEPT = 50_000


@dataclass(frozen=True)
class _Facts:
    """What the intake gate read about one reporter, and when."""

    standing: Standing
    record: Record
    reporter_id: int | None
    decisions: int  # :func:`db.cases.decisions_made` when read


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def pseudonym(platform: str, sealed: str) -> str:
    """How moderators and the operator name a keyed reporter (never the account)."""
    return f"{platform}:{sealed[:PSEUDONYM_LENGTH]}"


async def _records(conn: AsyncConnection, reporter_ids: Sequence[int]) -> dict[int, Record]:
    """Confirmed / dismissed / abusive cases of each reporter (each case counted once)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    if reporter_ids:
        cr, c = case_reporters_t.c, cases_t.c
        rows = await conn.execute(
            select(cr.reporter_id, c.status, c.reason)
            .join(cases_t, c.id == cr.case_id)
            .where(
                among(conn, cr.reporter_id, reporter_ids),
                c.status.in_([*CONFIRMED, CaseStatus.DISMISSED.value]),
            )
        )
        for rid, status, reason in rows:
            if status in CONFIRMED:
                counts[rid][0] += 1
            else:
                counts[rid][1] += 1
                counts[rid][2] += is_abusive_dismissal(reason)
    return {rid: Record(*counts[rid]) for rid in reporter_ids}


def _standing(row: object) -> Standing:
    return Standing(
        trusted=bool(row.trusted),  # type: ignore[attr-defined]
        warned_at=_aware(row.warned_at),  # type: ignore[attr-defined]
        suspended_until=_aware(row.suspended_until),  # type: ignore[attr-defined]
        account_created=_aware(row.account_created),  # type: ignore[attr-defined]
        abusive_baseline=int(row.abusive_baseline or 0),  # type: ignore[attr-defined]
    )


async def _standings(conn: AsyncConnection, reporter_ids: Sequence[int]) -> dict[int, Standing]:
    """The standing row of each reporter that has one (joined on the sealed id)."""
    if not reporter_ids:
        return {}
    s, r = standing_t.c, reporters_t.c
    rows = await conn.execute(
        select(
            r.id, s.trusted, s.warned_at, s.suspended_until, s.account_created, s.abusive_baseline
        )
        .join(standing_t, (s.platform == r.platform) & (s.reporter_key == r.platform_user_id))
        .where(among(conn, r.id, reporter_ids))
    )
    return {row.id: _standing(row) for row in rows}


class SqlTrustStore:
    """Weights, trusted cases, reputations, and the moderators' trust/suspend decisions."""

    def __init__(
        self,
        engine: AsyncEngine,
        policy: TrustPolicy | None = None,
        reporter_key: ReporterKey | None = None,
        *,
        write_gate: WriteGate | asyncio.Lock | None = None,
    ) -> None:
        self._engine = engine
        self.policy = policy or TrustPolicy()
        self._key = reporter_key
        self._gate = write_gate
        self._facts: TTLCache[tuple[str, str], _Facts] = TTLCache(
            FACTS_KEPT, FACTS_FRESH_SECONDS, timer=time.monotonic
        )
        self._loader: DataLoader[tuple[str, str], _Facts] | None = None  # made on the loop

    # --- reading -------------------------------------------------------------------------

    async def case_trust(
        self, case_ids: Sequence[int], *, now: datetime | None = None
    ) -> dict[int, CaseTrust]:
        """The weighted reporter figure and trusted flag of each case in ``case_ids``."""
        now = now or datetime.now(UTC)
        if not case_ids:
            return {}
        async with self._engine.connect() as conn:
            return await self._case_trust(conn, list(case_ids), now)

    async def _case_trust(
        self, conn: AsyncConnection, case_ids: list[int], now: datetime
    ) -> dict[int, CaseTrust]:
        r, rp = reports_t.c, reporters_t.c
        # each (case, reporter): when the reporter first reported on the case
        pairs = (
            await conn.execute(
                select(r.case_id, r.reporter_id, func.min(r.created_at), rp.platform)
                .join(reporters_t, rp.id == r.reporter_id)
                .join(
                    case_reporters_t,
                    (case_reporters_t.c.case_id == r.case_id)
                    & (case_reporters_t.c.reporter_id == r.reporter_id),
                )
                .where(among(conn, r.case_id, case_ids))
                .group_by(r.case_id, r.reporter_id, rp.platform)
            )
        ).all()
        known = sorted({rid for _, rid, _, platform in pairs if platform != FORGOTTEN_PLATFORM})
        first_ever: dict[int, datetime] = {}
        if known:
            rows = await conn.execute(
                select(r.reporter_id, func.min(r.created_at))
                .where(among(conn, r.reporter_id, known))
                .group_by(r.reporter_id)
            )
            first_ever = {rid: _aware(at) for rid, at in rows}  # type: ignore[misc]
        records = await _records(conn, known)
        standings = await _standings(conn, known)
        raw = dict(
            (
                await conn.execute(
                    select(cases_t.c.id, cases_t.c.reporter_count).where(
                        among(conn, cases_t.c.id, case_ids)
                    )
                )
            ).all()
        )
        weights: dict[int, list[float]] = defaultdict(list)
        trusted: dict[int, bool] = defaultdict(bool)
        for case_id, rid, at, platform in pairs:
            if platform == FORGOTTEN_PLATFORM:
                continue
            reported_at = _aware(at) or now
            standing = standings.get(rid, Standing())
            first = reported_at - first_ever.get(rid, reported_at) <= FIRST_SESSION
            weights[case_id].append(
                report_weight(
                    self.policy,
                    first_report=first,
                    account_created=standing.account_created,
                    reported_at=reported_at,
                    suspended=standing.suspended(now),
                )
            )
            trusted[case_id] |= is_trusted(self.policy, records[rid], standing, now)
        result = {}
        for case_id in case_ids:
            # reporters who asked to be forgotten still count, as people we know nothing
            # about (first-time reporters)
            unknown = max(0, int(raw.get(case_id, 0)) - len(weights[case_id]))
            extra = [self.policy.first_report_weight] * unknown
            result[case_id] = case_trust(self.policy, [*weights[case_id], *extra], trusted[case_id])
        return result

    async def annotate(self, views: Sequence[CaseView]) -> list[CaseView]:
        """``views`` with their ``independent`` and ``trusted`` figures filled in."""
        figures = await self.case_trust([v.id for v in views])
        return [
            replace(v, independent=figures[v.id].independent, trusted=figures[v.id].trusted)
            if v.id in figures
            else v
            for v in views
        ]

    async def trusted_case_ids(self, creator: str, statuses: Iterable[str]) -> set[int]:
        """Ids of ``creator``'s cases in ``statuses`` that are in the trusted part of the queue."""
        query = (
            select(cases_t.c.id)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator, cases_t.c.status.in_(list(statuses)))
        )
        async with self._engine.connect() as conn:
            ids = [row[0] for row in await conn.execute(query)]
            figures = await self._case_trust(conn, ids, datetime.now(UTC)) if ids else {}
        return {case_id for case_id, figure in figures.items() if figure.trusted}

    async def reporters(self) -> list[ReporterSummary]:
        """Every keyed reporter with an outcome or a decision, worst record first."""
        s, rp = standing_t.c, reporters_t.c
        async with self._engine.connect() as conn:
            decided = (
                select(case_reporters_t.c.reporter_id)
                .join(cases_t, cases_t.c.id == case_reporters_t.c.case_id)
                .where(cases_t.c.status.in_([*CONFIRMED, CaseStatus.DISMISSED.value]))
            )
            # a decision: trusted, warned or suspended (not just a remembered account day)
            decisions = select(s.reporter_key).where(
                s.trusted.is_(True) | s.warned_at.is_not(None) | s.suspended_until.is_not(None)
            )
            rows = (
                await conn.execute(
                    select(rp.id, rp.platform, rp.platform_user_id).where(
                        rp.platform != FORGOTTEN_PLATFORM,
                        rp.id.in_(decided) | rp.platform_user_id.in_(decisions),
                    )
                )
            ).all()
            found = await self._summaries(
                conn, [(row.id, row.platform, row.platform_user_id) for row in rows]
            )
        return sorted(found, key=lambda x: (-x.record.abusive, -x.record.dismissed, x.pseudonym))

    async def _summaries(
        self, conn: AsyncConnection, targets: Sequence[Target]
    ) -> list[ReporterSummary]:
        """The record and standing of each reporter of ``targets``, in their order."""
        if not targets:
            return []
        s = standing_t.c
        records = await _records(conn, [rid for rid, _, _ in targets])
        keys = [(platform, sealed) for _, platform, sealed in targets]
        details = {
            (row.platform, row.reporter_key): row
            for row in await conn.execute(
                select(standing_t).where(tuple_(s.platform, s.reporter_key).in_(keys))
            )
        }
        now = datetime.now(UTC)
        found = []
        for rid, platform, sealed in targets:
            detail = details.get((platform, sealed))
            standing = _standing(detail) if detail is not None else Standing()
            record = records[rid]
            found.append(
                ReporterSummary(
                    pseudonym(platform, sealed),
                    record,
                    is_trusted(self.policy, record, standing, now),
                    standing.trusted,
                    standing.warned_at is not None,
                    standing.suspended_until if standing.suspended(now) else None,
                    detail.suspension_reason if detail is not None else None,
                )
            )
        return found

    async def case_reporters(self, code: str, *, creator: str) -> CaseReporters:
        """Case ``code`` of ``creator``: its reporters who gave their name, with their record
        and standing, and how many others reported it (anonymously, or since forgotten).
        Another creator's case is :class:`CaseNotFound` like a missing one."""
        async with self._engine.connect() as conn:
            case_id = await case_id_of(conn, code, creator)
            named = await self._summaries(conn, await named_reporters(conn, case_id))
            reporters = (
                await conn.execute(
                    select(cases_t.c.code, cases_t.c.reporter_count).where(cases_t.c.id == case_id)
                )
            ).one()
        return CaseReporters(reporters.code, named, max(0, reporters.reporter_count - len(named)))

    # --- the intake gate -----------------------------------------------------------------

    def _sealed(self, ref: ReporterRef) -> str:
        return self._key.seal(ref.platform, ref.user_id) if self._key else ref.user_id

    async def check(self, ref: ReporterRef, *, now: datetime | None = None) -> TrustNotice | None:
        """Before a report is committed: raise :class:`ReporterSuspended` for a suspended
        reporter (suspending one whose record calls for it, after a warning), return the
        warning to show when one is due, else None.  Remembers the account's creation day
        when the platform gave it."""
        now = now or datetime.now(UTC)
        sealed = self._sealed(ref)
        facts = await self._reporter_facts(ref.platform, sealed)
        standing, record, rid = facts.standing, facts.record, facts.reporter_id
        if ref.account_created is not None and standing.account_created is None:
            day = ref.account_created.astimezone(UTC).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            await self._upsert(ref.platform, sealed, account_created=day)
            self._facts[(ref.platform, sealed)] = replace(
                facts, standing=replace(standing, account_created=day)
            )
        if standing.suspended(now):
            assert standing.suspended_until is not None
            raise ReporterSuspended(standing.suspended_until)
        decision = assess(self.policy, record, standing, now)
        if decision.action == "suspend" and rid is not None:
            until = now + timedelta(days=self.policy.suspend_days)
            await self._suspend(
                ref.platform, sealed, rid, until, decision.reason, AUTOMATIC, case_id=None
            )
            raise ReporterSuspended(until)
        if decision.action == "warn":
            return self.policy.warning()
        return None

    async def _reporter_facts(self, platform: str, sealed: str) -> _Facts:
        """The reporter's standing, record and id: from the cache while it is fresh (every
        report of a busy fan would otherwise cost a read), else read together with the
        other reporters whose first report arrived in the same moment (one read for a wave
        of new fans, not one each)."""
        key = (platform, sealed)
        cached = self._facts.get(key)
        if cached is not None and cached.decisions == decisions_made():
            return cached
        if self._loader is None:
            self._loader = DataLoader(self._load_facts, cache=False, max_batch_size=500)
        facts: _Facts = await self._loader.load(key)
        self._facts[key] = facts
        return facts

    async def _load_facts(self, keys: list[tuple[str, str]]) -> list[_Facts]:
        """What is known of each reporter in ``keys`` (a batch of the loader's)."""
        decisions = decisions_made()
        sqlite = self._gate.sqlite if isinstance(self._gate, WriteGate) else None
        if sqlite is not None:
            try:
                async with sqlite.read() as loop_conn:
                    return await self._read_facts(loop_conn, keys, decisions)
            except OperationalError as err:
                if not is_sqlite_busy(err):
                    raise
        async with self._engine.connect() as conn:
            return await self._read_facts(conn, keys, decisions)

    @staticmethod
    async def _read_facts(
        conn: AsyncConnection, keys: list[tuple[str, str]], decisions: int
    ) -> list[_Facts]:
        s, rp = standing_t.c, reporters_t.c
        standings = {
            (row.platform, row.reporter_key): _standing(row)
            for row in await conn.execute(
                select(standing_t).where(tuple_(s.platform, s.reporter_key).in_(keys))
            )
        }
        ids = {
            (row.platform, row.platform_user_id): row.id
            for row in await conn.execute(
                select(rp.id, rp.platform, rp.platform_user_id).where(
                    tuple_(rp.platform, rp.platform_user_id).in_(keys)
                )
            )
        }
        records = await _records(conn, sorted(ids.values()))
        return [
            _Facts(
                standings.get(key, Standing()),
                records[ids[key]] if key in ids else Record(),
                ids.get(key),
                decisions,
            )
            for key in keys
        ]

    def _drop_facts(self, platform: str, sealed: str) -> None:
        self._facts.pop((platform, sealed), None)

    async def forget(self, ref: ReporterRef, *, now: datetime | None = None) -> None:
        """A deletion request: drop the reporter's standing, except a running suspension
        (a moderation decision that a ``/forget`` must not lift), which keeps only its end
        and reason."""
        now = now or datetime.now(UTC)
        s = standing_t.c
        self._drop_facts(ref.platform, self._sealed(ref))
        where = (s.platform == ref.platform) & (s.reporter_key == self._sealed(ref))
        async with gated_begin(self._engine, self._gate) as conn:
            await conn.execute(
                delete(standing_t).where(
                    where, (s.suspended_until.is_(None)) | (s.suspended_until <= now)
                )
            )
            await conn.execute(
                update(standing_t)
                .where(where)
                .values(trusted=False, trusted_by=None, account_created=None, updated_at=now)
            )
        self._drop_facts(ref.platform, self._sealed(ref))

    async def mark_warned(self, ref: ReporterRef) -> None:
        """The reporter was shown the warning (after their report was committed)."""
        await self._upsert(ref.platform, self._sealed(ref), warned_at=utcnow())

    async def _upsert(self, platform: str, sealed: str, **values: object) -> None:
        async with gated_begin(self._engine, self._gate) as conn:
            await self._upsert_in(conn, platform, sealed, **values)
        self._drop_facts(platform, sealed)

    @staticmethod
    async def _upsert_in(
        conn: AsyncConnection, platform: str, sealed: str, **values: object
    ) -> None:
        s = standing_t.c
        where = (s.platform == platform) & (s.reporter_key == sealed)
        done = await conn.execute(
            update(standing_t).where(where).values(**values, updated_at=utcnow())
        )
        if not done.rowcount:
            await conn.execute(
                insert(standing_t).values(
                    platform=platform,
                    reporter_key=sealed,
                    trusted=values.pop("trusted", False),
                    abusive_baseline=values.pop("abusive_baseline", 0),
                    updated_at=utcnow(),
                    **values,
                )
            )

    # --- moderators' decisions -----------------------------------------------------------

    async def _latest_case(
        self, conn: AsyncConnection, rid: int, abusive_first: bool
    ) -> int | None:
        """The case an audit row about reporter ``rid`` is filed under: their latest case
        dismissed as abusive (when asked), else their latest case."""
        cr, c = case_reporters_t.c, cases_t.c
        rows = (
            await conn.execute(
                select(c.id, c.status, c.reason)
                .join(case_reporters_t, cr.case_id == c.id)
                .where(cr.reporter_id == rid)
                .order_by(c.id.desc())
            )
        ).all()
        if abusive_first:
            for case_id, status, reason in rows:
                if status == CaseStatus.DISMISSED.value and is_abusive_dismissal(reason):
                    return int(case_id)
        return int(rows[0][0]) if rows else None

    async def _suspend(
        self,
        platform: str,
        sealed: str,
        rid: int,
        until: datetime,
        reason: str,
        moderator: str,
        *,
        case_id: int | None,
    ) -> None:
        async with gated_begin(self._engine, self._gate) as conn:
            case_id = case_id or await self._latest_case(conn, rid, abusive_first=True)
            abusive = (await _records(conn, [rid]))[rid].abusive
            await self._upsert_in(
                conn,
                platform,
                sealed,
                suspended_until=until,
                suspension_reason=reason[:500],
                abusive_baseline=abusive,
            )
            if case_id is not None:  # the audit log files every row under a case
                await write_audit(
                    conn,
                    [
                        self._audit_row(
                            case_id,
                            moderator,
                            "suspend_reporter",
                            f"{pseudonym(platform, sealed)} suspended until "
                            f"{until.strftime('%Y-%m-%d %H:%M')} UTC: {reason}",
                        )
                    ],
                )
        self._drop_facts(platform, sealed)
        log.info("a reporter was suspended (case id %s)", case_id)

    @staticmethod
    def _audit_row(case_id: int, moderator: str, action: str, reason: str) -> dict[str, object]:
        return {
            "case_id": case_id,
            "moderator": moderator[:160],
            "action": action,
            "from_status": None,
            "to_status": None,
            "reason": reason,
            "created_at": utcnow(),
        }

    @staticmethod
    async def _targets(
        conn: AsyncConnection,
        *,
        reporter: str | None,
        case: str | None,
        creator: str | None = None,
    ) -> tuple[list[Target], int | None]:
        """The reporters a decision is about, and the case it is filed under.  ``case``:
        that case's reporters who did not report anonymously (``reporter`` too: the one of
        them it names); else the reporter by pseudonym.  ``creator``: only within that
        creator's cases (db/trust_targets.py)."""
        if case is not None:
            case_id = await case_id_of(conn, case, creator)
            targets = await named_reporters(conn, case_id)
            if reporter is not None:
                targets = [among_named(targets, reporter)]
            return targets, case_id
        if reporter is None:
            raise InvalidLink(NOT_A_PSEUDONYM)
        target, filed = await by_pseudonym(conn, reporter, creator)
        return [target], filed

    async def suspend(
        self,
        *,
        reporter: str | None = None,
        case: str | None = None,
        days: int | None = None,
        reason: str,
        moderator: str,
        creator: str | None = None,
    ) -> list[tuple[str, datetime]]:
        """Suspend a reporter (by pseudonym) or a case's non-anonymous reporters (both: the
        one of them named); audited.  ``creator``: only within that creator's cases."""
        if not reason.strip():
            raise InvalidLink("a suspension needs a reason")
        until = datetime.now(UTC) + timedelta(days=days or self.policy.suspend_days)
        async with self._engine.connect() as conn:
            targets, case_id = await self._targets(
                conn, reporter=reporter, case=case, creator=creator
            )
        for rid, platform, sealed in targets:
            await self._suspend(
                platform, sealed, rid, until, reason.strip(), moderator, case_id=case_id
            )
        return [(pseudonym(p, s), until) for _, p, s in targets]

    async def _decide(
        self,
        *,
        reporter: str | None,
        case: str | None,
        moderator: str,
        action: str,
        values: dict[str, object],
        reason: str,
        creator: str | None,
    ) -> list[str]:
        async with gated_begin(self._engine, self._gate) as conn:
            targets, case_id = await self._targets(
                conn, reporter=reporter, case=case, creator=creator
            )
            audit = []
            records = await _records(conn, [t[0] for t in targets])
            for rid, platform, sealed in targets:
                extra = (
                    {"abusive_baseline": records[rid].abusive}  # a lifted suspension forgives
                    if action == "unsuspend_reporter"
                    else {}
                )
                await self._upsert_in(conn, platform, sealed, **values, **extra)
                filed = case_id or await self._latest_case(conn, rid, abusive_first=False)
                if filed is not None:
                    audit.append(
                        self._audit_row(
                            filed, moderator, action, f"{pseudonym(platform, sealed)}: {reason}"
                        )
                    )
            await write_audit(conn, audit)
        for _, platform, sealed in targets:
            self._drop_facts(platform, sealed)
        return [pseudonym(p, s) for _, p, s in targets]

    async def unsuspend(
        self, *, reporter: str, moderator: str, reason: str = "", creator: str | None = None
    ) -> list[str]:
        """Lift a reporter's suspension (their warning stays); audited.  ``creator``: only a
        reporter of that creator's cases."""
        return await self._decide(
            reporter=reporter,
            case=None,
            moderator=moderator,
            action="unsuspend_reporter",
            values={"suspended_until": None},
            reason=reason.strip() or "suspension lifted",
            creator=creator,
        )

    async def trust(
        self,
        *,
        reporter: str | None = None,
        case: str | None = None,
        moderator: str,
        trusted: bool = True,
        creator: str | None = None,
    ) -> list[str]:
        """Mark a reporter (or a case's non-anonymous reporters) trusted, or take it back.
        ``creator``: only within that creator's cases."""
        return await self._decide(
            reporter=reporter,
            case=case,
            moderator=moderator,
            action="trust_reporter" if trusted else "untrust_reporter",
            values={"trusted": trusted, "trusted_by": moderator[:160] if trusted else None},
            reason="marked trusted" if trusted else "trust taken back",
            creator=creator,
        )
