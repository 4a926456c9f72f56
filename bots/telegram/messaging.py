"""Bot API calls that may be refused (blocked bot, flood limits, lost rights) without crashing.

Each helper logs group ids and message ids only, never texts, links or names, and never a
private chat's id (it is the person's user id: next to a case code in the log it would say
who reported what).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, CallbackQuery, ChatMember, ForceReply, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bots.telegram.render import chunks

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMember.ADMINISTRATOR, ChatMember.OWNER})
#: an anonymous admin's messages come from this Telegram service account
GROUP_ANONYMOUS_BOT_ID = 1087968824


def where(chat_id: int | str) -> str:
    """How a log line names a chat: a group by its id, a private chat (a person) not at all."""
    try:
        private = int(chat_id) > 0
    except ValueError:
        private = False  # "@channelusername"
    return "a private chat" if private else f"chat {chat_id}"


async def send(
    bot: Bot,
    chat_id: int | str,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | ForceReply | None = None,
    **kwargs: Any,
) -> Message | None:
    """Send ``text`` (split when long); the last message, or None if Telegram refused it."""
    parts = list(chunks(text))
    last: Message | None = None
    for n, part in enumerate(parts):
        markup = reply_markup if n == len(parts) - 1 else None
        try:
            last = await bot.send_message(chat_id, part, reply_markup=markup, **kwargs)
        except Forbidden:
            log.info("telegram %s does not accept messages from the bot", where(chat_id))
            return None
        except RetryAfter:
            log.warning(
                "flood limit for %s persists after retries; message dropped", where(chat_id)
            )
            return None
        except BadRequest as err:
            log.warning("telegram refused a message to %s: %s", where(chat_id), err.message)
            return None
        except TelegramError as err:
            log.warning("message to %s not sent: %s", where(chat_id), type(err).__name__)
            return None
    return last


async def edit(
    bot: Bot,
    chat_id: int | str,
    message_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Edit a message in place; True when it shows ``text`` afterwards."""
    try:
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
        )
    except BadRequest as err:
        if "not modified" in err.message.lower():
            return True
        log.warning("cannot edit message %s in %s: %s", message_id, where(chat_id), err.message)
        return False
    except TelegramError as err:
        log.warning(
            "cannot edit message %s in %s: %s", message_id, where(chat_id), type(err).__name__
        )
        return False
    return True


async def delete(bot: Bot, chat_id: int | str, message_id: int) -> bool:
    """Delete a message; False when the bot may not (not an admin, too old, already gone)."""
    try:
        return await bot.delete_message(chat_id, message_id)
    except TelegramError as err:
        log.info(
            "cannot delete message %s in %s: %s", message_id, where(chat_id), type(err).__name__
        )
        return False


async def is_chat_admin(bot: Bot, chat_id: int | str, user_id: int) -> bool:
    """Whether ``user_id`` is the owner or an administrator of the chat (getChatMember)."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as err:
        log.info("cannot check membership in %s: %s", where(chat_id), type(err).__name__)
        return False
    return member.status in ADMIN_STATUSES


async def answer(query: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Answer a button press (Telegram shows ``text`` as a toast, or a dialog if ``alert``)."""
    try:
        await query.answer(text[:200], show_alert=alert)
    except TelegramError as err:
        log.info("cannot answer callback query: %s", type(err).__name__)
