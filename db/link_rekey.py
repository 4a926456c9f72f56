"""Re-keying links stored under an older canonicalization (``leakdesk db rekey-links``).

A link's dedupe key is the sha256 of its canonical form, and ``links.key_version`` says
which rules (:data:`core.urls.CANONICAL_VERSION`) made it.  When the rules change, the
links stored before keep their old keys, so a new report of the same item under the new
rules finds no link and opens a second case.  Re-keying recomputes each old link's key
from the URL as it was given (``links.url``), in batches of one short transaction each:

- the new key is free: the link (and its case's origin key, when the case was opened
  under the link's old key) takes it;
- the new key is the old one: only the version changes;
- another link of the creator holds the new key already (two links the new rules fold
  into one, e.g. a MEGA link with and without its key): the link keeps its old key, its
  case is marked "possible duplicate of" the other link's case for the moderators, and
  the other link gains the MEGA key if it lacked it.  Nothing is merged or deleted;
- the URL is no longer accepted (e.g. a private address): the link is left as it is
  and counted.

Running it again changes nothing (every re-keyed link carries the current version), and
an interrupted run resumes where it stopped.  Safe beside running bots: each batch is
one transaction, retried when SQLite's write lock is held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.errors import InvalidLink
from core.urls import CANONICAL_VERSION, CanonicalLink
from core.urls.access_keys import keyed_original, upgraded_url
from db.retry import retry_async
from db.tables import cases_t, links_t

#: links examined per transaction
BATCH = 500


@dataclass
class RekeyResult:
    """How many old-version links each outcome had."""

    rekeyed: int = 0
    unchanged: int = 0
    collided: int = 0
    refused: int = 0
    #: ids of links whose URL the current rules refuse (left as they are)
    refused_ids: list[int] = field(default_factory=list)

    @property
    def examined(self) -> int:
        """Old-version links looked at."""
        return self.rekeyed + self.unchanged + self.collided + self.refused


async def rekey_links(
    engine: AsyncEngine,
    canonicalize: Callable[[str], CanonicalLink],
    *,
    batch: int = BATCH,
    version: int = CANONICAL_VERSION,
) -> RekeyResult:
    """Give every link stored under a version below ``version`` its current key.

    ``canonicalize`` is the running configuration's (its registry and allowed networks).
    """
    result = RekeyResult()
    after = 0
    while True:
        after, done = await retry_async(
            lambda start=after: _one_batch(engine, canonicalize, start, batch, version, result),
            what="re-keying links",
        )
        if done:
            return result


async def _one_batch(
    engine: AsyncEngine,
    canonicalize: Callable[[str], CanonicalLink],
    after: int,
    batch: int,
    version: int,
    result: RekeyResult,
) -> tuple[int, bool]:
    """Re-key the next ``batch`` old links after id ``after``; (last id, whether done)."""
    counts = RekeyResult()  # added to ``result`` only once committed (a retry redoes it)
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(
                    links_t.c.id,
                    links_t.c.creator_id,
                    links_t.c.case_id,
                    links_t.c.url,
                    links_t.c.key,
                )
                .where(links_t.c.key_version < version, links_t.c.id > after)
                .order_by(links_t.c.id)
                .limit(batch)
            )
        ).all()
        for link_id, creator_id, case_id, url, old_key in rows:
            try:
                link = canonicalize(url)
            except InvalidLink:
                counts.refused += 1
                counts.refused_ids.append(link_id)
                continue
            await _rekey_one(conn, link, link_id, creator_id, case_id, old_key, version, counts)
    result.rekeyed += counts.rekeyed
    result.unchanged += counts.unchanged
    result.collided += counts.collided
    result.refused += counts.refused
    result.refused_ids.extend(counts.refused_ids)
    last = rows[-1][0] if rows else after
    return last, len(rows) < batch


async def _rekey_one(
    conn: AsyncConnection,
    link: CanonicalLink,
    link_id: int,
    creator_id: int,
    case_id: int,
    old_key: str,
    version: int,
    counts: RekeyResult,
) -> None:
    described = {
        "canonical": link.canonical,
        "host": link.host,
        "platform": link.platform,
        "key_version": version,
    }
    this = links_t.c.id == link_id
    if link.key == old_key:
        await conn.execute(update(links_t).where(this).values(**described))
        counts.unchanged += 1
        return
    holder = (
        await conn.execute(
            select(links_t.c.id, links_t.c.case_id, links_t.c.url).where(
                links_t.c.creator_id == creator_id, links_t.c.key == link.key
            )
        )
    ).first()
    if holder is None:
        await conn.execute(update(links_t).where(this).values(key=link.key, **described))
        taken = await conn.execute(
            select(cases_t.c.id).where(
                cases_t.c.creator_id == creator_id, cases_t.c.origin_key == link.key
            )
        )
        if taken.first() is None:  # the case was opened under the old key: follow it
            await conn.execute(
                update(cases_t)
                .where(cases_t.c.id == case_id, cases_t.c.origin_key == old_key)
                .values(origin_key=link.key)
            )
        counts.rekeyed += 1
        return
    # the new rules fold this link into another one: flag, never merge on our own
    await conn.execute(update(links_t).where(this).values(**described))
    holder_id, holder_case, holder_url = holder
    if holder_case != case_id:
        await conn.execute(
            update(cases_t)
            .where(and_(cases_t.c.id == case_id, cases_t.c.possible_duplicate_of_id.is_(None)))
            .values(possible_duplicate_of_id=holder_case)
        )
    given = keyed_original(link)
    keyed = upgraded_url(holder_url, given) if given is not None else None
    if keyed is not None:
        await conn.execute(update(links_t).where(links_t.c.id == holder_id).values(url=keyed))
    counts.collided += 1


__all__ = ["BATCH", "RekeyResult", "rekey_links"]
