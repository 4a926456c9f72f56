"""Where the bot lives: servers and groups bound to a creator, and moderator posts per case."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.errors import UnknownCreator
from db.retry import retrying
from db.tables import creators_t, posts_t, utcnow, venues_t
from db.upsert import insert_ignore


@dataclass(frozen=True)
class VenueConfig:
    """A Discord server or Telegram group and the creator it protects."""

    platform: str
    venue_id: str
    creator: str
    mod_channel_id: str | None = None
    mod_role_id: str | None = None
    delete_reported: bool = False
    is_mod_venue: bool = False
    #: set by an operator (``leakdesk venues approve``): until then no case or link is shown here
    approved: bool = False


async def _creator_id(conn: AsyncConnection, slug: str, *, create: bool) -> int:
    """The id of creator ``slug``; created only when ``create`` (an approved venue), else
    :class:`UnknownCreator` for a name the operator never created."""
    query = select(creators_t.c.id).where(creators_t.c.slug == slug)
    creator_id = (await conn.execute(query)).scalar()
    if creator_id is not None:
        return int(creator_id)
    if not create:
        raise UnknownCreator(slug)
    await conn.execute(
        insert_ignore(conn, creators_t),
        [{"slug": slug, "display_name": slug, "created_at": utcnow()}],
    )
    return int((await conn.execute(query)).scalar_one())


class SqlVenueStore:
    """Venue bindings and case posts, shared by every adapter.

    Each method is one transaction, run again if it loses a race for the database.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        auto_approve: bool = False,
        operator_creators: tuple[str, ...] = (),
    ) -> None:
        """``operator_creators``: creators the operator configured (the default creator),
        which a venue may bind to before they exist."""
        self._engine = engine
        self._auto_approve = auto_approve
        self._operator_creators = frozenset(operator_creators)

    @retrying
    async def bind(self, config: VenueConfig) -> VenueConfig:
        """Create or replace the binding of a venue.

        A venue that changes creator, moderator channel or moderator role loses its approval:
        whoever runs a server cannot make it receive another creator's cases, or show them
        in another channel or to other people, without the operator's word.

        Only an existing creator can be bound (the operator creates them: ``leakdesk creator
        add``); a name nobody created raises :class:`UnknownCreator` and nothing is stored.
        With every venue approved at once (``auto_approve``: the operator's own
        single-community set-up) the binding is approved, so it may create its creator.
        """
        async with self._engine.begin() as conn:
            creator_id = await _creator_id(
                conn,
                config.creator,
                create=self._auto_approve or config.creator in self._operator_creators,
            )
            before = (
                await conn.execute(
                    select(
                        venues_t.c.creator_id,
                        venues_t.c.mod_channel_id,
                        venues_t.c.mod_role_id,
                        venues_t.c.approved,
                    ).where(
                        venues_t.c.platform == config.platform,
                        venues_t.c.venue_id == config.venue_id,
                    )
                )
            ).first()
            unchanged = before is not None and (
                before.creator_id == creator_id
                and before.mod_channel_id == config.mod_channel_id
                and before.mod_role_id == config.mod_role_id
            )
            approved = self._auto_approve or (unchanged and bool(before.approved))
            values = {
                "creator_id": creator_id,
                "mod_channel_id": config.mod_channel_id,
                "mod_role_id": config.mod_role_id,
                "delete_reported": config.delete_reported,
                "is_mod_venue": config.is_mod_venue,
                "approved": approved,
                "updated_at": utcnow(),
            }
            await conn.execute(
                insert_ignore(conn, venues_t),
                [{"platform": config.platform, "venue_id": config.venue_id, **values}],
            )
            await conn.execute(
                update(venues_t)
                .where(
                    venues_t.c.platform == config.platform, venues_t.c.venue_id == config.venue_id
                )
                .values(**values)
            )
        return replace(config, approved=approved)

    @retrying
    async def set_approved(
        self, platform: str, venue_id: str, approved: bool
    ) -> VenueConfig | None:
        """Approve (or revoke) a venue as a place that may see its creator's cases."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(venues_t)
                .where(venues_t.c.platform == platform, venues_t.c.venue_id == venue_id)
                .values(approved=approved, updated_at=utcnow())
            )
        return await self.get(platform, venue_id)

    async def all(self) -> list[VenueConfig]:
        """Every bound venue."""
        return await self._select()

    async def get(self, platform: str, venue_id: str) -> VenueConfig | None:
        """The binding of one venue, if any."""
        rows = await self._select(venues_t.c.platform == platform, venues_t.c.venue_id == venue_id)
        return rows[0] if rows else None

    async def moderator_venues(self, platform: str, creator: str) -> list[VenueConfig]:
        """Approved venues of ``platform`` where ``creator``'s moderators work."""
        return [
            v
            for v in await self._select(
                venues_t.c.platform == platform, creators_t.c.slug == creator
            )
            if v.mod_channel_id and v.approved
        ]

    @retrying
    async def _select(self, *conditions: object) -> list[VenueConfig]:
        query = (
            select(venues_t, creators_t.c.slug)
            .join(creators_t, creators_t.c.id == venues_t.c.creator_id)
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(venues_t.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            VenueConfig(
                r.platform,
                r.venue_id,
                r.slug,
                r.mod_channel_id,
                r.mod_role_id,
                bool(r.delete_reported),
                bool(r.is_mod_venue),
                bool(r.approved),
            )
            for r in rows
        ]

    @retrying
    async def claim_post(self, case_id: int, platform: str, channel_id: str) -> bool:
        """Reserve the right to announce a case in a channel; False if already announced."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert_ignore(conn, posts_t)
                .values(
                    case_id=case_id, platform=platform, channel_id=channel_id, created_at=utcnow()
                )
                .returning(posts_t.c.id)
            )
            return result.first() is not None

    @retrying
    async def set_post_message(
        self, case_id: int, platform: str, channel_id: str, message_id: str
    ) -> None:
        """Remember which message announced the case, to edit it later."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(posts_t)
                .where(
                    posts_t.c.case_id == case_id,
                    posts_t.c.platform == platform,
                    posts_t.c.channel_id == channel_id,
                )
                .values(message_id=message_id)
            )

    @retrying
    async def release_post(self, case_id: int, platform: str, channel_id: str) -> None:
        """Forget a reservation whose message could not be sent, so it is tried again."""
        async with self._engine.begin() as conn:
            await conn.execute(
                posts_t.delete().where(
                    posts_t.c.case_id == case_id,
                    posts_t.c.platform == platform,
                    posts_t.c.channel_id == channel_id,
                    posts_t.c.message_id.is_(None),
                )
            )

    @retrying
    async def posts(self, case_id: int, platform: str) -> list[tuple[str, str | None]]:
        """(channel_id, message_id) of every announcement of a case on ``platform``."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(posts_t.c.channel_id, posts_t.c.message_id).where(
                    posts_t.c.case_id == case_id, posts_t.c.platform == platform
                )
            )
            return [tuple(r) for r in rows.all()]  # type: ignore[misc]
