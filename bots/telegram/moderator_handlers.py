"""Moderator group commands: /bind, /queue, /show, /claim, /confirm, /dismiss, /reopen,
/merge, /synthetic, /reporters, /suspend, /unsuspend, /trust, /untrust, /escalate, /agent and
/dashboard.  Only the group's admins act as moderators."""

from __future__ import annotations

import logging
import shlex

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bots.telegram.chats import moderator, place_language, sender_is_admin, user_language
from bots.telegram.deps import Deps
from bots.telegram.escalation import post_preview
from bots.telegram.group_handlers import NO_SUCH_CREATOR, deep_link
from bots.telegram.messaging import is_chat_admin, send
from bots.telegram.render import reply_text
from bots.telegram.translate import PLATFORM, valid_creator
from core.errors import UnknownCreator
from core.model import Actor, Origin
from db.venues import VenueConfig
from handlers import CaseUpdated, IncomingMessage, Problem, Reply, ReplyType
from handlers.agent import USAGE, parse_pairs
from handlers.i18n import N_, Texts
from handlers.reporters import COMMANDS as REPORTER_COMMANDS

log = logging.getLogger(__name__)

NEW = filters.UpdateType.MESSAGE
#: commands the neutral dispatcher understands, run with the group's moderator identity
DISPATCHED = (
    "queue",
    "show",
    "claim",
    "confirm",
    "dismiss",
    "reopen",
    "merge",
    "synthetic",
    *REPORTER_COMMANDS,
)
NO_PRIVATE_CHAT = N_(
    "I cannot write to you privately yet: open a private chat with me, press Start, then send "
    "/dashboard here again."
)
DASHBOARD_SENT = N_("I sent you the dashboard link in a private message.")
ALREADY_BOUND = N_(
    "%(creator)s already has a moderator group; ask one of its admins to run /bind here."
)
BOUND_PENDING = N_(
    "Bound to %(creator)s. Cases (with links) appear here once the leakdesk operator approves "
    "this group: leakdesk venues approve telegram -- %(chat)s"
)
BOUND = N_(
    "This group is now %(creator)s's moderator group. New cases appear here once, with "
    "Claim / Confirm / Dismiss / Escalate buttons; only this group's admins can use them. Fans "
    "report privately at %(link)s"
)
NOT_A_MOD_GROUP = N_(
    "Moderator commands work in a moderator group; a group admin can make one with /bind <creator>."
)


