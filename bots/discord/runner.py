"""``run(settings)``: connect the bot and block until it stops; clear one-line errors on stderr."""

from __future__ import annotations

import logging
import sys

import discord

from bots.discord.bot import create_bot
from bots.logsafe import quiet_http_logs, redact_handlers
from core.settings import Settings

EXIT_CONFIG = 2


def run(settings: Settings) -> int:
    """Run the Discord bot until it is stopped; returns a process exit code."""
    quiet_http_logs()  # fetches log leak links with their path and query at INFO
    if not settings.discord_token:
        print(
            "leakdesk: no Discord token; set LEAKDESK_DISCORD_TOKEN (or discord_token in "
            "leakdesk.toml)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if not logging.getLogger().handlers:
        discord.utils.setup_logging(root=True)  # unless the entrypoint configured logging
    redact_handlers()
    bot = create_bot(settings)
    try:
        bot.run(settings.discord_token, log_handler=None)
    except discord.LoginFailure:
        print(
            "leakdesk: Discord rejected the bot token; check LEAKDESK_DISCORD_TOKEN",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except (OSError, discord.HTTPException, discord.GatewayNotFound) as err:
        print(f"leakdesk: cannot reach Discord ({type(err).__name__})", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "leakdesk: Discord refused the requested gateway intents; see docs/discord.md",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return 0
