"""Direct messages to the bot: links and pictures are reports, ``/status`` etc. work as text."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bots.discord.replies import reply_text
from bots.discord.translate import dm_actor, read_attachments, skipped_note, submission_id
from bots.discord.watch import with_offer
from core.model import Origin
from handlers import IncomingMessage, ReportReceived
from handlers.i18n import negotiate

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)


async def handle_dm(bot: LeakdeskBot, message: discord.Message) -> None:
    """Translate a DM into a neutral message, let the handlers route it, answer in the DM."""
    attachments, skipped = await read_attachments(message.attachments, bot.settings.fetch_max_bytes)
    incoming = IncomingMessage(
        actor=dm_actor(bot, message.author),
        text=message.content,
        attachments=attachments,
        origin=Origin.DM,
        submission_id=submission_id(
            bot.application_id, message.channel.id, message.author.id, message.id
        ),
    )
    lang = negotiate(getattr(message.author, "locale", None) or None)  # unknown in DMs: English
    reply = await bot.app.handlers.dispatch(incoming)
    name = ""
    if isinstance(reply, ReportReceived):
        log.info("report via dm: %s", ", ".join(o.case_code for o in reply.outcomes))
        name = await bot.app.creators.display_name(incoming.actor.creator)
    try:
        text, view = with_offer(
            bot,
            reply,
            reply_text(reply, skipped_note(skipped, lang), creator_name=name, lang=lang),
            lang,
        )
        await message.channel.send(text, view=view or discord.utils.MISSING)
    except discord.HTTPException as err:
        log.warning("could not answer dm %s: %s", message.id, type(err).__name__)
