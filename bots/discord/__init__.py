"""The Discord adapter: slash commands, the "Report leak" menu, DMs and a moderator channel."""

from bots.discord.bot import LeakdeskBot, bot_intents, create_bot
from bots.discord.runner import run

__all__ = ["LeakdeskBot", "bot_intents", "create_bot", "run"]
