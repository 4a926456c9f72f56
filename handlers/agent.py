"""The agent of record from a chat: a creator's moderators show or set who signs the notices."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Protocol

from core.errors import NotPermitted
from core.escalation.agent import AgentOfRecord
from core.model import Actor
from core.ports import CreatorLanguages
from handlers.escalation import creator_language
from handlers.handlers import replies_on_error
from handlers.i18n import N_, SOURCE, Texts
from handlers.messages import Problem, Reply

log = logging.getLogger(__name__)

#: the first line of :func:`agent_text`, and the answer to a change
AGENT_OF = N_("Agent of record of %(creator)s:")
SAVED = N_("Saved.")

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


def agent_text(agent: AgentOfRecord, lang: str = SOURCE) -> str:
    """Every field of an agent of record, one per line (the names as ``/agent`` takes them)."""
    lines = [Texts(lang)(AGENT_OF, creator=agent.creator)]
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

    def __init__(self, store: AgentStore, languages: CreatorLanguages | None = None) -> None:
        """``languages``: each creator's language, which their moderators' replies use."""
        self._store = store
        self._languages = languages

    async def _lang(self, creator: str) -> str | None:
        return await creator_language(self._languages, creator)

    @replies_on_error
    async def show(self, actor: Actor) -> Reply | Problem:
        """The current agent of record of the moderator's creator."""
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can see the agent of record")
        lang = await self._lang(actor.creator)
        agent = await self._store.agent(actor.creator)
        if agent is None:
            unset = Reply.of(
                N_(
                    "%(creator)s has no agent of record yet: set it with /agent "
                    "(at least signer and email)."
                ),
                creator=actor.creator,
            )
            return replace(unset, lang=lang)
        return Reply(agent_text(agent, lang or SOURCE))

    @replies_on_error
    async def set(self, actor: Actor, values: Mapping[str, str]) -> Reply | Problem:
        """Change the given fields (others keep their value); checks like the CLI's."""
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can set the agent of record")
        lang = await self._lang(actor.creator)
        checked = await self._checked(actor, values)
        if isinstance(checked, Problem):
            return replace(checked, lang=lang)
        await self._store.set_agent(checked)
        log.info("agent of record of %s set by %s", actor.creator, actor.label)
        return Reply(Texts(lang)(SAVED) + " " + agent_text(checked, lang or SOURCE))

    async def _checked(self, actor: Actor, values: Mapping[str, str]) -> AgentOfRecord | Problem:
        """The changed agent of record, or why the values are refused."""
        unknown = sorted(set(values) - {*FIELDS, "owns_content"})
        if unknown:
            return Problem.of(
                N_("unknown field(s): %(unknown)s; known: %(known)s"),
                unknown=", ".join(unknown),
                known=", ".join(FIELDS),
            )
        current = await self._store.agent(actor.creator) or AgentOfRecord(actor.creator)
        changes: dict[str, object] = {k: v.strip() for k, v in values.items() if k in FIELDS}
        if "jurisdiction" in changes:
            changes["jurisdiction"] = str(changes["jurisdiction"]).upper()
        if "owns_content" in values:
            flag = values["owns_content"].strip().lower()
            if flag not in YES + NO:
                return Problem.of(N_("owns_content is yes or no"))
            changes["owns_content"] = flag in YES
        agent = replace(current, **changes)  # type: ignore[arg-type]
        if not agent.signer or not agent.email:
            return Problem.of(N_("an agent of record needs at least signer and email"))
        email = agent.email
        if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
            return Problem.of(N_("not an email address: %(email)s"), email=email)
        if agent.agent_of and not agent.authority:
            return Problem.of(
                N_("an agent needs authority=…: the creator's statement that they authorised")
            )
        return agent


__all__ = ["USAGE", "AgentHandlers", "agent_text", "parse_pairs"]
