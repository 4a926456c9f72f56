"""Reporters' removal notices in Telegram: the "Tell me when it's down" inline button on the
answer to a report, and delivery of queued notices in the reporter's private chat.

Translation only: :mod:`handlers.watch` decides. The button's ``callback_data`` names the
report; the database resolves it, so it works after any restart.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bots.telegram.card_cleanup import card_deleter
from bots.telegram.chats import fan_language
from bots.telegram.deps import Deps
from bots.telegram.messaging import answer, send
from bots.telegram.render import reply_text
from bots.telegram.translate import PLATFORM, reporter_ref
from core.model import Actor
from core.notify.card_cleanup import delete_purged_cards
from core.notify.outbox import ChatNoticeSender, Undeliverable
from core.notify.periodic import Periodic
from handlers.i18n import N_, SOURCE, Texts
from handlers.messages import ReplyType

log = logging.getLogger(__name__)

NAMESPACE = "ldw"
LABEL = N_("Tell me when it's down")


def encode(report_id: int) -> str:
    """``callback_data`` for the button of report ``report_id``."""
    return f"{NAMESPACE}:{report_id}"


def decode(data: str | None) -> int | None:
    """The report id behind ``data``, or None when it is not one of ours."""
    namespace, _, value = (data or "").partition(":")
    if namespace != NAMESPACE or not value.isdigit() or len(value) > 19:
        return None
    return int(value)


def with_offer(
    deps: Deps, reply: ReplyType, text: str, lang: str = SOURCE
) -> tuple[str, InlineKeyboardMarkup | None]:
    """``text`` with the question and its button (in ``lang``), when ``reply`` is a report
    worth following."""
    offer = deps.app.watch_handlers.offer(reply)
    if offer is None:
        return text, None
    t = Texts(lang)
    button = InlineKeyboardButton(t(LABEL), callback_data=encode(offer.report_id))
    return f"{text}\n\n{t(offer.text)}", InlineKeyboardMarkup([[button]])


class WatchButtons:
    """The press on "Tell me when it's down"."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """The PTB handlers of this group."""
        return [CallbackQueryHandler(self.press, pattern=f"^{NAMESPACE}:")]

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Keep the presser's id until the report's cases are down (the core checks the report
        is theirs and not anonymous)."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        report_id = decode(query.data)
        lang = await fan_language(self._deps, context.bot, user)
        reply = await self._deps.app.watch_handlers.opt_in(
            Actor(reporter_ref(user)), report_id or 0, lang
        )
        text = reply_text(reply, lang=lang)
        await answer(query, text)
        await send(context.bot, user.id, text)


class NoticeDelivery:
    """Sends this platform's queued removal notices in private chats, periodically."""

    def __init__(self, deps: Deps, bot: Bot) -> None:
        self._deps = deps
        self._bot = bot
        self._loop = Periodic(deps.settings.chat_notice_seconds, self.drain_once, "tg-notices")

    def sender(self) -> ChatNoticeSender:
        """The outbox sender that delivers through this bot."""
        return ChatNoticeSender(self._deps.app.chat_notices, PLATFORM, self.deliver)

    async def deliver(self, user_id: str, text: str) -> None:
        """Message the user; a blocked bot or a gone chat is :class:`Undeliverable`."""
        try:
            await self._bot.send_message(int(user_id), text)
        except Forbidden as err:
            raise Undeliverable("Forbidden") from err
        except BadRequest as err:
            raise Undeliverable(err.message) from err

    async def drain_once(self) -> None:
        """One pass over the outbox, then over purged cases' cards."""
        await self.sender().drain()
        await self._deps.app.drop_purged_media()
        if self._deps.app.purged_posts is not None:
            await delete_purged_cards(
                self._deps.app.purged_posts, PLATFORM, card_deleter(self._bot)
            )

    def start(self) -> None:
        """Start the periodic drain."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop the periodic drain."""
        await self._loop.stop()
