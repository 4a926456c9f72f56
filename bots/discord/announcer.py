"""Posts each case once in every Discord moderator channel of its creator, and keeps it current.

Subscribed to the app's :class:`core.events.EventBus`.  ``claim_post`` in the database makes
the first post happen once even across restarts and bot processes; later events edit the
same message in place (more reporters, a new state).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from bots.discord.alerts import MOD_CHANNEL
from bots.discord.embeds import case_embed
from bots.discord.privacy import PUBLIC_CHANNEL, channel_is_private
from bots.discord.translate import PLATFORM
from bots.discord.views import case_view
from core.events import CaseChanged
from core.model import CaseView
from db.venues import VenueConfig
from handlers.i18n import negotiate

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

UNREACHABLE = (
    "leakdesk cannot post new cases in your moderator channel (<#{channel_id}>): it is missing "
    "or I lack permission to see it or to send messages and embeds there. Reports are still "
    "recorded. Fix the channel permissions or run /leakdesk setup again."
)


class Announcer:
    """Announce-once, edit-in-place case cards; one case at a time per case id."""

    def __init__(self, bot: LeakdeskBot) -> None:
        self._bot = bot
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._stopped = False

    def stop(self) -> None:
        """Ignore further events (the bot is closing)."""
        self._stopped = True

    async def on_case_changed(self, event: CaseChanged) -> None:
        """Post or refresh the card of ``event``'s case in each moderator channel."""
        if self._stopped or self._bot.is_closed():
            return
        venues = await self._bot.app.venues.moderator_venues(PLATFORM, event.creator)
        if not venues:
            return
        lock, users = self._locks.get(event.case_id, (asyncio.Lock(), 0))
        self._locks[event.case_id] = (lock, users + 1)
        try:
            async with lock:
                await self._sync(event.case_id, venues)
        finally:
            lock, users = self._locks[event.case_id]
            if users <= 1:
                del self._locks[event.case_id]
            else:
                self._locks[event.case_id] = (lock, users - 1)

    async def _sync(self, case_id: int, venues: list[VenueConfig]) -> None:
        app = self._bot.app
        case = await app.cases.get_case_by_id(case_id)
        if case is None:
            return
        posted = dict(await app.venues.posts(case.id, PLATFORM))
        for venue in venues:
            channel_id = venue.mod_channel_id
            assert channel_id is not None
            if not await self._private(venue, channel_id, case):
                continue  # links are never shown where every member could read them
            if channel_id in posted:
                message_id = posted[channel_id]
                if message_id is not None:
                    await self._edit(venue, channel_id, message_id, case)
                continue
            if await app.venues.claim_post(case.id, PLATFORM, channel_id):
                await self._post(venue, channel_id, case)

    async def _private(self, venue: VenueConfig, channel_id: str, case: CaseView) -> bool:
        """Check, before any card with links, that the channel is still hidden from @everyone.

        When it is not (a permission changed since setup) nothing is posted or edited, the
        operator's log says so and the server's admin is told once.
        """
        private = await channel_is_private(self._bot, int(venue.venue_id), int(channel_id))
        if private:
            return True
        if private is None:
            log.warning(
                "case %s not shown: cannot check channel %s of server %s",
                case.code,
                channel_id,
                venue.venue_id,
            )
            await self._bot.alerts.notify(
                int(venue.venue_id), MOD_CHANNEL, UNREACHABLE.format(channel_id=channel_id)
            )
            return False
        log.warning(
            "case %s not shown: moderator channel %s of server %s is visible to @everyone",
            case.code,
            channel_id,
            venue.venue_id,
        )
        await self._bot.alerts.notify(
            int(venue.venue_id),
            PUBLIC_CHANNEL,
            f"leakdesk stopped posting cases in your moderator channel (<#{channel_id}>): "
            "everyone in the server can see it now, and case cards show the reported links. "
            "Hide it from @everyone again; new cases appear there as soon as it is private. "
            "Reports are still recorded.",
        )
        return False

    def _channel(self, venue: VenueConfig, channel_id: str) -> discord.PartialMessageable:
        # REST only: works from any shard or process, whether or not the guild is cached here.
        return self._bot.get_partial_messageable(
            int(channel_id), guild_id=int(venue.venue_id), type=discord.ChannelType.text
        )

    async def _post(self, venue: VenueConfig, channel_id: str, case: CaseView) -> None:
        app = self._bot.app
        try:
            lang = negotiate(await app.creators.language(case.creator))
            message = await self._channel(venue, channel_id).send(
                embed=case_embed(case, lang), view=case_view(case, lang)
            )
        except discord.HTTPException as err:
            await app.venues.release_post(case.id, PLATFORM, channel_id)
            log.warning(
                "could not post case %s in channel %s: %s",
                case.code,
                channel_id,
                type(err).__name__,
            )
            if isinstance(err, discord.Forbidden | discord.NotFound):
                await self._bot.alerts.notify(
                    int(venue.venue_id), MOD_CHANNEL, UNREACHABLE.format(channel_id=channel_id)
                )
            return
        await app.venues.set_post_message(case.id, PLATFORM, channel_id, str(message.id))
        log.info("case %s announced in channel %s (message %s)", case.code, channel_id, message.id)

    async def _edit(
        self, venue: VenueConfig, channel_id: str, message_id: str, case: CaseView
    ) -> None:
        message = self._channel(venue, channel_id).get_partial_message(int(message_id))
        try:
            lang = negotiate(await self._bot.app.creators.language(case.creator))
            await message.edit(embed=case_embed(case, lang), view=case_view(case, lang))
        except discord.HTTPException as err:
            log.warning(
                "could not update case %s (message %s): %s",
                case.code,
                message_id,
                type(err).__name__,
            )
