"""Fans: /start (with a creator deep link), /help, /privacy, /status, /anonymous and private
reports (links, photos, image files, forwarded posts)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bots.telegram.chats import fan_creator, moderator
from bots.telegram.deps import Deps
from bots.telegram.messaging import send
from bots.telegram.render import help_text, reply_text
from bots.telegram.reporting import has_reportable, submit
from bots.telegram.translate import reporter_ref, valid_creator
from core.model import Actor, Origin
from handlers import HelpText, Problem

NEW = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE & NEW
ONLY_IMAGES = "I can take links and pictures (photos or image files) only"


class FanHandlers:
    """Handlers for everyone, mostly in a private chat with the bot."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """The PTB handlers of this group."""
        return [
            CommandHandler("start", self.start, filters=NEW),
            CommandHandler("help", self.help, filters=NEW),
            CommandHandler("privacy", self.privacy, filters=NEW),
            CommandHandler("status", self.status, filters=NEW),
            CommandHandler("anonymous", self.anonymous, filters=PRIVATE),
            MessageHandler(PRIVATE & ~filters.COMMAND, self.message),
        ]

    def fallback(self) -> BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]:
        """Unknown commands in a private chat (register after every other handler)."""
        return MessageHandler(PRIVATE & filters.COMMAND, self.unknown)

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An unknown /command in a private chat."""
        if update.effective_chat is not None:
            await send(
                context.bot,
                update.effective_chat.id,
                reply_text(Problem("unknown command; try /help")),
            )

    def _actor(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Actor:
        assert update.effective_user is not None
        return Actor(
            reporter_ref(update.effective_user), creator=fan_creator(self._deps, context.user_data)
        )

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start [creator]: remember the creator of the deep link, then explain."""
        chat = update.effective_chat
        if chat is not None and chat.type == chat.PRIVATE and context.user_data is not None:
            creator = valid_creator(context.args[0] if context.args else None)
            if creator:
                context.user_data["creator"] = creator
        await self.help(update, context)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: fan help, plus moderator help for admins of a moderator group."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if chat.type == chat.PRIVATE:
            text = help_text(HelpText(False), private=True)
        else:
            where, actor = await moderator(
                self._deps, context.bot, chat, user, update.effective_message
            )
            text = help_text(
                HelpText(actor.is_moderator), private=False, mod_group=where.is_mod_group
            )
        await send(context.bot, chat.id, text)

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/privacy: what is kept and who sees it."""
        if update.effective_chat and update.effective_user:
            reply = await self._deps.app.handlers.privacy(self._actor(update, context))
            await send(context.bot, update.effective_chat.id, reply_text(reply))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/status LD-…: the public state of a case."""
        if not (update.effective_chat and update.effective_user):
            return
        if context.args:
            reply = await self._deps.app.handlers.status(
                self._actor(update, context), context.args[0]
            )
        else:
            reply = Problem("usage: /status LD-…")
        await send(context.bot, update.effective_chat.id, reply_text(reply))

    async def anonymous(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/anonymous on|off: hide the fan's account from moderators in later reports."""
        if update.effective_chat is None or context.user_data is None:
            return
        choice = (context.args[0].lower() if context.args else "on") in ("on", "yes", "1")
        context.user_data["anonymous"] = choice
        text = (
            "Your next reports are anonymous: moderators will not see your account."
            if choice
            else "Your next reports show your account to the moderators only."
        )
        await send(context.bot, update.effective_chat.id, text)

    async def message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A private message: a report when it has links, pictures or is forwarded."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or update.effective_user is None:
            return
        if not has_reportable(message):
            reply = Problem(ONLY_IMAGES) if message.document else HelpText(False)
            text = (
                help_text(reply, private=True) if isinstance(reply, HelpText) else reply_text(reply)
            )
            await send(context.bot, chat.id, text)
            return
        anonymous = bool((context.user_data or {}).get("anonymous", False))
        result = await submit(
            self._deps,
            context.bot,
            update,
            message,
            self._actor(update, context),
            Origin.DM,
            anonymous=anonymous,
        )
        await send(context.bot, chat.id, reply_text(result.reply, result.skipped))
