"""Tell a server's admin, once, about a problem only they can fix (a permission, a lost channel)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

MOD_CHANNEL = "mod_channel"
MANAGE_MESSAGES = "manage_messages"


class AdminAlerts:
    """One direct message per server and problem, to the setup user or else the server owner.

    State is in memory on purpose: after a restart an admin may hear about a still-broken
    setting once more, but never in a loop.
    """

    def __init__(self, bot: LeakdeskBot) -> None:
        self._bot = bot
        self._sent: set[tuple[int, str]] = set()
        self._contacts: dict[int, int] = {}

    def reset(self, guild_id: int, contact_id: int | None = None) -> None:
        """Forget what was said about a server (after a new setup) and whom to tell next time."""
        self._sent = {key for key in self._sent if key[0] != guild_id}
        if contact_id is not None:
            self._contacts[guild_id] = contact_id

    async def notify(self, guild_id: int, problem: str, text: str) -> bool:
        """DM ``text`` about ``problem`` in a server unless done before; True if sent now."""
        if (guild_id, problem) in self._sent:
            return False
        self._sent.add((guild_id, problem))
        user_id = self._contacts.get(guild_id) or await self._owner_id(guild_id)
        if user_id is None:
            log.warning("no admin to tell about %s in guild %s", problem, guild_id)
            return False
        try:
            user = self._bot.get_user(user_id) or await self._bot.fetch_user(user_id)
            await user.send(text)
        except discord.HTTPException as err:
            log.warning(
                "could not tell the admin of guild %s about %s: %s",
                guild_id,
                problem,
                type(err).__name__,
            )
            return False
        log.info("told the admin of guild %s about %s", guild_id, problem)
        return True

    async def _owner_id(self, guild_id: int) -> int | None:
        guild = self._bot.get_guild(guild_id)
        if guild is not None:
            return guild.owner_id
        try:
            return (await self._bot.fetch_guild(guild_id)).owner_id
        except discord.HTTPException:
            return None
