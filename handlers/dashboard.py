"""``/dashboard``: a moderator's one-time sign-in link to the web dashboard, given privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.errors import NotPermitted
from core.model import Actor
from handlers.handlers import replies_on_error
from handlers.messages import Problem, Reply

#: mints a one-time sign-in token for (moderator id, creator)
LinkMinter = Callable[[str, str], Awaitable[str]]
NOT_SERVED = (
    "The dashboard is not set up on this server: the operator sets LEAKDESK_WEB_URL "
    "(and LEAKDESK_WEB_PORT, or runs `leakdesk web`)."
)


class DashboardLinks:
    """One-time dashboard links for moderators (the adapters send them privately only)."""

    def __init__(self, mint: LinkMinter, base_url: Callable[[], str | None]) -> None:
        self._mint = mint
        self._base_url = base_url

    @replies_on_error
    async def link(self, actor: Actor) -> Reply | Problem:
        """A sign-in link for ``actor``'s creator: it works once, for 10 minutes."""
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can open the dashboard")
        base = self._base_url()
        if not base:
            return Problem(NOT_SERVED)
        token = await self._mint(actor.label, actor.creator)
        return Reply(
            f"Your dashboard sign-in link for {actor.creator}'s cases. It works once, for 10 "
            f"minutes; do not share it:\n{base}/signin?token={token}"
        )
