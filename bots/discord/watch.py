"""Reporters' removal notices in Discord: the "Tell me when it's down" button after a report,
and delivery of queued notices by DM (a ``tasks.loop`` drains the chat outbox).

Translation only: :mod:`handlers.watch` decides, :mod:`core.notify.outbox` sends once.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, cast

import discord
from discord.ext import tasks

from bots.discord.card_cleanup import card_deleter
from bots.discord.persistent_button import PersistentButton
from bots.discord.replies import SOMETHING_WENT_WRONG, answer, answer_safely, reply_text
from bots.discord.translate import PLATFORM, interaction_language, reporter_ref
from core.model import Actor
from core.notify.card_cleanup import delete_purged_cards
from core.notify.outbox import ChatNoticeSender, Undeliverable
from core.notify.periodic import JobGate
from handlers.i18n import N_, SOURCE, Texts
from handlers.messages import ReplyType

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)


class WatchButton(PersistentButton, template=r"ld:watch:(?P<report>[0-9]{1,19})"):
    """Tell me when it's down; survives restarts (the id names the report)."""

    def __init__(self, report_id: int) -> None:
        super().__init__(
            N_("Tell me when it's down"), discord.ButtonStyle.primary, report=report_id
        )
        self.report_id = report_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> WatchButton:
        """Rebuild the button from its id."""
        return cls(int(match["report"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Keep the presser's id until the report's cases are down (the core checks it is
        their own, non-anonymous report)."""
        bot = cast("LeakdeskBot", interaction.client)
        try:
            lang = interaction_language(interaction)
            actor = Actor(reporter_ref(interaction.user))
            reply = await bot.app.watch_handlers.opt_in(actor, self.report_id, lang)
            await answer(interaction, reply_text(reply, lang=lang))
        except Exception:
            log.exception("removal notice request failed")
            await answer_safely(
                interaction, Texts(interaction_language(interaction))(SOMETHING_WENT_WRONG)
            )


def with_offer(
    bot: LeakdeskBot, reply: ReplyType, text: str, lang: str = SOURCE
) -> tuple[str, discord.ui.View | None]:
    """``text`` with the question, and its button, when ``reply`` is a report worth following
    (asked once: on the answer to the report itself); worded in ``lang``."""
    offer = bot.app.watch_handlers.offer(reply)
    if offer is None:
        return text, None
    t = Texts(lang)
    view = discord.ui.View(timeout=None)
    button = WatchButton(offer.report_id)
    button.item.label = t(N_("Tell me when it's down"))
    view.add_item(button)
    return f"{text}\n\n{t(offer.text)}", view


class NoticeDelivery:
    """Sends this platform's queued removal notices by DM, every ``chat_notice_seconds``."""

    def __init__(self, bot: LeakdeskBot) -> None:
        self._bot = bot
        self._loop = tasks.loop(seconds=bot.settings.chat_notice_seconds)(self.drain_once)
        self._gate = JobGate()

    def sender(self) -> ChatNoticeSender:
        """The outbox sender that delivers through this bot."""
        return ChatNoticeSender(self._bot.app.chat_notices, PLATFORM, self.deliver)

    async def deliver(self, user_id: str, text: str) -> None:
        """DM ``text``; a user who cannot be reached for good is :class:`Undeliverable`."""
        try:
            user = self._bot.get_user(int(user_id)) or await self._bot.fetch_user(int(user_id))
            await user.send(text)
        except (discord.Forbidden, discord.NotFound) as err:
            raise Undeliverable(type(err).__name__) from err

    async def drain_once(self) -> None:
        """One pass over the outbox (errors are logged; the loop goes on)."""
        async with self._gate.running():
            try:
                await self.sender().drain()
            except Exception:
                log.exception("removal notices: drain failed")
            if self._bot.app.purged_posts is not None:
                try:
                    await self._bot.app.drop_purged_media()
                    await delete_purged_cards(
                        self._bot.app.purged_posts, PLATFORM, card_deleter(self._bot)
                    )
                except Exception:
                    log.exception("purged cards: pass failed")

    def start(self) -> None:
        """Start the periodic drain (idempotent)."""
        if not self._loop.is_running():
            self._loop.start()

    async def stop(self) -> None:
        """Stop the periodic drain; a pass under way ends first (a notice sent is recorded)."""
        await self._gate.settle()
        self._loop.cancel()
