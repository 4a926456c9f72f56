"""Dashboard sign-in: one-time links and sessions, of which only token hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import LeakdeskError
from db.tables import creators_t, utcnow, web_links_t, web_sessions_t

#: a one-time link opens the dashboard within this many seconds, once
LINK_SECONDS = 600
#: a session lasts this long, unless revoked earlier
SESSION_SECONDS = 12 * 3600


class SignInRefused(LeakdeskError):
    """A link that is unknown, expired or already used; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebSession:
    """Who a dashboard session belongs to: one moderator acting for one creator."""

    id: int
    moderator: str
    creator: str
    expires_at: float


def token_hash(token: str) -> str:
    """The stored form of a link or session token (sha256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class SqlWebAuth:
    """Mints, redeems and revokes dashboard links and sessions."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def mint_link(self, moderator: str, creator: str, *, now: float | None = None) -> str:
        """A one-time sign-in token for ``moderator`` of ``creator`` (an existing creator)."""
        now = time.time() if now is None else now
        token = new_token()
        async with self._engine.begin() as conn:
            creator_id = (
                await conn.execute(select(creators_t.c.id).where(creators_t.c.slug == creator))
            ).scalar()
            if creator_id is None:
                raise LeakdeskError(f"no creator named {creator!r}")
            await conn.execute(
                web_links_t.insert().values(
                    token_hash=token_hash(token),
                    moderator=moderator,
                    creator_id=creator_id,
                    created_at=utcnow(),
                    expires_at=now + LINK_SECONDS,
                )
            )
        return token

    async def peek_link(self, token: str, *, now: float | None = None) -> tuple[str, str]:
        """(moderator, creator) of a usable link, without using it; else :class:`SignInRefused`."""
        now = time.time() if now is None else now
        query = (
            select(web_links_t.c.moderator, web_links_t.c.used_at, web_links_t.c.expires_at)
            .add_columns(creators_t.c.slug)
            .join(creators_t, creators_t.c.id == web_links_t.c.creator_id)
            .where(web_links_t.c.token_hash == token_hash(token))
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise SignInRefused("unknown")
        if row.used_at is not None:
            raise SignInRefused("used")
        if row.expires_at <= now:
            raise SignInRefused("expired")
        return row.moderator, row.slug

    async def redeem_link(self, token: str, *, now: float | None = None) -> tuple[str, WebSession]:
        """Use a link once: a new session token and its session, or :class:`SignInRefused`."""
        now = time.time() if now is None else now
        hashed = token_hash(token)
        session_token = new_token()
        async with self._engine.begin() as conn:
            used = await conn.execute(
                update(web_links_t)
                .where(
                    web_links_t.c.token_hash == hashed,
                    web_links_t.c.used_at.is_(None),
                    web_links_t.c.expires_at > now,
                )
                .values(used_at=now)
            )
            row = (
                await conn.execute(
                    select(
                        web_links_t.c.moderator,
                        web_links_t.c.creator_id,
                        web_links_t.c.used_at,
                        creators_t.c.slug,
                    )
                    .join(creators_t, creators_t.c.id == web_links_t.c.creator_id)
                    .where(web_links_t.c.token_hash == hashed)
                )
            ).first()
            if used.rowcount != 1 or row is None:
                if row is None:
                    raise SignInRefused("unknown")
                raise SignInRefused("used" if row.used_at is not None else "expired")
            expires = now + SESSION_SECONDS
            result = await conn.execute(
                web_sessions_t.insert().values(
                    token_hash=token_hash(session_token),
                    moderator=row.moderator,
                    creator_id=row.creator_id,
                    created_at=utcnow(),
                    expires_at=expires,
                )
            )
            session_id = result.inserted_primary_key[0]  # type: ignore[index]
        return session_token, WebSession(session_id, row.moderator, row.slug, expires)

    async def session(self, token: str, *, now: float | None = None) -> WebSession | None:
        """The live session with cookie ``token``, or None (unknown, expired or revoked)."""
        now = time.time() if now is None else now
        query = (
            select(
                web_sessions_t.c.id,
                web_sessions_t.c.moderator,
                creators_t.c.slug,
                web_sessions_t.c.expires_at,
            )
            .join(creators_t, creators_t.c.id == web_sessions_t.c.creator_id)
            .where(
                web_sessions_t.c.token_hash == token_hash(token),
                web_sessions_t.c.revoked_at.is_(None),
                web_sessions_t.c.expires_at > now,
            )
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else WebSession(row[0], row[1], row[2], row[3])

    async def revoke(
        self,
        *,
        moderator: str | None = None,
        session_id: int | None = None,
        now: float | None = None,
    ) -> int:
        """Revoke live sessions (all, one moderator's, or one); how many were revoked."""
        now = time.time() if now is None else now
        query = update(web_sessions_t).where(
            web_sessions_t.c.revoked_at.is_(None), web_sessions_t.c.expires_at > now
        )
        if moderator is not None:
            query = query.where(web_sessions_t.c.moderator == moderator)
        if session_id is not None:
            query = query.where(web_sessions_t.c.id == session_id)
        async with self._engine.begin() as conn:
            return (await conn.execute(query.values(revoked_at=now))).rowcount
