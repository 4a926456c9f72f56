"""A second moderator approves a held bulk send from a chat (``LEAKDESK_ESCALATION_APPROVALS=2``).

The same core path as ``leakdesk escalations approve``: :meth:`SqlEscalationStore.approve`
refuses the moderator who asked for the send and writes an audit row naming both; then the
mails are sent when a mail server is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from core.errors import NotPermitted
from core.escalation.outbox import DrainResult
from core.model import Actor
from core.ports import CreatorLanguages
from handlers.escalation import MailSender, creator_language, mail_line
from handlers.handlers import replies_on_error
from handlers.i18n import N_, SOURCE, Texts
from handlers.messages import Problem, Reply
from handlers.render import render_text

log = logging.getLogger(__name__)


class Approvals(Protocol):
    """Held batches (:class:`db.escalations.SqlEscalationStore`)."""

    async def approve(self, batch: str, approver: str) -> int:
        """Release ``batch``; raises when ``approver`` asked for the send."""
        ...


class Batches(Protocol):
    """Whose a batch is (:class:`db.approvals.SqlBatches`)."""

    async def creators(self, batch: str) -> set[str]:
        """The creators the batch's mails are about."""
        ...


@dataclass(frozen=True)
class SendApproved:
    """A held send was approved and released (and sent, when a mail server is set)."""

    batch: str
    approver: str
    mails: int
    sent: DrainResult | None = None
    #: the creator's language (None: the reader's)
    lang: str | None = None


ApprovalReply = SendApproved | Reply | Problem


class ApprovalHandlers:
    """Approve held sends of the moderator's own creator."""

    def __init__(
        self,
        approvals: Approvals,
        batches: Batches,
        mail_sender: Callable[[], MailSender | None] = lambda: None,
        languages: CreatorLanguages | None = None,
    ) -> None:
        """``languages``: each creator's language, which their moderators' replies use."""
        self._languages = languages
        self._approvals = approvals
        self._batches = batches
        self._mail_sender = mail_sender

    def use_mail_sender(self, mail_sender: Callable[[], MailSender | None]) -> None:
        """Send released mails through what ``mail_sender`` returns (None: leave them queued)."""
        self._mail_sender = mail_sender

    @replies_on_error
    async def approve(self, actor: Actor, batch: str) -> ApprovalReply:
        """Approve ``batch`` as ``actor`` (not the moderator who asked for it)."""
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can approve a send")
        creators = await self._batches.creators(batch)
        lang = await creator_language(self._languages, actor.creator)
        if not creators:
            gone = Problem.of(N_("That send is no longer waiting for approval."), "not_found")
            return replace(gone, lang=lang)
        if creators != {actor.creator}:
            raise NotPermitted("this send belongs to another creator")
        try:
            count = await self._approvals.approve(batch, actor.label)
        except NotPermitted:
            own = Problem.of(
                N_("You asked for this send: a second moderator must approve it."), "conflict"
            )
            return replace(own, lang=lang)
        sender = self._mail_sender()
        sent = await sender.drain() if sender is not None else None
        log.info("batch %s approved by %s (%d mail(s))", batch, actor.label, count)
        return SendApproved(batch, actor.display or actor.label, count, sent, lang)


#: who presses Approve: "moderator" in a Discord channel, "admin" in a Telegram group
_ANOTHER = {
    "moderator": N_("Another moderator presses Approve to send them."),
    "admin": N_("Another admin presses Approve to send them."),
}


def approval_request_text(
    creator: str, requester: str, mails: int, lang: str | None, approver: str = "moderator"
) -> str:
    """The request for a second moderator's approval, in the creator's language (counts only,
    never a link); ``approver`` names who presses Approve (``moderator`` or ``admin``)."""
    t = Texts(lang)
    first = t.plural(
        "Approval needed: %(requester)s escalated %(creator)s's cases and %(n)s notice mail(s) "
        "wait for a second moderator.",
        "Approval needed: %(requester)s escalated %(creator)s's cases and %(n)s notice mail(s) "
        "wait for a second moderator.",
        mails,
        requester=requester,
        creator=creator,
    )
    return f"{first} {t(_ANOTHER[approver])}"


@render_text.register
def _(reply: SendApproved, lang: str = SOURCE) -> str:
    t = Texts(reply.lang or lang)
    line = t.plural(
        "Approved by %(approver)s: %(n)s mail(s) released.",
        "Approved by %(approver)s: %(n)s mail(s) released.",
        reply.mails,
        approver=reply.approver,
    )
    if reply.sent is not None:
        return f"{line} {mail_line(t, reply.sent)}"
    return f"{line} " + t("They go out with the next mail run (no mail server set here).")
