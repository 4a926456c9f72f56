"""Deleting purged cases' cards in Telegram groups (see :mod:`core.notify.card_cleanup`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from core.notify.card_cleanup import CardGone

#: what a card becomes when Telegram refuses to delete it (bots may not delete after 48 h)
PURGED_CARD_TEXT = "(case purged)"


def card_deleter(bot: Bot) -> Callable[[str, str], Awaitable[None]]:
    """``delete(chat, message)`` for :func:`core.notify.card_cleanup.delete_purged_cards`."""

    async def delete(chat_id: str, message_id: str) -> None:
        try:
            await bot.delete_message(int(chat_id), int(message_id))
            return
        except Forbidden as err:  # the bot left the group: nothing it can do any more
            raise CardGone() from err
        except BadRequest as err:
            if "not found" in err.message.lower():
                raise CardGone() from err
        try:  # too old to delete: blank it instead
            await bot.edit_message_text(PURGED_CARD_TEXT, chat_id=int(chat_id),
                                        message_id=int(message_id))  # fmt: skip
        except (BadRequest, Forbidden) as err:
            raise CardGone() from err

    return delete
