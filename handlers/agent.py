"""The agent of record from a chat: a creator's moderators show or set who signs the notices."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Protocol

from core.errors import NotPermitted
from core.escalation.agent import AgentOfRecord
from core.model import Actor
from handlers.handlers import replies_on_error
from handlers.messages import Problem, Reply

log = logging.getLogger(__name__)

#: what a moderator may set, as the CLI names it (``leakdesk creator set``)
FIELDS = ("signer", "email", "address", "phone", "jurisdiction", "agent_of", "authority")
USAGE = (
    "usage: /agent signer=NAME email=EMAIL [address=…] [phone=…] [jurisdiction=US|EU|UK|…] "
    '[agent_of=NAME authority="…"] [owns_content=yes|no] (quote values with spaces)'
)
YES = ("yes", "true", "1", "on")
NO = ("no", "false", "0", "off", "")


class AgentStore(Protocol):
    """Where agents of record are kept."""

    async def agent(self, creator: str) -> AgentOfRecord | None:
        """The creator's agent of record, if set."""
        ...

    async def set_agent(self, agent: AgentOfRecord) -> None:
        """Store (or replace) an agent of record."""
        ...


def agent_text(agent: AgentOfRecord) -> str:
    """Every field of an agent of record, one per line."""
    lines = [f"Agent of record of {agent.creator}:"]
    for field in fields(AgentOfRecord):
        if field.name != "creator":
            lines.append(f"• {field.name}: {getattr(agent, field.name) or '—'}")
    return "\n".join(lines)


def parse_pairs(words: list[str]) -> dict[str, str] | None:
    """``["email=a@b.org", "signer=Ann Lee"]`` → a dict; None when a word is not ``k=v``."""
    values: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep:
            return None
        values[name.strip().lower().replace("-", "_")] = value.strip()
    return values


class AgentHandlers:
    """Show and set a creator's agent of record (moderators of that creator only)."""

    def __init__(self, store: AgentStore) -> None:
        self._store = store

    @replies_on_error
    async def show(self, actor: Actor) -> Reply | Problem:
        """The current agent of record of the moderator's creator."""
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can see the agent of record")
        agent = await self._store.agent(actor.creator)
        if agent is None:
            return Reply(
                f"{actor.creator} has no agent of record yet: set it with /agent "
                "(at least signer and email)."
            )
        return Reply(agent_text(agent))

    @replies_on_error
    async def set(self, actor: Actor, values: Mapping[str, str]) -> Reply | Problem:
        """Change the given fields (others keep their value); checks like the CLI's."""
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can set the agent of record")
        unknown = sorted(set(values) - {*FIELDS, "owns_content"})
        if unknown:
            return Problem(f"unknown field(s): {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        current = await self._store.agent(actor.creator) or AgentOfRecord(actor.creator)
        changes: dict[str, object] = {k: v.strip() for k, v in values.items() if k in FIELDS}
        if "jurisdiction" in changes:
            changes["jurisdiction"] = str(changes["jurisdiction"]).upper()
        if "owns_content" in values:
            flag = values["owns_content"].strip().lower()
            if flag not in YES + NO:
                return Problem("owns_content is yes or no")
            changes["owns_content"] = flag in YES
        agent = replace(current, **changes)  # type: ignore[arg-type]
        if not agent.signer or not agent.email:
            return Problem("an agent of record needs at least signer and email")
        email = agent.email
        if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
            return Problem(f"not an email address: {email}")
        if agent.agent_of and not agent.authority:
            return Problem(
                "an agent needs authority=…: the creator's statement that they authorised"
            )
        await self._store.set_agent(agent)
        log.info("agent of record of %s set by %s", actor.creator, actor.label)
        return Reply("Saved. " + agent_text(agent))


__all__ = ["USAGE", "AgentHandlers", "agent_text", "parse_pairs"]
