"""Read models of the dashboard: the filtered, keyset-paged queue and a case's history.

The queue never counts or offsets: each page asks for ``limit + 1`` rows after the last row
of the previous page in the chosen order, on the indexes ``(creator_id, reporter_count, id)``
and ``(creator_id, first_seen, id)`` (migration 0011), so page 400 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from core.codes import normalize_case_code
from db.sets import among
from db.tables import (
    actions_t,
    case_provenance_t,
    cases_t,
    creators_t,
    links_t,
    media_jobs_t,
)

if TYPE_CHECKING:
    from db.trust import SqlTrustStore

#: sort name -> (column names, descending)
SORTS: dict[str, tuple[tuple[str, str], bool]] = {
    "reporters": (("reporter_count", "id"), True),
    "newest": (("first_seen", "id"), True),
    "oldest": (("first_seen", "id"), False),
}
#: the moderators' queue when no status is asked for
QUEUE_STATUSES = ("open", "claimed", "confirmed")
MAX_PAGE = 200


@dataclass(frozen=True)
class QueueFilter:
    """What the moderator asked the queue for; every field is optional."""

    statuses: tuple[str, ...] = QUEUE_STATUSES
    platform: str | None = None
    host: str | None = None
    min_reporters: int | None = None
    #: first seen at most this many days ago
    newer_than_days: int | None = None
    #: first seen at least this many days ago
    older_than_days: int | None = None
    synthetic: bool | None = None
    #: a case code (any spelling) or the start of a host
    search: str | None = None
    sort: str = "reporters"
    #: only cases in (True) or out of (False) the trusted part of the queue (db.trust)
    trusted: bool | None = None


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue (no links: the queue never shows them)."""

    id: int
    code: str
    status: str
    reporters: int
    host: str | None
    platform: str | None
    first_seen: datetime
    synthetic: bool
    claimed_by: str | None
    #: a picture matches one of the creator's own images: the match's tier and PDQ distance
    protected_tier: str | None = None
    protected_distance: int | None = None
    #: provenance evidence of an AI-generated picture: None, "weak" or "strong"
    ai_evidence: str | None = None
    #: in the trusted part of the queue, and the weighted reporter figure (None: unknown)
    trusted: bool | None = None
    independent: float | None = None


