"""Deleting purged cases' cards in Discord channels (see :mod:`core.notify.card_cleanup`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from core.notify.card_cleanup import CardGone


def card_deleter(bot: discord.Client) -> Callable[[str, str], Awaitable[None]]:
    """``delete(channel, message)`` for :func:`core.notify.card_cleanup.delete_purged_cards`."""

    async def delete(channel_id: str, message_id: str) -> None:
        try:
            channel: Any = bot.get_channel(int(channel_id)) or await bot.fetch_channel(
                int(channel_id)
            )
            await channel.get_partial_message(int(message_id)).delete()
        except (discord.NotFound, discord.Forbidden) as err:  # gone, or never deletable
            raise CardGone() from err

    return delete
