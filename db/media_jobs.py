"""The durable queue of pictures to fetch: SQL side of :class:`core.ports.PictureJobStore`.

A link is committed with its report and nothing else; the job row is made when a worker
first sees the link (a link without a row is pending), so the report's hot path writes no
extra row and a crash between the report and its job loses nothing. Jobs are leased:
a worker that dies leaves a lease that runs out, and another worker takes the job over.
Several processes may drain one database: a claim is one ``UPDATE`` whose ``WHERE``
re-checks that the job is still claimable (:mod:`db.leases`), so two workers never hold
one job.  The links of cases the process has just opened are handed to the claim in
memory and leased by inserting their rows (``ON CONFLICT DO NOTHING``: a row another
process made first wins), so the search for links without a row, which writes a pending
row for each, runs only now and then rather than in every claim.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.model import CaseStatus
from core.ports import MediaSignals, PictureJob, PictureJobResult
from db.leases import lease_due, new_claim_token
from db.notify import MEDIA_CHANNEL, notify
from db.tables import cases_t, creators_t, links_t, media_jobs_t, media_t
from db.upsert import insert_ignore
from db.write_gate import WriteGate, gated_begin

#: links examined per claim for missing job rows
_DISCOVER_BATCH = 512
#: a link id below the highest one seen may still commit later (PostgreSQL sequences)
_DISCOVER_MARGIN = 4096


class SqlPictureJobStore:
    """Leases, finishes and reports picture jobs over SQLAlchemy Core."""

    def __init__(
        self, engine: AsyncEngine, *, sender: str = "", write_gate: WriteGate | None = None
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._gate = write_gate  # taking turns with the report writer (db.write_gate)
        self._seen_link_id = 0  # links up to here (less the margin) all have a job row

    async def claim(
        self,
        limit: int,
        *,
        lease_seconds: float,
        keys: Sequence[tuple[str, str]] = (),
        cases: Sequence[int] = (),
        discover: bool = True,
    ) -> list[PictureJob]:
        """Lease up to ``limit`` due jobs, oldest link first (only ``keys`` if given).

        ``cases`` are cases this process has just opened: their links without a job
        row are leased first, straight from the links (no search for missing rows).
        ``discover=False`` skips that search (the background pool runs it now and then,
        for links committed by other processes or before a restart).
        """
        now = time.time()
        token = new_claim_token()
        lease = {"lease_until": now + lease_seconds, "updated_at": now}
        async with gated_begin(self._engine, self._gate, durable=False) as conn:
            link_ids = await self._link_ids(conn, keys) if keys else None
            taken = await self._lease_new(conn, cases, limit, token, lease) if cases else 0
            if discover or link_ids is not None:
                await self._discover(conn, link_ids)
            claimable = or_(
                and_(media_jobs_t.c.state == "pending", media_jobs_t.c.not_before <= now),
                and_(media_jobs_t.c.state == "running", media_jobs_t.c.lease_until < now),
            )
            await lease_due(
                conn,
                media_jobs_t,
                media_jobs_t.c.link_id,
                claimable,
                limit=limit - taken,
                token=token,
                values={**lease, "state": "running", "attempts": media_jobs_t.c.attempts + 1},
                only=link_ids,
            )
            rows = await conn.execute(
                select(
                    media_jobs_t.c.link_id,
                    creators_t.c.slug,
                    links_t.c.url,
                    links_t.c.key,
                    links_t.c.host,
                    cases_t.c.id,
                    cases_t.c.code,
                    cases_t.c.status,
                    media_jobs_t.c.attempts,
                )
                .join(links_t, links_t.c.id == media_jobs_t.c.link_id)
                .join(cases_t, cases_t.c.id == links_t.c.case_id)
                .join(creators_t, creators_t.c.id == links_t.c.creator_id)
                .where(media_jobs_t.c.claim == token)
                .order_by(media_jobs_t.c.link_id)
            )
            return [
                PictureJob(
                    link_id=row[0],
                    creator=row[1],
                    url=row[2],
                    key=row[3],
                    host=row[4],
                    case_id=row[5],
                    case_code=row[6],
                    case_status=CaseStatus(row[7]),
                    attempts=row[8],
                )
                for row in rows
            ]

    async def _lease_new(
        self,
        conn: AsyncConnection,
        cases: Sequence[int],
        limit: int,
        token: str,
        lease: dict[str, float],
    ) -> int:
        """Lease the links of ``cases`` that have no job row yet; returns how many."""
        fresh = await conn.execute(
            select(links_t.c.id)
            .outerjoin(media_jobs_t, media_jobs_t.c.link_id == links_t.c.id)
            .where(links_t.c.case_id.in_(list(cases)), media_jobs_t.c.link_id.is_(None))
            .order_by(links_t.c.id)
            .limit(limit)
        )
        rows = [
            {"link_id": link_id, "state": "running", "claim": token, "attempts": 1, **lease}
            for link_id in fresh.scalars()
        ]
        if rows:  # a row another process made meanwhile is skipped: it holds that job
            await conn.execute(insert_ignore(conn, media_jobs_t), rows)
        return len(rows)

    async def _link_ids(self, conn: AsyncConnection, keys: Sequence[tuple[str, str]]) -> list[int]:
        wanted: dict[str, list[str]] = {}
        for creator, key in keys:
            wanted.setdefault(creator, []).append(key)
        ids: list[int] = []
        for creator, creator_keys in wanted.items():
            result = await conn.execute(
                select(links_t.c.id)
                .join(creators_t, creators_t.c.id == links_t.c.creator_id)
                .where(creators_t.c.slug == creator, links_t.c.key.in_(creator_keys))
            )
            ids.extend(result.scalars())
        return ids

    async def _discover(self, conn: AsyncConnection, link_ids: list[int] | None) -> None:
        """Give committed links without a job row a pending one."""
        missing = (
            select(links_t.c.id)
            .outerjoin(media_jobs_t, media_jobs_t.c.link_id == links_t.c.id)
            .where(media_jobs_t.c.link_id.is_(None))
        )
        if link_ids is not None:
            missing = missing.where(links_t.c.id.in_(link_ids or [-1]))
        else:
            floor = max(0, self._seen_link_id - _DISCOVER_MARGIN)
            missing = missing.where(links_t.c.id > floor).order_by(links_t.c.id)
            missing = missing.limit(_DISCOVER_BATCH)
        found = list((await conn.execute(missing)).scalars())
        if found:
            await conn.execute(
                insert_ignore(conn, media_jobs_t),
                [{"link_id": link_id, "state": "pending"} for link_id in found],
            )
        if link_ids is None:
            if len(found) == _DISCOVER_BATCH:
                self._seen_link_id = max(self._seen_link_id, found[-1] + _DISCOVER_MARGIN)
            else:
                top = await conn.execute(select(links_t.c.id).order_by(links_t.c.id.desc()))
                self._seen_link_id = max(self._seen_link_id, top.scalar() or 0)

    async def complete(
        self,
        job: PictureJob,
        *,
        case_id: int,
        media: MediaSignals | None,
        matched_case_id: int | None = None,
        matched_by: str | None = None,
        distance: int | None = None,
        possible_duplicate_of: int | None = None,
    ) -> None:
        """Keep the hashes on ``case_id``, flag a possible duplicate, finish the job."""
        now = time.time()
        async with gated_begin(self._engine, self._gate, durable=False) as conn:
            if media is not None:
                await self._store_media(conn, job, case_id, media)
            if possible_duplicate_of is not None:
                await conn.execute(
                    update(cases_t)
                    .where(
                        cases_t.c.id == case_id,
                        cases_t.c.possible_duplicate_of_id.is_(None),
                        cases_t.c.id != possible_duplicate_of,
                    )
                    .values(possible_duplicate_of_id=possible_duplicate_of)
                )
            await conn.execute(
                update(media_jobs_t)
                .where(media_jobs_t.c.link_id == job.link_id)
                .values(
                    state="done",
                    error=None,
                    matched_case_id=matched_case_id or possible_duplicate_of,
                    matched_by=matched_by,
                    distance=distance,
                    lease_until=0.0,
                    updated_at=now,
                )
            )

    async def _store_media(
        self, conn: AsyncConnection, job: PictureJob, case_id: int, media: MediaSignals
    ) -> None:
        creator_id = (
            await conn.execute(select(creators_t.c.id).where(creators_t.c.slug == job.creator))
        ).scalar_one()
        base = {"case_id": case_id, "creator_id": creator_id, "sha256": media.sha256}
        rows: list[dict[str, Any]] = [
            {
                **base,
                "frame": frame.frame,
                "view": frame.view,
                "phash": _signed(frame.phash),
                "pdq": frame.pdq,
                "pdq_quality": frame.quality,
            }
            for frame in media.frames
        ] or [{**base, "frame": 0, "view": 0, "phash": None, "pdq": None, "pdq_quality": 0}]
        await conn.execute(insert(media_t), rows)
        payload = {
            "from": self._sender,
            "creator": job.creator,
            "case": case_id,
            "sha256": media.sha256,
            "frames": [[f.phash, f.pdq, f.quality, f.view, f.frame] for f in media.frames],
        }
        await conn.run_sync(notify, MEDIA_CHANNEL, [payload])

    async def fail(self, job: PictureJob, error: str, *, retry_in: float | None) -> None:
        """Record ``error``; the job is due again after ``retry_in`` s, or failed for good."""
        now = time.time()
        values: dict[str, Any] = {"error": error[:300], "lease_until": 0.0, "updated_at": now}
        if retry_in is None:
            values["state"] = "failed"
        else:
            values.update(state="pending", not_before=now + retry_in)
        async with gated_begin(self._engine, self._gate, durable=False) as conn:
            await conn.execute(
                update(media_jobs_t).where(media_jobs_t.c.link_id == job.link_id).values(**values)
            )

    async def skip(self, creator: str, keys: Sequence[str]) -> int:
        """Never fetch these links' pictures (unless done); returns how many are skipped."""
        if not keys:
            return 0
        async with gated_begin(self._engine, self._gate) as conn:  # asked for: durable
            link_ids = await self._link_ids(conn, [(creator, key) for key in keys])
            if not link_ids:
                return 0
            await conn.execute(
                insert_ignore(conn, media_jobs_t),
                [{"link_id": link_id, "state": "skipped"} for link_id in link_ids],
            )
            await conn.execute(
                update(media_jobs_t)
                .where(media_jobs_t.c.link_id.in_(link_ids), media_jobs_t.c.state == "pending")
                .values(state="skipped", updated_at=time.time())
            )
            skipped = await conn.execute(
                select(func.count())
                .select_from(media_jobs_t)
                .where(media_jobs_t.c.link_id.in_(link_ids), media_jobs_t.c.state == "skipped")
            )
            return int(skipped.scalar_one())

    async def results(self, creator: str, keys: Sequence[str]) -> dict[str, PictureJobResult]:
        """State and outcome per link key (a link without a job row is pending)."""
        if not keys:
            return {}
        matched = cases_t.alias("matched")
        query = (
            select(
                links_t.c.key,
                media_jobs_t.c.state,
                cases_t.c.code,
                media_jobs_t.c.matched_by,
                matched.c.code,
                media_jobs_t.c.distance,
                media_jobs_t.c.error,
            )
            .join(creators_t, creators_t.c.id == links_t.c.creator_id)
            .join(cases_t, cases_t.c.id == links_t.c.case_id)
            .outerjoin(media_jobs_t, media_jobs_t.c.link_id == links_t.c.id)
            .outerjoin(matched, matched.c.id == media_jobs_t.c.matched_case_id)
            .where(creators_t.c.slug == creator, links_t.c.key.in_(list(keys)))
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {
            key: PictureJobResult(
                key=key,
                state=state or "pending",
                case_code=code,
                matched_by=matched_by,
                matched_case_code=matched_code,
                distance=distance,
                error=error,
            )
            for key, state, code, matched_by, matched_code, distance, error in rows
        }

    async def case_states(
        self, case_ids: Sequence[int]
    ) -> dict[int, tuple[str, CaseStatus, int | None]]:
        """Code, status and merge target of each case in ``case_ids``."""
        if not case_ids:
            return {}
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(
                    cases_t.c.id, cases_t.c.code, cases_t.c.status, cases_t.c.merged_into_id
                ).where(cases_t.c.id.in_(list(case_ids)))
            )
            return {row[0]: (row[1], CaseStatus(row[2]), row[3]) for row in rows}


def _signed(value: int) -> int:
    """A 64-bit unsigned hash as the signed BIGINT SQL stores."""
    return value - (1 << 64) if value >= 1 << 63 else value
