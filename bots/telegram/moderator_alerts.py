"""Overdue escalations and the daily digest in each Telegram moderator group, periodically.

Translation only: :class:`core.notify.moderator_alerts.ModeratorAlerts` decides what is due and
claims it, so several bot processes send each message once.
"""

from __future__ import annotations

import logging

from telegram import Bot

from bots.telegram.deps import Deps
from bots.telegram.messaging import send
from bots.telegram.translate import PLATFORM
from core.notify.moderator_alerts import Place
from core.notify.periodic import Periodic

log = logging.getLogger(__name__)


class ModeratorAlertLoop:
    """Sends what is due in every approved moderator group, one period after the start and then
    every ``moderator_alert_seconds``."""

    def __init__(self, deps: Deps, bot: Bot) -> None:
        self._deps = deps
        self._bot = bot
        self._loop = Periodic(
            deps.settings.moderator_alert_seconds, self.check_once, "tg-alerts", delay_first=True
        )

    async def check_once(self) -> int:
        """Send what is due now; how many messages were sent."""
        app = self._deps.app
        sent = 0
        for venue in await app.venues.all():
            if venue.platform != PLATFORM or not venue.mod_channel_id or not venue.approved:
                continue
            place = Place(PLATFORM, venue.creator, venue.mod_channel_id)
            for due in await app.moderator_alerts.due(place):
                if await send(self._bot, int(venue.mod_channel_id), due.text) is None:
                    await app.moderator_alerts.failed(due)
                else:
                    sent += 1
        return sent

    def start(self) -> None:
        """Start the periodic check."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop the periodic check."""
        await self._loop.stop()