class ModeratorHandlers:
    """Commands of a creator's moderator group."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """The PTB handlers of this group."""
        return [
            CommandHandler("bind", self.bind, filters=NEW),
            CommandHandler("escalate", self.escalate, filters=NEW),
            CommandHandler("agent", self.agent, filters=NEW),
            CommandHandler("dashboard", self.dashboard, filters=NEW),
            CommandHandler(DISPATCHED, self.command, filters=NEW),
        ]

    async def _actor(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Actor | None:
        """The moderator identity in a moderator group; None (after saying so) elsewhere."""
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        refusal = Texts(user_language(user))(NOT_A_MOD_GROUP)
        if chat.type == chat.PRIVATE:
            await send(context.bot, chat.id, refusal)
            return None
        where, actor = await moderator(
            self._deps, context.bot, chat, user, update.effective_message
        )
        if not where.is_mod_group:
            await send(context.bot, chat.id, refusal)
            return None
        return actor

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/queue, /show, /claim, /confirm, /dismiss, /reopen, /merge, /synthetic and the
        reporter commands (/reporters, /suspend…) through app.handlers."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or update.effective_user is None:
            return
        actor = await self._actor(update, context)
        if actor is None:
            return
        reply = await self._deps.app.handlers.dispatch(
            IncomingMessage(actor=actor, text=message.text or "", origin=Origin.COMMAND)
        )
        lang = await place_language(self._deps, actor.creator)  # the group's language
        await send(context.bot, chat.id, reply_text(reply, lang=lang))
        args = context.args or []
        if isinstance(reply, CaseUpdated) and reply.action == "merge" and args:
            await self._deps.announcer.refresh_code(args[0])

    async def escalate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/escalate [platform]: recipients and URL counts, then Confirm (see escalation.py)."""
        chat = update.effective_chat
        if chat is None or update.effective_user is None:
            return
        actor = await self._actor(update, context)
        if actor is None:
            return
        platform = context.args[0] if context.args else None
        await post_preview(self._deps, context, chat.id, actor, platform)

    async def agent(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/agent: show the agent of record; /agent signer=… email=… …: set it."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or update.effective_user is None:
            return
        actor = await self._actor(update, context)
        if actor is None:
            return
        try:
            words = shlex.split((message.text or "").partition(" ")[2])
        except ValueError:
            words = None
        values = parse_pairs(words) if words is not None else None
        agents = self._deps.app.agent_handlers
        if values is None:
            reply: ReplyType = Problem(USAGE)
        elif not values:
            reply = await agents.show(actor)
        else:
            reply = await agents.set(actor, values)
        lang = await place_language(self._deps, actor.creator)
        await send(context.bot, chat.id, reply_text(reply, lang=lang))

    async def dashboard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/dashboard in the moderator group: a one-time sign-in link, sent by private message.

        The link never appears in the group; a moderator who has not started a private chat
        with the bot is told to do so first.
        """
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        actor = await self._actor(update, context)
        if actor is None:
            return
        reply = await self._deps.app.dashboard_links.link(actor)
        t = Texts(await place_language(self._deps, actor.creator))
        if not isinstance(reply, Reply):
            await send(context.bot, chat.id, reply_text(reply, lang=t.lang))
            return
        if await send(context.bot, user.id, reply.text) is None:
            await send(context.bot, chat.id, t(NO_PRIVATE_CHAT))
            return
        await send(context.bot, chat.id, t(DASHBOARD_SENT))

    async def bind(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/bind <creator>: make this group the creator's moderator group (group admins).

        When the creator already has a Telegram moderator group, only an admin of one of
        those groups may bind another, so nobody can take over a creator's queue.
        """
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        bot = context.bot
        if chat.type == chat.PRIVATE:
            await send(bot, chat.id, "Use /bind <creator> in the group where your moderators work.")
            return
        creator = valid_creator(context.args[0] if context.args else None)
        if creator is None:
            await send(bot, chat.id, "usage: /bind <creator>")
            return
        if not await sender_is_admin(bot, chat, user, message):
            await send(bot, chat.id, "Only this group's admins can /bind it.")
            return
        venues = self._deps.app.venues
        others = [
            v
            for v in await venues.moderator_venues(PLATFORM, creator)
            if v.is_mod_venue and v.venue_id != str(chat.id)
        ]
        t = Texts(await place_language(self._deps, creator))  # the creator's, once known
        if others and not any([await is_chat_admin(bot, v.venue_id, user.id) for v in others]):
            await send(bot, chat.id, t(ALREADY_BOUND, creator=creator))
            return
        current = await venues.get(PLATFORM, str(chat.id))
        try:
            bound = await venues.bind(
                VenueConfig(
                    platform=PLATFORM,
                    venue_id=str(chat.id),
                    creator=creator,
                    mod_channel_id=str(chat.id),
                    is_mod_venue=True,
                    delete_reported=current.delete_reported if current else False,
                )
            )
        except UnknownCreator:
            await send(bot, chat.id, NO_SUCH_CREATOR.format(slug=creator, command="bind"))
            return
        log.info("telegram chat %s bound as moderator group of %s", chat.id, creator)
        if not bound.approved:
            await send(bot, chat.id, t(BOUND_PENDING, creator=creator, chat=chat.id))
            return
        link = deep_link(bot.username, creator)
        await send(bot, chat.id, t(BOUND, creator=creator, link=link))
