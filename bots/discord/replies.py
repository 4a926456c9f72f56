"""Words for neutral replies, and one way to answer an interaction privately.

Every :class:`handlers.Problem` a Discord user sees is worded by :func:`reply_text`; every
interaction answer goes through :func:`answer`, which is always ephemeral.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import discord

from handlers import Problem, ReplyType, ReportReceived, render_text
from handlers.i18n import N_, SOURCE, Texts
from handlers.render import sent_to_line

log = logging.getLogger(__name__)

NOT_MODERATOR = N_(
    "Sorry, only this server's leakdesk moderators can do that. "
    "If you are one, ask an admin to give you the moderator role."
)
SOMETHING_WENT_WRONG = N_("Sorry, something went wrong on our side. Please try again in a moment.")


def problem_text(problem: Problem, lang: str = SOURCE) -> str:
    """A short, friendly sentence for a refusal from the core."""
    t = Texts(lang)
    if problem.kind == "rate_limited" and problem.scope not in (None, "reporter"):
        return render_text(problem, lang)  # the server, the creator or everyone is over a limit
    if problem.kind == "rate_limited":
        if problem.retry_after:
            return t(
                "Slow down a little: you sent many reports in a short time. Nothing from this "
                "last one was recorded; please try again in about %(seconds)s s.",
                seconds=t.number(math.ceil(problem.retry_after)),
            )
        return t(
            "Slow down a little: you sent many reports in a short time. Nothing from this "
            "last one was recorded; please try again in a little while."
        )
    if problem.kind == "not_permitted":
        return t(NOT_MODERATOR)
    return render_text(problem, lang)


def reply_text(
    reply: ReplyType, extra: str = "", *, creator_name: str = "", lang: str = SOURCE
) -> str:
    """Plain text for a fan in ``lang`` (never contains the reported link) plus an optional
    extra line; a received report also names the creator whose moderators got it."""
    text = problem_text(reply, lang) if isinstance(reply, Problem) else render_text(reply, lang)
    if extra:
        text = f"{text}\n{extra}"
    if isinstance(reply, ReportReceived) and reply.reached_moderators and creator_name:
        text = f"{text}\n{sent_to_line(creator_name, lang)}"
    return text


def fully_recorded(reply: ReplyType, skipped: Sequence[str]) -> bool:
    """Every link and file of a message was recorded: none refused, failed or skipped.

    Only then may a reported message be deleted; otherwise it is the only evidence.
    """
    return (
        isinstance(reply, ReportReceived)
        and bool(reply.outcomes)
        and not reply.rejected
        and not skipped
        and not any(o.link is None and o.media_error for o in reply.outcomes)
    )


async def answer(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Answer privately, whether or not the interaction was already deferred or answered."""
    embeds = [embed] if embed is not None else []
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    response = interaction.response
    if not response.is_done():
        await response.send_message(content, embeds=embeds, ephemeral=True, **extra)
    elif response.type is discord.InteractionResponseType.deferred_channel_message:
        await interaction.edit_original_response(content=content, embeds=embeds, **extra)
    else:
        await interaction.followup.send(content or "", embeds=embeds, ephemeral=True, **extra)


async def answer_safely(interaction: discord.Interaction, content: str) -> None:
    """Like :func:`answer`, but a Discord error is only logged (used on error paths)."""
    try:
        await answer(interaction, content)
    except discord.HTTPException as err:
        log.warning("could not answer interaction %s: %s", interaction.id, type(err).__name__)
