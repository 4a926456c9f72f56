"""The Discord bot: built with its dependencies, wired in ``setup_hook``, connected by ``run``."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord
from discord.ext import commands

from bots.bootstrap import App, build_app
from bots.discord.alerts import AdminAlerts
from bots.discord.announcer import Announcer
from bots.discord.approval import ApproveButton
from bots.discord.dm import handle_dm
from bots.discord.escalation import CancelButton, ConfirmButton, MarkSentButton
from bots.discord.fan_commands import FanCommands
from bots.discord.localization import CatalogTranslator
from bots.discord.moderator_alerts import ModeratorAlertLoop
from bots.discord.moderator_commands import ModeratorCommands
from bots.discord.replies import SOMETHING_WENT_WRONG
from bots.discord.setup_command import LeakdeskGroup
from bots.discord.tree import LeakdeskTree
from bots.discord.views import CaseButton
from bots.discord.watch import NoticeDelivery, WatchButton
from core.settings import Settings
from core.urls import Registry, default_registry

log = logging.getLogger(__name__)


def bot_intents() -> discord.Intents:
    """The minimum: guilds (channels, roles, our own member) and DMs; nothing privileged.

    Slash commands, the message menu and buttons arrive as interactions, which need no
    intent; Discord sends a DM's content without ``message_content`` (see docs/discord.md).
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.dm_messages = True
    return intents


class LeakdeskBot(commands.AutoShardedBot):
    """leakdesk on Discord; pass the :class:`App` in, or let ``setup_hook`` build it."""

    def __init__(self, settings: Settings, app: App | None = None, **options: Any) -> None:
        options.setdefault("intents", bot_intents())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=LeakdeskTree,
            **options,
        )
        self.settings = settings
        self._app = app
        self._owns_app = app is None
        self.registry: Registry = default_registry(
            settings.platforms_file, settings.fetch_allow_networks
        )
        self.alerts = AdminAlerts(self)
        self.announcer = Announcer(self)
        self.notices = NoticeDelivery(self)
        self.moderator_alerts = ModeratorAlertLoop(self)

    @property
    def app(self) -> App:
        """The wired application (available from ``setup_hook`` on)."""
        if self._app is None:
            raise RuntimeError("the leakdesk app is built in setup_hook")
        return self._app

    async def setup_hook(self) -> None:
        """Build the app if needed, register commands and persistent buttons, sync the tree."""
        if self._app is None:
            self._app = await build_app(self.settings)
        self.app.start_background()  # idempotent: the runner may have started it
        await self.tree.set_translator(CatalogTranslator())  # localised commands (issue 14)
        await self.add_cog(FanCommands(self))
        await self.add_cog(ModeratorCommands(self))
        self.tree.add_command(LeakdeskGroup(self))
        self.add_dynamic_items(CaseButton, MarkSentButton, WatchButton)
        self.add_dynamic_items(ConfirmButton, CancelButton, ApproveButton)  # issue 10
        self.app.events.subscribe(self.announcer.on_case_changed)
        await self.tree.sync()
        self.notices.start()  # reporters' removal notices (issue 10)
        self.moderator_alerts.start()  # overdue escalations, daily digest (issue 10)

    async def on_ready(self) -> None:
        """Log the connection (ids only)."""
        user_id = self.user.id if self.user else "?"
        log.info("connected as %s in %d server(s)", user_id, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """Only DMs are read (guild messages are not even received: no intent)."""
        if message.guild is not None or message.author.bot:
            return
        try:
            await handle_dm(self, message)
        except Exception:
            log.exception("dm %s could not be handled", message.id)
            with contextlib.suppress(discord.HTTPException):
                await message.channel.send(SOMETHING_WENT_WRONG)

    async def close(self) -> None:
        """Stop announcing, disconnect, and close the app if this bot built it."""
        self.announcer.stop()
        await self.notices.stop()
        await self.moderator_alerts.stop()
        await super().close()
        if self._owns_app and self._app is not None:
            await self._app.close()


def create_bot(settings: Settings, app: App | None = None, **options: Any) -> LeakdeskBot:
    """The fully configured bot, not connected (``options`` go to discord.py, e.g. shard_count)."""
    return LeakdeskBot(settings, app, **options)
