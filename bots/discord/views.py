"""Moderator buttons on a case card; they survive restarts (``DynamicItem``, ids ``ld:case:…``)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, cast

import discord

from bots.discord.embeds import case_embed
from bots.discord.escalation import send_preview
from bots.discord.persistent_button import ModeratorButton
from bots.discord.replies import SOMETHING_WENT_WRONG, answer, answer_safely, reply_text
from bots.discord.translate import Caller
from core.escalation.service import ESCALATABLE
from core.model import CaseStatus, CaseView
from core.moderation import TRANSITIONS
from handlers import CaseUpdated
from handlers.i18n import N_, SOURCE, Texts, negotiate
from handlers.moderator_buttons import SYNTHETIC_DECISIONS, case_label, offers_synthetic

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

#: the four case buttons on the first row (labels: :mod:`handlers.moderator_buttons`)
BUTTONS: dict[str, discord.ButtonStyle] = {
    "claim": discord.ButtonStyle.primary,
    "confirm": discord.ButtonStyle.success,
    "dismiss": discord.ButtonStyle.danger,
    "escalate": discord.ButtonStyle.secondary,
}
#: the "AI-generated?" decision on a second row, when the case has provenance evidence
SYNTHETIC_BUTTONS: dict[str, discord.ButtonStyle] = {
    "synthetic_yes": discord.ButtonStyle.secondary,
    "synthetic_no": discord.ButtonStyle.secondary,
}
NO_SUCH_CASE = N_("That case no longer exists.")
NOT_ESCALATED = N_("Case %(code)s is %(status)s: not escalated.")
NOW = N_("Case %(code)s is now %(status)s.")


def enabled(action: str, status: CaseStatus) -> bool:
    """Whether a button makes sense in a state (the core still has the last word)."""
    if action == "escalate":
        return status in ESCALATABLE
    if action in SYNTHETIC_DECISIONS:
        return status is not CaseStatus.MERGED
    return status in TRANSITIONS[action][0]


class CaseButton(
    ModeratorButton,
    template=(
        r"ld:case:(?P<action>claim|confirm|dismiss|escalate|synthetic_yes|synthetic_no)"
        r":(?P<case_id>[0-9]{1,19})"
    ),
):
    """Claim / Confirm / Dismiss / Escalate (and AI-generated: yes / no) for one case, labelled
    in ``lang``; only moderators may press."""

    log_name = "case button"

    def __init__(
        self, action: str, case_id: int, *, disabled: bool = False, lang: str = SOURCE
    ) -> None:
        super().__init__(
            case_label(action, lang),
            BUTTONS.get(action) or SYNTHETIC_BUTTONS[action],
            disabled=disabled,
            row=1 if action in SYNTHETIC_BUTTONS else 0,
            action=action,
            case_id=case_id,
        )
        self.action = action
        self.case_id = case_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CaseButton:
        """Rebuild the button from its id (after a restart too)."""
        return cls(match["action"], int(match["case_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Apply the action through the handlers and update the card in place."""
        bot = cast("LeakdeskBot", interaction.client)
        assert self.caller is not None
        try:
            await press(bot, interaction, self.caller, self.action, self.case_id)
        except Exception:
            log.exception("case button %s failed", self.custom_id)
            await answer_safely(interaction, Texts(self.caller.lang)(SOMETHING_WENT_WRONG))


def case_view(case: CaseView, lang: str = SOURCE) -> discord.ui.View:
    """The moderator buttons for a case in ``lang`` (the creator's language), disabled where
    the state does not allow them; "AI-generated: yes / no" when there is provenance evidence."""
    view = discord.ui.View(timeout=None)
    actions = [*BUTTONS, *(SYNTHETIC_BUTTONS if offers_synthetic(case) else ())]
    for action in actions:
        disabled = not enabled(action, case.status)
        view.add_item(CaseButton(action, case.id, disabled=disabled, lang=lang))
    return view


async def creator_language(bot: LeakdeskBot, creator: str) -> str:
    """The language of a creator's moderator places (their default, else English)."""
    return negotiate(await bot.app.creators.language(creator))


async def show_case(interaction: discord.Interaction, case: CaseView) -> None:
    """Edit the card the moderator pressed on (or answer privately when there is none)."""
    bot = cast("LeakdeskBot", interaction.client)
    lang = await creator_language(bot, case.creator)
    if interaction.message is None:
        t = Texts(lang)
        await answer(interaction, t(NOW, code=case.code, status=case.status.value))
        return
    await interaction.response.edit_message(
        embed=case_embed(case, lang), view=case_view(case, lang)
    )


async def press(
    bot: LeakdeskBot, interaction: discord.Interaction, caller: Caller, action: str, case_id: int
) -> None:
    """Carry out one case button for a moderator."""
    case = await bot.app.cases.get_case_by_id(case_id)
    if case is None or case.creator != caller.actor.creator:
        await answer(interaction, Texts(caller.lang)(NO_SUCH_CASE))
        return
    lang = await creator_language(bot, case.creator)  # what follows a card speaks as it does
    if action == "dismiss":
        await interaction.response.send_modal(DismissModal(caller, case, lang))
        return
    if action == "escalate":
        if case.status not in ESCALATABLE:
            t = Texts(lang)
            await answer(interaction, t(NOT_ESCALATED, code=case.code, status=case.status.value))
            return
        await send_preview(bot, interaction, caller, case.platform)
        return
    if action in SYNTHETIC_DECISIONS:  # the same core path as /synthetic LD-… yes|no
        reply = await bot.app.handlers.synthetic(
            caller.actor, case.code, SYNTHETIC_DECISIONS[action]
        )
    else:
        reply = await bot.app.handlers.act(caller.actor, action, case.code)
    if isinstance(reply, CaseUpdated):
        log.info("case %s: %s by a moderator", reply.case.code, action)
        await show_case(interaction, reply.case)
    else:
        await answer(interaction, reply_text(reply, lang=lang))


REASON = N_("Reason")
REASON_EXAMPLES = N_("e.g. not the creator, already removed, not intimate imagery")
DISMISS_TITLE = N_("Dismiss case %(code)s")


class DismissModal(discord.ui.Modal):
    """Asks the moderator why a case is dismissed (the reason goes to the audit log)."""

    def __init__(self, caller: Caller, case: CaseView, lang: str = SOURCE) -> None:
        t = Texts(lang)
        super().__init__(
            title=t(DISMISS_TITLE, code=case.code), timeout=600, custom_id=f"ld:dismiss:{case.id}"
        )
        self.reason: discord.ui.TextInput[DismissModal] = discord.ui.TextInput(
            label=t(REASON),
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            max_length=500,
            placeholder=t(REASON_EXAMPLES),
        )
        self.add_item(self.reason)
        self.caller = caller
        self.case = case
        self.lang = lang

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
            await answer(interaction, reply_text(reply, lang=self.lang))

    async def on_error(  # type: ignore[override]  # discord.py's Modal signature
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        """Log and apologise; never show a traceback."""
        log.error("dismiss modal for case %s failed", self.case.code, exc_info=error)
        await answer_safely(interaction, Texts(self.lang)(SOMETHING_WENT_WRONG))
