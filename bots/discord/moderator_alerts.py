"""Overdue escalations and the daily digest in each Discord moderator channel (a ``tasks.loop``).

Translation only: :class:`core.notify.moderator_alerts.ModeratorAlerts` decides what is due and
claims it, so several bot processes post each message once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import tasks

from bots.discord.translate import PLATFORM
from core.notify.moderator_alerts import Place
from core.notify.periodic import JobGate

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)


class ModeratorAlertLoop:
    """Posts what is due in every approved moderator channel, periodically."""

    def __init__(self, bot: LeakdeskBot) -> None:
        self._bot = bot
        self._loop = tasks.loop(seconds=bot.settings.moderator_alert_seconds)(self.check_once)
        self._gate = JobGate()

    async def check_once(self) -> int:
        """Post what is due now; how many messages were posted."""
        async with self._gate.running():
            return await self._check()

    async def _check(self) -> int:
        app = self._bot.app
        posted = 0
        if self._loop.is_running() and self._loop.current_loop == 0:
            return 0  # the first check comes one period after the start
        try:
            venues = [
                v
                for v in await app.venues.all()
                if v.platform == PLATFORM and v.mod_channel_id and v.approved
            ]
            for venue in venues:
                assert venue.mod_channel_id is not None
                place = Place(PLATFORM, venue.creator, venue.mod_channel_id)
                channel = self._bot.get_partial_messageable(
                    int(venue.mod_channel_id),
                    guild_id=int(venue.venue_id),
                    type=discord.ChannelType.text,
                )
                for due in await app.moderator_alerts.due(place):
                    try:
                        await channel.send(due.text)
                        posted += 1
                    except discord.HTTPException as err:
                        await app.moderator_alerts.failed(due)
                        log.warning(
                            "could not post an alert in channel %s: %s",
                            venue.mod_channel_id,
                            type(err).__name__,
                        )
        except Exception:
            log.exception("moderator alerts: check failed")
        return posted

    def start(self) -> None:
        """Start the periodic check (idempotent)."""
        if not self._loop.is_running():
            self._loop.start()

    async def stop(self) -> None:
        """Stop the periodic check; a check under way ends first."""
        await self._gate.settle()
        self._loop.cancel()
