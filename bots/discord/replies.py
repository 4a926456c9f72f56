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
from handlers.render import sent_to_line

log = logging.getLogger(__name__)

NOT_MODERATOR = (
    "Sorry, only this server's leakdesk moderators can do that. "
    "If you are one, ask an admin to give you the moderator role."
)
SOMETHING_WENT_WRONG = "Sorry, something went wrong on our side. Please try again in a moment."


def problem_text(problem: Problem) -> str:
    """A short, friendly sentence for a refusal from the core."""
    if problem.kind == "rate_limited" and problem.scope not in (None, "reporter"):
        return render_text(problem)  # the server, the creator or everyone is over a limit
    if problem.kind == "rate_limited":
        wait = (
            f"in about {math.ceil(problem.retry_after)} s"
            if problem.retry_after
            else "in a little while"
        )
        return (
            "Slow down a little: you sent many reports in a short time. "
            f"Nothing from this last one was recorded; please try again {wait}."
        )
    if problem.kind == "not_permitted":
        return NOT_MODERATOR
    return render_text(problem)


def reply_text(reply: ReplyType, extra: str = "", *, creator_name: str = "") -> str:
    """Plain text for a fan (never contains the reported link) plus an optional extra line;
    a received report also names the creator whose moderators got it."""
    text = problem_text(reply) if isinstance(reply, Problem) else render_text(reply)
    if extra:
        text = f"{text}\n{extra}"
    if isinstance(reply, ReportReceived) and creator_name:
        text = f"{text}\n{sent_to_line(creator_name)}"
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
