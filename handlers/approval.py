"""A second moderator approves a held bulk send from a chat (``LEAKDESK_ESCALATION_APPROVALS=2``).

The same core path as ``leakdesk escalations approve``: :meth:`SqlEscalationStore.approve`
refuses the moderator who asked for the send and writes an audit row naming both; then the
mails are sent when a mail server is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.errors import NotPermitted
from core.escalation.outbox import DrainResult
from core.model import Actor
from handlers.escalation import MailSender
from handlers.handlers import replies_on_error
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


ApprovalReply = SendApproved | Reply | Problem


class ApprovalHandlers:
    """Approve held sends of the moderator's own creator."""

    def __init__(
        self,
        approvals: Approvals,
        batches: Batches,
        mail_sender: Callable[[], MailSender | None] = lambda: None,
    ) -> None:
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
        if not creators:
            return Problem("That send is no longer waiting for approval.", "not_found")
        if creators != {actor.creator}:
            raise NotPermitted("this send belongs to another creator")
        try:
            count = await self._approvals.approve(batch, actor.label)
        except NotPermitted:
            return Problem(
                "You asked for this send: a second moderator must approve it.", "conflict"
            )
        sender = self._mail_sender()
        sent = await sender.drain() if sender is not None else None
        log.info("batch %s approved by %s (%d mail(s))", batch, actor.label, count)
        return SendApproved(batch, actor.display or actor.label, count, sent)


@render_text.register
def _(reply: SendApproved) -> str:
    line = f"Approved by {reply.approver}: {reply.mails} mail(s) released."
    if reply.sent is not None:
        line += (
            f" Mail: {reply.sent.sent} sent, {reply.sent.retrying} to retry, "
            f"{reply.sent.failed} refused."
        )
    else:
        line += " They go out with the next mail run (no mail server set here)."
    return line
