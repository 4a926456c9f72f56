"""Retention: purge closed cases' links and identities; forget a reporter on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    String,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.model import CaseStatus, ReporterRef
from core.urls.extract import extract_links
from db.reporter_key import ReporterKey, load_reporter_key
from db.tables import (
    case_provenance_t,
    case_reporters_t,
    cases_t,
    links_t,
    media_t,
    posts_t,
    purged_posts_t,
    reporters_t,
    reports_t,
    utcnow,
)
from db.upsert import insert_ignore

#: the platform and id of the one row forgotten reporters' reports move to
FORGOTTEN_PLATFORM = "forgotten"
FORGOTTEN_ID = "-"

#: a purged case's origin key: keyed with the reporter key, so it cannot confirm a link
PURGED_PREFIX = "purged:"

#: tables whose rows of a closed case are deleted by a purge
_EVIDENCE_TABLES = (reports_t, links_t, media_t, posts_t, case_reporters_t, case_provenance_t)

#: Closed states whose evidence is purged once old enough (the audit log and case row stay).
PURGED_STATES = (CaseStatus.DISMISSED.value, CaseStatus.MERGED.value)


@dataclass(frozen=True)
class PurgedCard:
    """A moderators' card of a purged case: its adapter deletes it (``purged_posts``)."""

    platform: str
    channel_id: str
    message_id: str


@dataclass(frozen=True)
class PurgeResult:
    """How much a purge removed, and the purged cases' chat cards still to delete."""

    cases: int
    links: int
    reports: int
    reporters: int
    cards: tuple[PurgedCard, ...] = ()
    case_ids: tuple[int, ...] = ()


#: what a link in a purged case's free text becomes
LINK_REMOVED = "[link removed]"


