"""What moderators use besides the case buttons: ``/queue``, ``/escalate``, ``/agent``,
``/dashboard``, ``/synthetic`` and ``/reporters`` (all ephemeral)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.app_commands import locale_str as _T
from discord.ext import commands

from bots.discord.embeds import queue_embed
from bots.discord.escalation import send_preview
from bots.discord.replies import answer, reply_text
from bots.discord.translate import resolve_caller
from core.model import CaseStatus
from handlers import Problem, QueueListing
from handlers.i18n import N_

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

STATUS_CHOICES = [
    *(app_commands.Choice(name=locale_str(s.value), value=s.value) for s in CaseStatus),
    app_commands.Choice(name=locale_str("all"), value="all"),
]


NOT_AVAILABLE = Problem.of(N_("reporter decisions are not available here"))

ANSWER_CHOICES = [
    app_commands.Choice(name=locale_str("yes"), value="yes"),
    app_commands.Choice(name=locale_str("no"), value="no"),
]


#: what ``/reporters`` does: list a case's reporters (the default) or decide about one
REPORTER_ACTIONS = [
    app_commands.Choice(name=locale_str(action), value=action)
    for action in ("list", "suspend", "unsuspend", "trust", "untrust")
]


class ModeratorCommands(commands.Cog):
    """The queue and escalation; the core refuses anyone who is not a moderator."""

    def __init__(self, bot: LeakdeskBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=locale_str("queue"), description=_T("Moderators: the case queue (only you see it)")
    )
    @app_commands.describe(
        status=_T("Only cases in this state (default: open, claimed, confirmed)")
    )
    @app_commands.rename(status=locale_str("status"))
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.guild_only()
    async def queue(
        self, interaction: discord.Interaction, status: app_commands.Choice[str] | None = None
    ) -> None:
        """``/queue [status]``."""
        caller = await resolve_caller(self.bot, interaction)
        reply = await self.bot.app.handlers.queue(caller.actor, status.value if status else None)
        if isinstance(reply, QueueListing):
            await answer(interaction, embed=queue_embed(reply, caller.lang))
        else:
            await answer(interaction, reply_text(reply, lang=caller.lang))

    @app_commands.command(
        name=locale_str("escalate"),
        description=_T("Moderators: send removal requests for confirmed cases"),
    )
    @app_commands.describe(platform=_T("Only this platform's recipients, e.g. x, reddit, google"))
    @app_commands.rename(platform=locale_str("platform"))
    @app_commands.guild_only()
    async def escalate(
        self,
        interaction: discord.Interaction,
        platform: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        """``/escalate [platform]``: a private preview of recipients and URLs, then Confirm."""
        caller = await resolve_caller(self.bot, interaction)
        await send_preview(self.bot, interaction, caller, platform)

    @app_commands.command(
        name=locale_str("agent"),
        description=_T("Moderators: show or set who signs this creator's notices"),
    )
    @app_commands.describe(
        signer=_T("Who signs (the creator, or an agent they authorised)"),
        email=_T("Where platforms answer"),
        address=_T("Postal address (DMCA needs it)"),
        phone=_T("Phone (DMCA needs it)"),
        jurisdiction=_T("US, EU, UK, DE, … (the signer's)"),
        agent_of=_T("The depicted person's name when an agent signs"),
        authority=_T("The agent's statement of authority"),
        owns_content=_T("The creator owns the copyright (DMCA notices apply only then)"),
    )
    @app_commands.rename(
        signer=locale_str("signer"),
        email=locale_str("email"),
        address=locale_str("address"),
        phone=locale_str("phone"),
        jurisdiction=locale_str("jurisdiction"),
        agent_of=locale_str("agent_of"),
        authority=locale_str("authority"),
        owns_content=locale_str("owns_content"),
    )
    @app_commands.guild_only()
    async def agent(
        self,
        interaction: discord.Interaction,
        signer: app_commands.Range[str, 1, 200] | None = None,
        email: app_commands.Range[str, 3, 254] | None = None,
        address: app_commands.Range[str, 1, 500] | None = None,
        phone: app_commands.Range[str, 1, 50] | None = None,
        jurisdiction: app_commands.Range[str, 2, 8] | None = None,
        agent_of: app_commands.Range[str, 1, 200] | None = None,
        authority: app_commands.Range[str, 1, 1000] | None = None,
        owns_content: bool | None = None,
    ) -> None:
        """``/agent``: the agent of record; with options, change those fields."""
        caller = await resolve_caller(self.bot, interaction)
        values = {
            name: value
            for name, value in (
                ("signer", signer),
                ("email", email),
                ("address", address),
                ("phone", phone),
                ("jurisdiction", jurisdiction),
                ("agent_of", agent_of),
                ("authority", authority),
            )
            if value is not None
        }
        if owns_content is not None:
            values["owns_content"] = "yes" if owns_content else "no"
        agents = self.bot.app.agent_handlers
        reply = await (agents.set(caller.actor, values) if values else agents.show(caller.actor))
        await answer(interaction, reply_text(reply, lang=caller.lang))

    @app_commands.command(
        name=locale_str("dashboard"),
        description=_T("Moderators: a private sign-in link to the web dashboard"),
    )
    @app_commands.guild_only()
    async def dashboard(self, interaction: discord.Interaction) -> None:
        """``/dashboard``: a one-time link, shown only to the moderator who asked."""
        caller = await resolve_caller(self.bot, interaction)
        reply = await self.bot.app.dashboard_links.link(caller.actor)
        await answer(interaction, reply_text(reply, lang=caller.lang))

    @app_commands.command(
        name=locale_str("synthetic"),
        description=_T("Moderators: decide whether a case's material is AI-generated (a deepfake)"),
    )
    @app_commands.describe(
        case=_T("The case code, LD-…"),
        decision=_T("yes: notices use the deepfake wording and forms"),
    )
    @app_commands.rename(case=locale_str("case"), decision=locale_str("decision"))
    @app_commands.choices(decision=ANSWER_CHOICES)
    @app_commands.guild_only()
    async def synthetic(
        self,
        interaction: discord.Interaction,
        case: app_commands.Range[str, 1, 20],
        decision: app_commands.Choice[str],
    ) -> None:
        """``/synthetic LD-… yes|no`` (only the moderator who asked sees the answer; the
        case card is updated for everyone)."""
        caller = await resolve_caller(self.bot, interaction)
        reply = await self.bot.app.handlers.synthetic(caller.actor, case, decision.value)
        await answer(interaction, reply_text(reply, lang=caller.lang))

    @app_commands.command(
        name=locale_str("reporters"),
        description=_T("Moderators: who reported a case (pseudonyms only); suspend or trust them"),
    )
    @app_commands.describe(
        case=_T("The case code, LD-…"),
        action=_T("list (the default), or what to decide about the reporter"),
        reporter=_T("A pseudonym as the list shows it, or all (suspend only)"),
        reason=_T("Why (kept in the audit log; the reporter never sees it)"),
    )
    @app_commands.rename(
        case=locale_str("case"),
        action=locale_str("action"),
        reporter=locale_str("reporter"),
        reason=locale_str("reason"),
    )
    @app_commands.choices(action=REPORTER_ACTIONS)
    @app_commands.guild_only()
    async def reporters(
        self,
        interaction: discord.Interaction,
        case: app_commands.Range[str, 1, 20] | None = None,
        action: app_commands.Choice[str] | None = None,
        reporter: app_commands.Range[str, 1, 60] | None = None,
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """``/reporters case:LD-…`` lists the case's named reporters; ``action`` suspends
        (``case`` and ``reporter``: a pseudonym or all), unsuspends, trusts or untrusts one."""
        caller = await resolve_caller(self.bot, interaction)
        chosen = action.value if action else "list"
        handlers = self.bot.app.handlers.reporters
        if handlers is None:
            await answer(interaction, reply_text(NOT_AVAILABLE, lang=caller.lang))
            return
        reply = await handlers.run(
            caller.actor,
            "reporters" if chosen == "list" else chosen,
            case,
            reporter,
            reason or "",
        )
        await answer(interaction, reply_text(reply, lang=caller.lang))

    @escalate.autocomplete("platform")
    async def platform_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Registered platforms whose id or name contains what was typed."""
        typed = current.strip().lower()
        found = [
            app_commands.Choice(name=p.name, value=p.id)
            for p in self.bot.registry.platforms
            if typed in p.id or typed in p.name.lower()
        ]
        return found[:25]
