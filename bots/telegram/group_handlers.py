"""Groups: a member replies ``/report [note]`` to a message; admins ``/protect`` a group.

Works in the bot's default privacy mode: commands are delivered with the message they reply to.
The reporter is answered privately; the group never sees the link or who reported.
"""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bots.telegram.chats import chat_context, fan_language, sender_is_admin
from bots.telegram.deps import Deps
from bots.telegram.messaging import delete, send
from bots.telegram.render import group_notice
from bots.telegram.reporting import Submitted, submit
from bots.telegram.translate import PLATFORM, hidden_sender, reporter_ref, valid_creator
from bots.telegram.watch import with_offer
from core.errors import UnknownCreator
from core.model import Actor, Origin
from db.venues import VenueConfig
from handlers import Problem, ReportReceived
from handlers.i18n import N_
from handlers.render import sent_to_line

log = logging.getLogger(__name__)

GROUP = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
REPLY_FIRST = N_("reply /report to the message you want to report")
HIDDEN_SENDER = (
    "I can't take /report from an anonymous admin or on behalf of a channel: I could not tell "
    "reporters apart or answer you privately. Nothing was recorded. Send me the link in a "
    "private chat instead: {link}"
)


#: /protect or /bind naming a creator the operator never created (issue 11)
NO_SUCH_CREATOR = (
    "There is no creator called {slug} here, so nothing changed. Creators are created by the "
    "leakdesk operator: ask them to run `leakdesk creator add {slug}`, then run /{command} again."
)


def deep_link(bot_username: str | None, creator: str) -> str:
    """t.me link that opens a private chat with the bot for ``creator``."""
    return f"https://t.me/{bot_username}?start={creator}"


class GroupHandlers:
    """/report in any group, /protect for group admins."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """The PTB handlers of this group."""
        return [
            CommandHandler("report", self.report, filters=GROUP),
            CommandHandler("protect", self.protect, filters=GROUP),
        ]

    async def report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Report the replied-to message, delete the command, answer the reporter privately."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        bot = context.bot
        where = await chat_context(self._deps, chat)
        command_deleted = await delete(bot, chat.id, message.message_id)
        if hidden_sender(message):
            link = deep_link(bot.username, where.creator)
            await send(bot, chat.id, HIDDEN_SENDER.format(link=link))
            return
        target = message.reply_to_message
        if target is None:
            result = Submitted(Problem(REPLY_FIRST))
        else:
            actor = Actor(reporter_ref(user), creator=where.creator)
            result = await submit(
                self._deps,
                bot,
                update,
                target,
                actor,
                Origin.GROUP,
                note=" ".join(context.args or []),
            )
            if where.venue is not None and where.venue.delete_reported:
                await self._delete_evidence(bot, chat.id, target.message_id, result)
        lang = await fan_language(self._deps, bot, user)  # the private answer: theirs
        text, markup = with_offer(self._deps, result.reply, result.text(lang), lang)
        answered = await send(bot, user.id, text, reply_markup=markup)
        if answered is None:
            link = deep_link(bot.username, where.creator)
            notice = group_notice(result.reply, link, result.links, with_code=command_deleted)
            if (
                isinstance(result.reply, ReportReceived)
                and result.reply.reached_moderators
                and result.creator_name
            ):
                notice += " " + sent_to_line(result.creator_name)
            await send(bot, chat.id, notice)

    @staticmethod
    async def _delete_evidence(bot: Bot, chat_id: int, message_id: int, result: Submitted) -> None:
        """Delete a reported message only when everything in it was recorded."""
        if result.fully_recorded:
            await delete(bot, chat_id, message_id)
            return
        log.info(
            "reported message %s in chat %s kept: not everything in it was recorded",
            message_id,
            chat_id,
        )

    async def protect(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/protect <creator> [delete]: send this group's reports to ``creator``'s moderators."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        args = context.args or []
        creator = valid_creator(args[0] if args else None)
        if creator is None:
            await send(context.bot, chat.id, "usage: /protect <creator> [delete]")
            return
        if not await sender_is_admin(context.bot, chat, user, message):
            await send(context.bot, chat.id, "Only this group's admins can use /protect.")
            return
        current = await self._deps.app.venues.get(PLATFORM, str(chat.id))
        if current is not None and current.is_mod_venue:
            await send(
                context.bot, chat.id, "This is a moderator group; use /bind <creator> to change it."
            )
            return
        delete_reported = len(args) > 1 and args[1].lower() == "delete"
        try:
            await self._deps.app.venues.bind(
                VenueConfig(
                    platform=PLATFORM,
                    venue_id=str(chat.id),
                    creator=creator,
                    delete_reported=delete_reported,
                )
            )
        except UnknownCreator:
            text = NO_SUCH_CREATOR.format(slug=creator, command="protect")
            await send(context.bot, chat.id, text)
            return
        log.info("telegram chat %s protected for %s (delete=%s)", chat.id, creator, delete_reported)
        text = f"Reports from this group now go to {creator}'s moderators."
        if delete_reported:
            text += " Reported messages are deleted when I am an admin allowed to delete."
        await send(context.bot, chat.id, text)