@dataclass
class QueuePage:
    """A page of the queue and the cursor of the next one (None on the last page)."""

    rows: list[QueueRow] = field(default_factory=list)
    next_cursor: str | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def encode_cursor(row: QueueRow, sort: str) -> str:
    """An opaque cursor after ``row`` in ``sort`` order."""
    first = row.reporters if sort == "reporters" else row.first_seen.isoformat()
    raw = json.dumps([sort, first, row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[object, int] | None:
    """The (sort value, id) a cursor points after; None when it is malformed or of another sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, first, row_id = json.loads(raw)
        if name != sort or not isinstance(row_id, int):
            return None
        if sort == "reporters":
            return (int(first), row_id) if isinstance(first, int) else None
        return datetime.fromisoformat(str(first)), row_id
    except (ValueError, TypeError):
        return None


def _filtered(creator: str, wanted: QueueFilter, now: datetime):  # type: ignore[no-untyped-def]
    c = cases_t.c
    creator_id = select(creators_t.c.id).where(creators_t.c.slug == creator).scalar_subquery()
    p = case_provenance_t.c
    query = select(
        c.id,
        c.code,
        c.status,
        c.reporter_count,
        c.host,
        c.platform,
        c.first_seen,
        c.synthetic,
        c.claimed_by,
        c.protected_tier,
        c.protected_distance,
        exists().where(p.case_id == c.id).label("any_evidence"),
        exists().where(p.case_id == c.id, p.confidence == "strong").label("strong_evidence"),
    ).where(c.creator_id == creator_id, c.status.in_(list(wanted.statuses)))
    if wanted.platform:
        query = query.where(c.platform == wanted.platform)
    if wanted.host:
        query = query.where(c.host == wanted.host.lower())
    if wanted.min_reporters:
        query = query.where(c.reporter_count >= wanted.min_reporters)
    if wanted.newer_than_days is not None:
        query = query.where(c.first_seen >= now - timedelta(days=wanted.newer_than_days))
    if wanted.older_than_days is not None:
        query = query.where(c.first_seen <= now - timedelta(days=wanted.older_than_days))
    if wanted.synthetic is not None:
        query = query.where(c.synthetic.is_(wanted.synthetic))
    if wanted.search:
        text = wanted.search.strip()
        code = normalize_case_code(text)
        host = text.lower().removeprefix("https://").removeprefix("http://").split("/")[0]
        escaped = host.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        by_host = c.host.like(f"{escaped}%", escape="\\")
        query = query.where(or_(c.code == code, by_host) if code else by_host)
    return query


class SqlQueueReader:
    """The dashboard's reads over SQLAlchemy Core."""

    def __init__(self, engine: AsyncEngine, trust: SqlTrustStore | None = None) -> None:
        self._engine = engine
        self._trust = trust

    async def page(
        self,
        creator: str,
        wanted: QueueFilter,
        *,
        cursor: str | None = None,
        limit: int = 50,
        now: datetime | None = None,
    ) -> QueuePage:
        """One page of ``creator``'s cases matching ``wanted``, after ``cursor``."""
        now = now or datetime.now(UTC)
        limit = max(1, min(limit, MAX_PAGE))
        sort = wanted.sort if wanted.sort in SORTS else "reporters"
        (first, second), descending = SORTS[sort]
        columns = (cases_t.c[first], cases_t.c[second])
        query = _filtered(creator, wanted, now)
        after = decode_cursor(cursor, sort) if cursor else None
        if after is not None:
            key = tuple_(*columns)
            query = query.where(key < tuple_(*after) if descending else key > tuple_(*after))
        order = [col.desc() if descending else col.asc() for col in columns]
        trusted_ids: set[int] | None = None
        if wanted.trusted is not None and self._trust is not None:
            trusted_ids = await self._trust.trusted_case_ids(creator, wanted.statuses)
        async with self._engine.connect() as conn:
            if trusted_ids is not None:
                inside = among(conn, cases_t.c.id, sorted(trusted_ids))
                query = query.where(inside if wanted.trusted else ~inside)
            rows = (await conn.execute(query.order_by(*order).limit(limit + 1))).all()
        page = QueuePage(
            [
                QueueRow(
                    r.id,
                    r.code,
                    r.status,
                    r.reporter_count,
                    r.host,
                    r.platform,
                    _aware(r.first_seen),
                    bool(r.synthetic),
                    r.claimed_by,
                    r.protected_tier,
                    r.protected_distance,
                    "strong" if r.strong_evidence else ("weak" if r.any_evidence else None),
                )
                for r in rows[:limit]
            ]
        )
        if len(rows) > limit:
            page.next_cursor = encode_cursor(page.rows[-1], sort)
        if self._trust is not None and page.rows:
            figures = await self._trust.case_trust([r.id for r in page.rows], now=now)
            page.rows = [
                replace(r, trusted=figures[r.id].trusted, independent=figures[r.id].independent)
                if r.id in figures
                else r
                for r in page.rows
            ]
        return page

    async def oldest(self, creator: str, codes: list[str]) -> str | None:
        """The code of the first seen of ``creator``'s cases among ``codes`` (None: none is)."""
        wanted = [n for n in (normalize_case_code(c) for c in codes) if n]
        if not wanted:
            return None
        c = cases_t.c
        creator_id = select(creators_t.c.id).where(creators_t.c.slug == creator).scalar_subquery()
        query = (
            select(c.code)
            .where(c.creator_id == creator_id, c.code.in_(wanted))
            .order_by(c.first_seen, c.id)
            .limit(1)
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar()

    async def audit_trail(self, case_id: int) -> list[tuple[datetime, str, str, str | None]]:
        """(when, moderator, action, reason) of every action on a case, oldest first."""
        a = actions_t.c
        query = (
            select(a.created_at, a.moderator, a.action, a.reason)
            .where(a.case_id == case_id)
            .order_by(a.id)
        )
        async with self._engine.connect() as conn:
            return [(_aware(r[0]), r[1], r[2], r[3]) for r in await conn.execute(query)]

    async def picture_matches(self, case_id: int) -> list[tuple[str, int | None]]:
        """Other cases a picture of this case looked like: (code, PDQ distance in bits).

        From the picture jobs of this case's links and of the links that pointed at it, plus
        the case's own "possible duplicate" mark; nearest first.
        """
        other = aliased(cases_t, name="other")
        j = media_jobs_t.c
        mine = select(links_t.c.id).where(links_t.c.case_id == case_id)
        query = (
            select(other.c.code, j.distance, j.matched_case_id, links_t.c.case_id)
            .select_from(media_jobs_t)
            .join(links_t, links_t.c.id == j.link_id)
            .join(
                other,
                or_(
                    and_(j.link_id.in_(mine), other.c.id == j.matched_case_id),
                    and_(j.matched_case_id == case_id, other.c.id == links_t.c.case_id),
                ),
            )
            .where(j.matched_by == "image", other.c.id != case_id)
        )
        dup = aliased(cases_t, name="dup")
        mark = (
            select(dup.c.code)
            .join(cases_t, cases_t.c.possible_duplicate_of_id == dup.c.id)
            .where(cases_t.c.id == case_id)
        )
        async with self._engine.connect() as conn:
            found: dict[str, int | None] = {}
            for code, distance, _matched, _owner in await conn.execute(query):
                if code not in found or (distance is not None and distance < (found[code] or 999)):
                    found[code] = distance
            for (code,) in await conn.execute(mark):
                found.setdefault(code, None)
        return sorted(found.items(), key=lambda item: (item[1] is None, item[1] or 0, item[0]))