def scrub_links(text: str | None) -> str | None:
    """``text`` with every link replaced by :data:`LINK_REMOVED`."""
    if not text:
        return text
    for link in sorted(extract_links(text), key=len, reverse=True):
        text = text.replace(link, LINK_REMOVED)
    return text


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SqlRetention:
    """Deletes what leakdesk no longer needs to keep."""

    def __init__(self, engine: AsyncEngine, reporter_key: ReporterKey | None = None) -> None:
        """``reporter_key`` finds a reporter's sealed row (see :mod:`db.reporter_key`)."""
        self._engine = engine
        self._key = reporter_key or load_reporter_key(engine.url.render_as_string(False))

    async def purge_older_than(self, days: int, *, now: datetime | None = None) -> PurgeResult:
        """Purge cases dismissed or merged more than ``days`` days ago (see :meth:`purge_closed`).

        Raises :class:`ValueError` when ``days`` is negative.
        """
        if days < 0:
            raise ValueError("days must be 0 or more")
        return await self.purge_closed((now or datetime.now(UTC)) - timedelta(days=days))

    async def purge_closed(self, before: datetime) -> PurgeResult:
        """Delete links, reports, hashes and posts of cases closed before ``before``.

        The case row (code, state, counts) and the moderators' audit log stay; reporters
        left without any report are deleted.  Only what this run deleted is counted: a case
        purged by an earlier run is not counted again.  Raises :class:`ValueError` when
        ``before`` lies in the future (it would purge cases closed a moment ago).
        """
        if _aware(before) > datetime.now(UTC):
            raise ValueError("the purge cut-off lies in the future")
        has_evidence = or_(
            *(exists().where(table.c.case_id == cases_t.c.id) for table in _EVIDENCE_TABLES)
        )
        closed = select(cases_t.c.id).where(
            cases_t.c.status.in_(PURGED_STATES), cases_t.c.updated_at < before, has_evidence
        )
        async with self._engine.begin() as conn:
            case_ids = list((await conn.execute(closed)).scalars())
            if not case_ids:
                return PurgeResult(0, 0, 0, 0)
            cards = await _move_cards(conn, case_ids)  # first: the cards show the links
            for table in (media_t, case_reporters_t, case_provenance_t):
                await conn.execute(delete(table).where(table.c.case_id.in_(case_ids)))
            reports = await conn.execute(delete(reports_t).where(reports_t.c.case_id.in_(case_ids)))
            links = await conn.execute(delete(links_t).where(links_t.c.case_id.in_(case_ids)))
            await self._seal_cases(conn, case_ids)
            orphans = await conn.execute(
                delete(reporters_t).where(
                    ~exists().where(reports_t.c.reporter_id == reporters_t.c.id)
                )
            )
        return PurgeResult(
            len(case_ids),
            links.rowcount,
            reports.rowcount,
            orphans.rowcount,
            tuple(cards),
            tuple(case_ids),
        )

    async def _seal_cases(self, conn: AsyncConnection, case_ids: list[int]) -> None:
        """Key each purged case's fingerprint (a guessed link can no longer be confirmed
        against it) and take links out of its reason."""
        rows = (
            await conn.execute(
                select(cases_t.c.id, cases_t.c.origin_key, cases_t.c.reason).where(
                    cases_t.c.id.in_(case_ids), ~cases_t.c.origin_key.startswith(PURGED_PREFIX)
                )
            )
        ).all()
        if rows:
            await conn.execute(
                update(cases_t)
                .where(cases_t.c.id == bindparam("b_id"))
                .values(origin_key=bindparam("b_key"), reason=bindparam("b_reason")),
                [
                    {
                        "b_id": r.id,
                        "b_key": PURGED_PREFIX + self._key.seal("origin", r.origin_key)[:64],
                        "b_reason": scrub_links(r.reason),
                    }
                    for r in rows
                ],
            )

    async def forget_reporter(self, reporter: ReporterRef) -> int:
        """Delete a person's reporter row; returns how many reports they had.

        Their reports stay (a case's corroboration does not drop) but move to one shared
        "forgotten" row, so they are no longer linked to each other, and their tokens (which
        digest the account, :func:`core.intake.report_token`) are replaced.
        """
        sealed = self._key.seal(reporter.platform, reporter.user_id)
        async with self._engine.begin() as conn:
            rid = (
                await conn.execute(
                    select(reporters_t.c.id).where(
                        reporters_t.c.platform == reporter.platform,
                        reporters_t.c.platform_user_id == sealed,
                    )
                )
            ).scalar()
            if rid is None:
                return 0
            moved = await _unlink_reporter(conn, int(rid))
        return moved

    async def purge_cards(self, before: datetime) -> tuple[PurgedCard, ...]:
        """Queue for deletion the chat cards of cases dismissed or merged before ``before``
        (``retention_posts_days``; their evidence may be kept longer)."""
        closed = select(cases_t.c.id).where(
            cases_t.c.status.in_(PURGED_STATES),
            cases_t.c.updated_at < before,
            exists().where(posts_t.c.case_id == cases_t.c.id),
        )
        async with self._engine.begin() as conn:
            case_ids = list((await conn.execute(closed)).scalars())
            return tuple(await _move_cards(conn, case_ids)) if case_ids else ()

    async def expire_reporters(self, before: datetime) -> int:
        """Unlink reporters whose newest report is older than ``before``
        (``retention_reporter_days``), as :meth:`forget_reporter` does; how many."""
        newest = (
            select(func.max(reports_t.c.created_at))
            .where(reports_t.c.reporter_id == reporters_t.c.id)
            .scalar_subquery()
        )
        stale = select(reporters_t.c.id).where(
            reporters_t.c.platform != FORGOTTEN_PLATFORM, newest < before
        )
        async with self._engine.begin() as conn:
            ids = list((await conn.execute(stale)).scalars())
            for rid in ids:
                await _unlink_reporter(conn, int(rid))
        return len(ids)

    async def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file and empty it, so deleted
        rows do not linger in ``-wal`` (freed pages are zeroed: ``secure_delete``)."""
        if self._engine.dialect.name != "sqlite":
            return
        async with self._engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def _move_cards(conn: AsyncConnection, case_ids: list[int]) -> list[PurgedCard]:
    """Move the cases' chat cards from ``case_posts`` to ``purged_posts`` (for deletion)."""
    rows = (
        await conn.execute(
            select(posts_t.c.platform, posts_t.c.channel_id, posts_t.c.message_id)
            .where(posts_t.c.case_id.in_(case_ids), posts_t.c.message_id.is_not(None))
            .order_by(posts_t.c.id)
        )
    ).all()
    cards = [PurgedCard(r.platform, r.channel_id, r.message_id) for r in rows]
    if cards:
        now = utcnow()
        await conn.execute(
            insert(purged_posts_t),
            [
                {
                    "platform": c.platform,
                    "channel_id": c.channel_id,
                    "message_id": c.message_id,
                    "created_at": now,
                }
                for c in cards
            ],
        )
    await conn.execute(delete(posts_t).where(posts_t.c.case_id.in_(case_ids)))
    return cards


async def _unlink_reporter(conn: AsyncConnection, rid: int) -> int:
    """Move a reporter's reports to the shared "forgotten" row (new tokens: the old ones
    digest the account) and delete the reporter; returns how many reports moved."""
    tombstone = await _forgotten_reporter(conn)
    moved = await conn.execute(
        update(reports_t)
        .where(reports_t.c.reporter_id == rid)
        .values(reporter_id=tombstone, token=literal("forgotten:") + cast(reports_t.c.id, String))
    )
    await conn.execute(delete(case_reporters_t).where(case_reporters_t.c.reporter_id == rid))
    await conn.execute(delete(reporters_t).where(reporters_t.c.id == rid))
    return int(moved.rowcount or 0)


async def _forgotten_reporter(conn: AsyncConnection) -> int:
    """The id of the one row every forgotten reporter's reports move to."""
    query = select(reporters_t.c.id).where(
        reporters_t.c.platform == FORGOTTEN_PLATFORM,
        reporters_t.c.platform_user_id == FORGOTTEN_ID,
    )
    rid = (await conn.execute(query)).scalar()
    if rid is None:
        await conn.execute(
            insert_ignore(conn, reporters_t),
            [
                {
                    "platform": FORGOTTEN_PLATFORM,
                    "platform_user_id": FORGOTTEN_ID,
                    "created_at": utcnow(),
                }
            ],
        )
        rid = (await conn.execute(query)).scalar_one()
    return int(rid)
