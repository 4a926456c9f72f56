"""Which reporters a trust decision is about: a case's named reporters, or one reporter by
pseudonym, anywhere (the operator's CLI) or only within one creator's cases (a moderator in a
chat; :mod:`core.reporter_moderation` states the rules)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.codes import normalize_case_code
from core.errors import CaseNotFound, InvalidLink, UnknownReporter
from core.reporter_moderation import AMBIGUOUS_PSEUDONYM, NOT_A_PSEUDONYM, SHORT_PSEUDONYM
from db.retention import FORGOTTEN_PLATFORM
from db.tables import cases_t, creators_t, reporters_t, reports_t

#: a reporter as decisions handle it: ``(reporter id, platform, sealed id)``
Target = tuple[int, str, str]


def parse_pseudonym(name: str) -> tuple[str, str]:
    """``telegram:3f9a0c21d4`` → ``("telegram", "3f9a0c21d4")``; :class:`InvalidLink` when it
    is not a pseudonym."""
    if ":" not in name:
        raise InvalidLink(NOT_A_PSEUDONYM)
    platform, prefix = name.strip().split(":", 1)
    prefix = prefix.strip().lower()
    if len(prefix) < 6 or not all(ch in "0123456789abcdef" for ch in prefix):
        raise InvalidLink(SHORT_PSEUDONYM)
    return platform.strip().lower(), prefix


def _one(rows: list[Target], name: str) -> Target:
    if len(rows) > 1:
        raise InvalidLink(AMBIGUOUS_PSEUDONYM)
    if not rows:
        raise UnknownReporter(name.strip()[:40])
    return rows[0]


async def case_id_of(conn: AsyncConnection, case: str, creator: str | None) -> int:
    """The id of case ``case`` (of ``creator``, when given): another creator's case is
    :class:`CaseNotFound` like a missing one."""
    code = normalize_case_code(case)
    query = select(cases_t.c.id).where(cases_t.c.code == code)
    if creator is not None:
        query = query.join(creators_t, creators_t.c.id == cases_t.c.creator_id).where(
            creators_t.c.slug == creator
        )
    case_id = (await conn.execute(query)).scalar() if code else None
    if case_id is None:
        raise CaseNotFound(code or case.strip()[:20])
    return int(case_id)


async def named_reporters(conn: AsyncConnection, case_id: int) -> list[Target]:
    """The case's reporters who reported it by name at least once (never one who only
    reported it anonymously, never one who asked to be forgotten), by reporter id."""
    rp, r = reporters_t.c, reports_t.c
    named = select(r.reporter_id).where(r.case_id == case_id, r.anonymous.is_(False))
    rows = await conn.execute(
        select(rp.id, rp.platform, rp.platform_user_id)
        .where(rp.id.in_(named), rp.platform != FORGOTTEN_PLATFORM)
        .order_by(rp.id)
    )
    return [(int(i), str(p), str(s)) for i, p, s in rows]


def among_named(targets: list[Target], name: str) -> Target:
    """The reporter of ``targets`` that the pseudonym ``name`` names."""
    platform, prefix = parse_pseudonym(name)
    return _one([t for t in targets if t[1] == platform and t[2].startswith(prefix)], name)


async def by_pseudonym(
    conn: AsyncConnection, name: str, creator: str | None
) -> tuple[Target, int | None]:
    """The reporter ``name`` names, and the case a decision about them is filed under.

    Without ``creator``: any reporter (the operator), filed later under their own latest case.
    With ``creator``: only a reporter who reported one of that creator's cases by name, filed
    under the latest such case; anyone else is :class:`UnknownReporter`.
    """
    platform, prefix = parse_pseudonym(name)
    rp = reporters_t.c
    mine = (rp.platform == platform, rp.platform_user_id.like(prefix + "%"))  # hex: no escapes
    if creator is None:
        rows = await conn.execute(select(rp.id, rp.platform, rp.platform_user_id).where(*mine))
        return _one([(int(i), str(p), str(s)) for i, p, s in rows], name), None
    r, c = reports_t.c, cases_t.c
    scoped = await conn.execute(
        select(rp.id, rp.platform, rp.platform_user_id, func.max(r.case_id))
        .join(reports_t, r.reporter_id == rp.id)
        .join(cases_t, c.id == r.case_id)
        .join(creators_t, creators_t.c.id == c.creator_id)
        .where(*mine, r.anonymous.is_(False), creators_t.c.slug == creator)
        .group_by(rp.id, rp.platform, rp.platform_user_id)
    )
    found = {(int(i), str(p), str(s)): int(case_id) for i, p, s, case_id in scoped}
    target = _one(list(found), name)
    return target, found[target]
