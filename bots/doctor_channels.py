"""``leakdesk doctor``: can the bots work in the bound moderator channels?

For Discord the bot signs in with its token (gateway, guilds intent only), and for each bound
moderator channel reads from its cache whether it can view, send, embed links and manage
messages there, and whether the channel is private (@everyone cannot view it).  For Telegram
it asks the Bot API whether the bot is an admin allowed to delete messages in each bound
moderator group.  Each finding is one line in plain words with what to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bots.doctor import Finding

if TYPE_CHECKING:
    import discord
    import telegram

    from core.settings import Settings
    from db.venues import VenueConfig

log = logging.getLogger(__name__)

#: what the bot needs in a Discord moderator channel, and how Discord's settings name it
DISCORD_NEEDS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("manage_messages", "Manage Messages"),
)
#: how long the doctor waits for Discord or Telegram to answer
CONNECT_TIMEOUT = 30.0


def _name(venue: VenueConfig) -> str:
    return f"{venue.platform} moderator channel {venue.mod_channel_id} ({venue.creator})"


def moderator_venues(venues: Sequence[VenueConfig], platform: str) -> list[VenueConfig]:
    """The bound moderator places of ``platform`` (those with a moderator channel)."""
    return [v for v in venues if v.platform == platform and v.mod_channel_id]


def discord_findings(client: discord.Client, venues: Sequence[VenueConfig]) -> list[Finding]:
    """Check each Discord moderator channel from the ready ``client``'s cache."""
    import discord

    from bots.discord.privacy import visible_to_everyone

    found = []
    for venue in moderator_venues(venues, "discord"):
        name = _name(venue)
        guild = client.get_guild(int(venue.venue_id)) if venue.venue_id.isdigit() else None
        if guild is None:
            found.append(Finding(
                name, "fail", f"the bot is not in the Discord server {venue.venue_id}",
                "invite the bot to that server again, or bind another server with /leakdesk setup",
            ))  # fmt: skip
            continue
        channel_id = str(venue.mod_channel_id)
        channel = guild.get_channel(int(channel_id)) if channel_id.isdigit() else None
        if not isinstance(channel, discord.abc.GuildChannel) or guild.me is None:
            found.append(Finding(
                name, "fail", f"the channel no longer exists in {guild.name}",
                "run /leakdesk setup again with the moderator channel",
            ))  # fmt: skip
            continue
        where = f"#{channel.name} in {guild.name}"
        if visible_to_everyone(guild, channel):
            found.append(Finding(
                name, "fail", f"{where} is visible to everyone, so no case is posted there",
                "in the channel's settings, deny View Channel to @everyone",
            ))  # fmt: skip
            continue
        mine = channel.permissions_for(guild.me)
        missing = [label for attribute, label in DISCORD_NEEDS if not getattr(mine, attribute)]
        if missing:
            found.append(Finding(
                name, "fail", f"the bot lacks {', '.join(missing)} in {where}",
                f"give the bot's role {', '.join(missing)} in that channel",
            ))  # fmt: skip
        else:
            found.append(Finding(name, "ok", f"{where} is private and the bot can post there"))
    return found


async def check_discord(token: str, venues: Sequence[VenueConfig]) -> list[Finding]:
    """Sign in to Discord with ``token`` and check the moderator channels (then sign out)."""
    import discord

    if not moderator_venues(venues, "discord"):
        return []
    client = discord.Client(intents=discord.Intents(guilds=True))
    running = asyncio.ensure_future(client.start(token.strip()))
    ready = asyncio.ensure_future(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({running, ready}, timeout=CONNECT_TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        if ready in done:
            return discord_findings(client, venues)
        error = running.exception() if running in done else None
        if isinstance(error, discord.LoginFailure):
            reason = "Discord refused the token"
        else:
            reason = f"could not reach Discord ({type(error).__name__ if error else 'timed out'})"
        return [Finding(
            "Discord moderator channels", "fail", f"not checked: {reason}",
            "check LEAKDESK_DISCORD_TOKEN and this machine's access to discord.com",
        )]  # fmt: skip
    finally:
        ready.cancel()
        with contextlib.suppress(Exception):
            await client.close()
        running.cancel()
        with contextlib.suppress(BaseException):
            await running


async def telegram_findings(bot: telegram.Bot, venues: Sequence[VenueConfig]) -> list[Finding]:
    """Check, over the Bot API, that ``bot`` may delete messages in each moderator group."""
    from telegram import ChatMemberAdministrator, ChatMemberOwner
    from telegram.error import TelegramError

    found = []
    for venue in moderator_venues(venues, "telegram"):
        name = _name(venue)
        try:
            member = await bot.get_chat_member(int(str(venue.mod_channel_id)), bot.id)
        except (TelegramError, ValueError) as err:
            found.append(Finding(
                name, "fail",
                f"cannot be read ({type(err).__name__}): the bot may have been removed",
                "add the bot to the moderator group again and run /bind there",
            ))  # fmt: skip
            continue
        if isinstance(member, ChatMemberOwner):
            found.append(Finding(name, "ok", "the bot owns the group"))
        elif not isinstance(member, ChatMemberAdministrator):
            found.append(Finding(
                name, "fail", f"the bot is not an admin of the group (it is {member.status})",
                "make the bot an admin of the moderator group with Delete messages",
            ))  # fmt: skip
        elif not member.can_delete_messages:
            found.append(Finding(
                name, "fail", "the bot is an admin but may not delete messages",
                "in the group's admin settings, allow the bot to Delete messages",
            ))  # fmt: skip
        else:
            found.append(Finding(name, "ok", "the bot is an admin and may delete messages"))
    return found


async def check_telegram(settings: Settings, venues: Sequence[VenueConfig]) -> list[Finding]:
    """Ask the Bot API (``telegram_api_url``) about every Telegram moderator group."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    if not moderator_venues(venues, "telegram") or not settings.telegram_token:
        return []
    bot = Bot(settings.telegram_token.strip(), base_url=settings.telegram_api_url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await bot.initialize()
            try:
                return await telegram_findings(bot, venues)
            finally:
                await bot.shutdown()
    except (TelegramError, TimeoutError) as err:
        refused = isinstance(err, InvalidToken)
        reason = "Telegram refused the token" if refused else f"{type(err).__name__}"
        return [Finding(
            "Telegram moderator groups", "fail", f"not checked: {reason}",
            "check LEAKDESK_TELEGRAM_TOKEN and this machine's access to the Bot API",
        )]  # fmt: skip


async def check_channel_permissions(settings: Settings) -> list[Finding]:
    """The moderator channels' permissions on every platform whose token is set."""
    from db.engine import create_engine
    from db.venues import SqlVenueStore

    engine = create_engine(settings.database_url)
    try:
        venues = await SqlVenueStore(engine).all()
    except Exception:
        return []  # the database finding already says it cannot be read
    finally:
        await engine.dispose()
    found: list[Finding] = []
    if settings.discord_token:
        found += await check_discord(settings.discord_token, venues)
    if settings.telegram_token:
        found += await check_telegram(settings, venues)
    return found
