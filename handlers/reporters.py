"""Moderators' reporter commands from a chat: ``/reporters LD-…``, ``/suspend LD-… <pseudonym|all>
[reason]``, ``/unsuspend``, ``/trust`` and ``/untrust <pseudonym>`` (the rules:
:mod:`core.reporter_moderation`)."""

from __future__ import annotations

from collections.abc import Sequence

from core.model import Actor
from core.reporter_moderation import ACTIONS, ReporterModeration
from handlers.handlers import replies_on_error
from handlers.i18n import N_
from handlers.messages import Problem, ReplyType, ReporterListing, ReportersDecided

#: the text commands, and how each is used
COMMANDS = ("reporters", *ACTIONS)
USAGE = {
    "reporters": N_("usage: /reporters LD-…"),
    "suspend": N_("usage: /suspend LD-… <pseudonym|all> [reason]"),
    "unsuspend": N_("usage: /unsuspend <pseudonym>"),
    "trust": N_("usage: /trust <pseudonym>"),
    "untrust": N_("usage: /untrust <pseudonym>"),
}


def usage(command: str) -> Problem:
    """How ``command`` is used, as a refusal."""
    return Problem.of(USAGE[command])


class ReporterHandlers:
    """Parse the moderators' reporter commands and hand them to the core."""

    def __init__(self, service: ReporterModeration) -> None:
        self._service = service

    @replies_on_error
    async def listing(self, actor: Actor, code: str) -> ReplyType:
        """The named reporters of case ``code`` with their record; the others counted."""
        return ReporterListing(await self._service.case_reporters(actor, code))

    @replies_on_error
    async def suspend(self, actor: Actor, code: str, who: str, reason: str = "") -> ReplyType:
        """Suspend one named reporter of the case, or ``all`` of them."""
        decisions = await self._service.suspend(actor, code, who, reason)
        return ReportersDecided("suspend", decisions)

    @replies_on_error
    async def decide(self, actor: Actor, action: str, who: str) -> ReplyType:
        """``unsuspend``, ``trust`` or ``untrust`` one reporter by pseudonym."""
        return ReportersDecided(action, await self._service.decide(actor, action, who))

    async def run(
        self,
        actor: Actor,
        action: str,
        code: str | None = None,
        who: str | None = None,
        reason: str = "",
    ) -> ReplyType:
        """One command with its parts already picked out (a slash command's options)."""
        if action == "reporters":
            return await self.listing(actor, code) if code else usage(action)
        if action == "suspend":
            return await self.suspend(actor, code, who, reason) if code and who else usage(action)
        if action in ACTIONS:
            return await self.decide(actor, action, who) if who else usage(action)
        return usage("reporters")

    async def command(self, actor: Actor, command: str, args: Sequence[str]) -> ReplyType:
        """A text command's words: ``/suspend LD-… <pseudonym|all> [reason…]`` and the like."""
        if command == "reporters":
            return await self.run(actor, command, args[0]) if len(args) == 1 else usage(command)
        if command == "suspend":
            if len(args) < 2:
                return usage(command)
            return await self.run(actor, command, args[0], args[1], " ".join(args[2:]))
        if len(args) != 1:
            return usage(command)
        return await self.run(actor, command, who=args[0])


__all__ = ["COMMANDS", "ReporterHandlers"]
