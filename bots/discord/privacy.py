"""Is a moderator channel private?  Asked at setup and again before every case card.

A channel is private when @everyone (the guild's default role) cannot view it: neither by the
role's own permissions (or Administrator) nor by the channel's overwrite for it.  Checked from
the gateway cache when this process has the guild, else over REST (another shard or process).
"""

from __future__ import annotations

import discord

PUBLIC_CHANNEL = "mod_channel_public"


def visible_to_everyone(guild: discord.Guild, channel: discord.abc.GuildChannel) -> bool:
    """Whether every member of ``guild`` can view ``channel``."""
    return channel.permissions_for(guild.default_role).view_channel


async def channel_is_private(client: discord.Client, guild_id: int, channel_id: int) -> bool | None:
    """True when the channel is hidden from @everyone, False when visible, None if unknown.

    Unknown (the channel or server cannot be read) is for the caller to treat like a post
    that failed: nothing with links is shown.
    """
    guild = client.get_guild(guild_id)
    channel = guild.get_channel(channel_id) if guild is not None else None
    if guild is not None and isinstance(channel, discord.abc.GuildChannel):
        return not visible_to_everyone(guild, channel)
    try:
        fetched = await client.fetch_channel(channel_id)
        everyone = discord.utils.get((await client.fetch_guild(guild_id)).roles, id=guild_id)
    except discord.HTTPException:
        return None
    if not isinstance(fetched, discord.abc.GuildChannel) or everyone is None:
        return None
    base = everyone.permissions
    if base.administrator:
        return False
    overwrite = fetched.overwrites_for(everyone).view_channel
    return not (overwrite if overwrite is not None else base.view_channel)
