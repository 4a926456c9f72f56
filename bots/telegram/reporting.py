"""Turn one Telegram message (its links, pictures and forward source) into a report."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Bot, Message, Update

from bots.telegram.deps import Deps
from bots.telegram.render import reply_text
from bots.telegram.translate import (
    PLATFORM,
    download_images,
    forward_link,
    image_refs,
    links_in,
    submission_id,
)
from core.model import Actor, Origin
from handlers import IncomingMessage, Problem, ReplyType, ReportReceived
from handlers.i18n import N_, SOURCE
from handlers.render import sent_to_line

NOTHING_TO_REPORT = N_("I found no link or picture in that message")
HIDDEN_FORWARD = N_(
    "I can't tell where this forwarded post lives (a private chat or a hidden sender); "
    "send its link or a screenshot instead"
)


@dataclass(frozen=True)
class Submitted:
    """The neutral reply to a report, the links it carried and pictures left out."""

    reply: ReplyType
    links: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: display name of the creator whose moderators got the report
    creator_name: str = ""

    @property
    def fully_recorded(self) -> bool:
        """Every link and picture of the message was recorded: none refused, failed or skipped.

        Only then may the reported message be deleted; otherwise it is the only evidence.
        """
        return (
            isinstance(self.reply, ReportReceived)
            and bool(self.reply.outcomes)
            and not self.reply.rejected
            and not self.skipped
            and not any(o.link is None and o.media_error for o in self.reply.outcomes)
        )

    def text(self, lang: str = SOURCE) -> str:
        """The fan's answer in ``lang``: the rendered reply, pictures left out, and where it
        went."""
        text = reply_text(self.reply, self.skipped, lang)
        if (
            isinstance(self.reply, ReportReceived)
            and self.reply.reached_moderators
            and self.creator_name
        ):
            text += "\n" + sent_to_line(self.creator_name, lang)
        return text


def place_of(update: Update) -> str | None:
    """The group a report is made in (``telegram:<chat id>``), for its rate window; None in a
    private chat (only the creator's and the global windows count it)."""
    chat = update.effective_chat
    if chat is None or chat.type == chat.PRIVATE:
        return None
    return f"{PLATFORM}:{chat.id}"


def has_reportable(message: Message) -> bool:
    """Whether a private message is a report: links, a picture, or a forwarded post."""
    return bool(links_in(message) or image_refs(message) or message.forward_origin)


async def submit(
    deps: Deps,
    bot: Bot,
    update: Update,
    target: Message,
    actor: Actor,
    origin: Origin,
    *,
    note: str = "",
    anonymous: bool = False,
) -> Submitted:
    """Report every link and picture of ``target`` through ``app.handlers``."""
    links = links_in(target)
    downloaded = await download_images(bot, image_refs(target))
    if not links and not downloaded.attachments:
        if downloaded.skipped:
            reason = downloaded.skipped[0]
        elif target.forward_origin and not forward_link(target):
            reason = HIDDEN_FORWARD
        else:
            reason = NOTHING_TO_REPORT
        return Submitted(Problem(reason), links)
    message = IncomingMessage(
        actor=actor,
        attachments=downloaded.attachments,
        origin=origin,
        note=note,
        anonymous=anonymous,
        submission_id=submission_id(bot.id, update),
        place=place_of(update),
    )
    reply = await deps.app.handlers.report(message, links)
    received = isinstance(reply, ReportReceived)
    name = await deps.app.creators.display_name(actor.creator) if received else ""
    return Submitted(reply, links, downloaded.skipped, name)
