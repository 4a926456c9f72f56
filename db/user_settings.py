"""Fans' standing choices per bot (deep-link creator, anonymity), kept over restarts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from core.model import ReporterRef
from core.ports import UserSettings
from db.reporter_key import ReporterKey, load_reporter_key
from db.tables import user_settings_t, utcnow

_KEY = ("platform", "scope", "user_id")


class SqlUserSettingsStore:
    """:class:`core.ports.UserSettingsStore` on SQL: one row per platform, bot and user."""

    def __init__(self, engine: AsyncEngine, reporter_key: ReporterKey | None = None) -> None:
        """Rows are keyed by the user's sealed id (``reporter_key``, see :mod:`db.reporter_key`)."""
        self._engine = engine
        self._key = reporter_key or load_reporter_key(engine.url.render_as_string(False))

    def _id(self, user: ReporterRef) -> str:
        return self._key.seal(user.platform, user.user_id)

    async def get(self, user: ReporterRef, scope: str) -> UserSettings:
        """The user's settings with this bot (defaults when they never chose)."""
        t = user_settings_t
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.c.creator, t.c.anonymous, t.c.language).where(
                        t.c.platform == user.platform,
                        t.c.scope == scope,
                        t.c.user_id == self._id(user),
                    )
                )
            ).first()
        if row is None:
            return UserSettings()
        return UserSettings(
            creator=row.creator, anonymous=bool(row.anonymous), language=row.language
        )

    async def set_creator(self, user: ReporterRef, scope: str, creator: str) -> None:
        """Remember the creator the user's private reports go to."""
        await self._upsert(user, scope, creator=creator)

    async def set_anonymous(self, user: ReporterRef, scope: str, anonymous: bool) -> None:
        """Remember whether the user's next reports are anonymous."""
        await self._upsert(user, scope, anonymous=anonymous)

    async def set_language(self, user: ReporterRef, scope: str, language: str | None) -> None:
        """Remember the language the user chose (None: follow their app's language)."""
        await self._upsert(user, scope, language=language)

    async def forget(self, user: ReporterRef) -> int:
        """Delete the user's settings with every bot; how many rows went."""
        t = user_settings_t
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(t).where(t.c.platform == user.platform, t.c.user_id == self._id(user))
            )
        return int(result.rowcount or 0)

    async def _upsert(self, user: ReporterRef, scope: str, **values: Any) -> None:
        values["updated_at"] = utcnow()
        async with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(user_settings_t).values(
                platform=user.platform, scope=scope, user_id=self._id(user), **values
            )
            await conn.execute(
                statement.on_conflict_do_update(index_elements=list(_KEY), set_=values)
            )
