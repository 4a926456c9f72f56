"""Re-keying every sealed reporter id with a new secret (``leakdesk reporter-key rotate``)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from db.reporter_key import ReporterKey, ReporterKeyError, reseal
from db.retention import FORGOTTEN_PLATFORM
from db.tables import reporters_t, standing_t, user_settings_t


@dataclass(frozen=True)
class Rotation:
    """The new chain and how many rows were re-keyed."""

    key: ReporterKey
    reporters: int
    user_settings: int


async def rotate_reporter_key(
    engine: AsyncEngine, key: ReporterKey, old_secret: str, new_secret: str
) -> Rotation:
    """Re-key every sealed id (reporters, user settings, reporter standing) with
    ``new_secret``, in one transaction.  ``old_secret`` must be ``key``'s newest secret:
    whoever rotates shows they hold the key.  Raises :class:`ReporterKeyError` otherwise, or
    when ``new_secret`` is empty or already in the chain.  Bots must be stopped (they seal
    with the old chain).
    """
    if not hmac.compare_digest(old_secret.encode(), key.current.encode()):
        raise ReporterKeyError("the old key is not the current reporter key")
    if not new_secret.strip() or "," in new_secret or new_secret.encode() in key.chain:
        raise ReporterKeyError("the new key must be new, non-empty and hold no comma")
    new_secret = new_secret.strip()
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(reporters_t.c.id, reporters_t.c.platform_user_id).where(
                    reporters_t.c.platform != FORGOTTEN_PLATFORM
                )
            )
        ).all()
        if rows:
            await conn.execute(
                update(reporters_t)
                .where(reporters_t.c.id == bindparam("b_id"))
                .values(platform_user_id=bindparam("b_new")),
                [{"b_id": r.id, "b_new": reseal(r.platform_user_id, new_secret)} for r in rows],
            )
        t = user_settings_t
        settings = (await conn.execute(select(t.c.platform, t.c.scope, t.c.user_id))).all()
        if settings:
            await conn.execute(
                update(t)
                .where(
                    t.c.platform == bindparam("b_platform"),
                    t.c.scope == bindparam("b_scope"),
                    t.c.user_id == bindparam("b_old"),
                )
                .values(user_id=bindparam("b_new")),
                [
                    {
                        "b_platform": s.platform,
                        "b_scope": s.scope,
                        "b_old": s.user_id,
                        "b_new": reseal(s.user_id, new_secret),
                    }
                    for s in settings
                ],
            )
        s = standing_t.c  # trust and suspension decisions follow the reporter
        standings = (await conn.execute(select(s.id, s.reporter_key))).all()
        if standings:
            await conn.execute(
                update(standing_t)
                .where(s.id == bindparam("b_id"))
                .values(reporter_key=bindparam("b_new")),
                [{"b_id": r.id, "b_new": reseal(r.reporter_key, new_secret)} for r in standings],
            )
    return Rotation(key.rotated(new_secret), len(rows), len(settings))
