"""Moderator buttons on a case card; they survive restarts (``DynamicItem``, ids ``ld:case:…``)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bots.discord.embeds import case_embed
from bots.discord.escalation import send_preview
from bots.discord.replies import (
    NOT_MODERATOR,
    SOMETHING_WENT_WRONG,
    answer,
    answer_safely,
    reply_text,
)
from bots.discord.translate import Caller, resolve_caller
from core.escalation.service import ESCALATABLE
from core.model import CaseStatus, CaseView
from core.moderation import TRANSITIONS
from handlers import CaseUpdated
from handlers.i18n import negotiate

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

BUTTONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "claim": ("Claim", discord.ButtonStyle.primary),
    "confirm": ("Confirm", discord.ButtonStyle.success),
    "dismiss": ("Dismiss", discord.ButtonStyle.danger),
    "escalate": ("Escalate", discord.ButtonStyle.secondary),
}


def custom_id(action: str, case_id: int) -> str:
    """The persistent id of a case button, e.g. ``ld:case:confirm:42``."""
    return f"ld:case:{action}:{case_id}"


def enabled(action: str, status: CaseStatus) -> bool:
    """Whether a button makes sense in a state (the core still has the last word)."""
    if action == "escalate":
        return status in ESCALATABLE
    return status in TRANSITIONS[action][0]


class CaseButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"ld:case:(?P<action>claim|confirm|dismiss|escalate):(?P<case_id>[0-9]{1,19})",
):
    """Claim / Confirm / Dismiss / Escalate for one case; only moderators may press."""

    def __init__(self, action: str, case_id: int, *, disabled: bool = False) -> None:
        label, style = BUTTONS[action]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=custom_id(action, case_id), disabled=disabled
            )
        )
        self.action = action
        self.case_id = case_id
        self.caller: Caller | None = None

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CaseButton:
        """Rebuild the button from its id (after a restart too)."""
        return cls(match["action"], int(match["case_id"]))

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse non-moderators politely; remember the moderator for the callback."""
        try:
            caller = await resolve_caller(cast("LeakdeskBot", interaction.client), interaction)
        except Exception:
            log.exception("case button %s: could not identify the member", self.custom_id)
            await answer_safely(interaction, SOMETHING_WENT_WRONG)
            return False
        if not caller.actor.is_moderator:
            log.info("refused case button %s for a non-moderator", self.custom_id)
            await answer(interaction, NOT_MODERATOR)
            return False
        self.caller = caller
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        """Apply the action through the handlers and update the card in place."""
        bot = cast("LeakdeskBot", interaction.client)
        assert self.caller is not None
        try:
            await press(bot, interaction, self.caller, self.action, self.case_id)
        except Exception:
            log.exception("case button %s failed", self.custom_id)
            await answer_safely(interaction, SOMETHING_WENT_WRONG)


def case_view(case: CaseView) -> discord.ui.View:
    """The four moderator buttons for a case, disabled where the state does not allow them."""
    view = discord.ui.View(timeout=None)
    for action in BUTTONS:
        view.add_item(CaseButton(action, case.id, disabled=not enabled(action, case.status)))
    return view


async def show_case(interaction: discord.Interaction, case: CaseView) -> None:
    """Edit the card the moderator pressed on (or answer privately when there is none)."""
    if interaction.message is None:
        await answer(interaction, f"Case {case.code} is now {case.status.value}.")
        return
    bot = cast("LeakdeskBot", interaction.client)
    lang = negotiate(await bot.app.creators.language(case.creator))
    await interaction.response.edit_message(embed=case_embed(case, lang), view=case_view(case))


async def press(
    bot: LeakdeskBot, interaction: discord.Interaction, caller: Caller, action: str, case_id: int
) -> None:
    """Carry out one case button for a moderator."""
    case = await bot.app.cases.get_case_by_id(case_id)
    if case is None or case.creator != caller.actor.creator:
        await answer(interaction, "That case no longer exists.")
        return
    if action == "dismiss":
        await interaction.response.send_modal(DismissModal(caller, case))
        return
    if action == "escalate":
        if case.status not in ESCALATABLE:
            await answer(interaction, f"Case {case.code} is {case.status.value}: not escalated.")
            return
        await send_preview(bot, interaction, caller, case.platform)
        return
    reply = await bot.app.handlers.act(caller.actor, action, case.code)
    if isinstance(reply, CaseUpdated):
        log.info("case %s: %s by a moderator", reply.case.code, action)
        await show_case(interaction, reply.case)
    else:
        await answer(interaction, reply_text(reply))


class DismissModal(discord.ui.Modal):
    """Asks the moderator why a case is dismissed (the reason goes to the audit log)."""

    reason: discord.ui.TextInput[DismissModal] = discord.ui.TextInput(
        label="Reason",
        custom_id="reason",
        style=discord.TextStyle.paragraph,
        max_length=500,
        placeholder="e.g. not the creator, already removed, not intimate imagery",
    )

    def __init__(self, caller: Caller, case: CaseView) -> None:
        super().__init__(
            title=f"Dismiss case {case.code}", timeout=600, custom_id=f"ld:dismiss:{case.id}"
        )
        self.caller = caller
        self.case = case

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Dismiss with the given reason and update the card."""
        bot = cast("LeakdeskBot", interaction.client)
        reply = await bot.app.handlers.act(
            self.caller.actor, "dismiss", self.case.code, self.reason.value
        )
        if isinstance(reply, CaseUpdated):
            log.info("case %s: dismiss by a moderator", reply.case.code)
            await show_case(interaction, reply.case)
        else:
            await answer(interaction, reply_text(reply))

    async def on_error(  # type: ignore[override]  # discord.py's Modal signature
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        """Log and apologise; never show a traceback."""
        log.error("dismiss modal for case %s failed", self.case.code, exc_info=error)
        await answer_safely(interaction, SOMETHING_WENT_WRONG)
