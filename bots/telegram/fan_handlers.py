"""Fans: /start (with a creator deep link), /help, /privacy, /status, /anonymous and private
reports (links, photos, image files, forwarded posts)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bots.telegram.chats import (
    fan_choices,
    fan_language,
    moderator,
    place_language,
    settings_scope,
)
from bots.telegram.deps import Deps
from bots.telegram.messaging import send
from bots.telegram.render import help_text, reply_text
from bots.telegram.reporting import has_reportable, submit
from bots.telegram.translate import reporter_ref, valid_creator
from bots.telegram.watch import with_offer
from core.model import Actor, Origin
from handlers import HelpText, Problem
from handlers.i18n import LANGUAGES, N_, SOURCE, Texts, negotiate
from handlers.render import shown_creator_name

NEW = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE & NEW
ONLY_IMAGES = N_("I can take links and pictures (photos or image files) only")
#: the deep link's name is not repeated: whoever made the link chose it, not the fan
UNKNOWN_CREATOR = N_(
    "There is no creator called that here, so nothing changed and nothing was created: check "
    "the link you followed with the creator's moderators."
)


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
            CommandHandler("forget", self.forget, filters=PRIVATE),
            CommandHandler("language", self.language, filters=PRIVATE),
            MessageHandler(PRIVATE & ~filters.COMMAND, self.message),
        ]

    def fallback(self) -> BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]:
        """Unknown commands in a private chat (register after every other handler)."""
        return MessageHandler(PRIVATE & filters.COMMAND, self.unknown)

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An unknown /command in a private chat."""
        if update.effective_chat is not None:
            lang = await fan_language(self._deps, context.bot, update.effective_user)
            await send(
                context.bot,
                update.effective_chat.id,
                reply_text(Problem.of(N_("unknown command; try /help")), lang=lang),
            )

    def _actor(self, update: Update) -> Actor:
        """The sender, for requests that go to no creator (/status, /privacy)."""
        assert update.effective_user is not None
        return Actor(
            reporter_ref(update.effective_user), creator=self._deps.settings.default_creator
        )

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start [creator]: remember the creator of the deep link (in the database), explain."""
        chat, user = update.effective_chat, update.effective_user
        creator = valid_creator(context.args[0] if context.args else None)
        if chat is None or user is None or chat.type != chat.PRIVATE or creator is None:
            await self.help(update, context)
            return
        lang = await fan_language(self._deps, context.bot, user)
        t = Texts(lang)
        text = help_text(HelpText(False), private=True, lang=lang)
        # a deep link never creates a creator (each costs index memory, and anyone could
        # invent them): only the operator (the CLI) or a bound venue does
        if creator != self._deps.settings.default_creator and not (
            await self._deps.app.creators.exists(creator)
        ):
            await send(context.bot, chat.id, f"{text}\n\n{t(UNKNOWN_CREATOR)}")
            return
        await self._deps.app.user_settings.set_creator(
            reporter_ref(user), settings_scope(context.bot), creator
        )
        name = await self._deps.app.creators.display_name(creator)
        shown = shown_creator_name(name)
        chosen = (
            t("What you report here goes to the moderators of %(creator)s.", creator=shown)
            if shown
            else t("What you report here goes to the moderators of the creator.")
        )
        await send(context.bot, chat.id, f"{text}\n\n{chosen}")

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: fan help, plus moderator help for admins of a moderator group."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if chat.type == chat.PRIVATE:
            lang = await fan_language(self._deps, context.bot, user)
            text = help_text(HelpText(False), private=True, lang=lang)
        else:  # the group reads it: the language of the group's creator
            where, actor = await moderator(
                self._deps, context.bot, chat, user, update.effective_message
            )
            lang = await place_language(self._deps, where.creator)
            text = help_text(
                HelpText(actor.is_moderator),
                private=False,
                mod_group=where.is_mod_group,
                lang=lang,
            )
        await send(context.bot, chat.id, text)

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/privacy: what is kept and who sees it."""
        if update.effective_chat and update.effective_user:
            lang = await fan_language(self._deps, context.bot, update.effective_user)
            reply = await self._deps.app.handlers.privacy(self._actor(update))
            await send(context.bot, update.effective_chat.id, reply_text(reply, lang=lang))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/status LD-…: the public state of a case."""
        if not (update.effective_chat and update.effective_user):
            return
        if context.args:
            reply = await self._deps.app.handlers.status(self._actor(update), context.args[0])
        else:
            reply = Problem.of(N_("usage: /status LD-…"))
        lang = await fan_language(self._deps, context.bot, update.effective_user)
        await send(context.bot, update.effective_chat.id, reply_text(reply, lang=lang))

    async def anonymous(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/anonymous on|off: hide the fan's account from moderators in later reports."""
        if update.effective_chat is None or update.effective_user is None:
            return
        choice = (context.args[0].lower() if context.args else "on") in ("on", "yes", "1")
        await self._deps.app.user_settings.set_anonymous(
            reporter_ref(update.effective_user), settings_scope(context.bot), choice
        )
        t = Texts(await fan_language(self._deps, context.bot, update.effective_user))
        text = (
            t("Your next reports are anonymous: moderators will not see your account.")
            if choice
            else t("Your next reports show your account to the moderators only.")
        )
        await send(context.bot, update.effective_chat.id, text)

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/language [code|auto]: the language the bot answers this fan in, kept in the
        database; without an argument, list the choices."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        wanted = context.args[0].strip() if context.args else ""
        settings = self._deps.app.user_settings
        ref, scope = reporter_ref(user), settings_scope(context.bot)
        if wanted.lower() == "auto":
            await settings.set_language(ref, scope, None)
        elif wanted:
            chosen = negotiate(wanted)
            if chosen == SOURCE and not wanted.lower().startswith("en"):
                t = Texts(await fan_language(self._deps, context.bot, user))
                text = t(
                    "I don't speak that language yet. Choose one of: %(languages)s "
                    "(/language auto follows your app).",
                    languages=", ".join(LANGUAGES),
                )
                await send(context.bot, chat.id, text)
                return
            await settings.set_language(ref, scope, chosen)
        else:
            t = Texts(await fan_language(self._deps, context.bot, user))
            text = t(
                "Choose the language I answer you in: /language %(languages)s "
                "(/language auto follows your app).",
                languages=" | ".join(LANGUAGES),
            )
            await send(context.bot, chat.id, text)
            return
        t = Texts(await fan_language(self._deps, context.bot, user))
        await send(context.bot, chat.id, t("OK, I'll answer you in English from now on."))

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/forget: detach the fan's account from their reports and drop their stored choices."""
        if update.effective_chat and update.effective_user:
            lang = await fan_language(self._deps, context.bot, update.effective_user)
            reply = await self._deps.app.handlers.forget(self._actor(update))
            await send(context.bot, update.effective_chat.id, reply_text(reply, lang=lang))

    async def message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A private message: a report when it has links, pictures or is forwarded."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        if not has_reportable(message):
            lang = await fan_language(self._deps, context.bot, user)
            reply = Problem(ONLY_IMAGES) if message.document else HelpText(False)
            text = (
                help_text(reply, private=True, lang=lang)
                if isinstance(reply, HelpText)
                else reply_text(reply, lang=lang)
            )
            await send(context.bot, chat.id, text)
            return
        choices = await fan_choices(self._deps, context.bot, user)
        result = await submit(
            self._deps,
            context.bot,
            update,
            message,
            Actor(reporter_ref(user), creator=choices.creator),
            Origin.DM,
            anonymous=choices.anonymous,
        )
        lang = choices.lang
        text, markup = with_offer(self._deps, result.reply, result.text(lang), lang)  # down?
        await send(context.bot, chat.id, text, reply_markup=markup)
