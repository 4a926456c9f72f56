"""The shared plumbing of leakdesk's persistent Discord buttons (discord.py ``DynamicItem``).

A button class names its id once, as the regex ``template`` of its class line, e.g.
``template=r"ld:watch:(?P<report>[0-9]{1,19})"``: the same text gives discord.py the pattern it
routes presses by (after a restart too) and gives us the format the id is built from
(``ld:watch:{report}``), so the two cannot drift apart. A subclass keeps only what is its own:
its label and style, how its match becomes arguments (:meth:`PersistentButton.from_match`), its
callback and, for :class:`ModeratorButton`, nothing more: the moderator check is here.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

import discord

from bots.discord.replies import NOT_MODERATOR, SOMETHING_WENT_WRONG, answer, answer_safely
from bots.discord.translate import Caller, interaction_language, resolve_caller
from handlers.i18n import Texts

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

#: the template of the abstract bases: it matches no id, so they cannot be built or routed
NO_ID = r"(?!)"
#: a named group whose pattern holds no group of its own, e.g. ``(?P<batch>[0-9a-f]{8,40})``
FIELD = re.compile(r"\(\?P<(\w+)>[^()]*\)")
#: what may not be left between the fields: the rest of a template is literal text
REGEX_SYNTAX = re.compile(r"[\\.^$*+?{}\[\]|()]")


def id_format(template: str) -> str:
    """The ``str.format`` pattern of a template's ids: each named group becomes ``{name}``."""
    literal = FIELD.sub("", template)
    if REGEX_SYNTAX.search(literal):
        raise TypeError(f"a button template is literal text and named groups: {template!r}")
    return FIELD.sub(r"{\1}", template)


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NO_ID):
    """A button whose ``custom_id`` is built from, and parsed by, its class ``template``."""

    #: the id pattern for ``str.format``, derived from the template (``None`` on the bases)
    id_format: ClassVar[str | None] = None

    def __init_subclass__(cls, *, template: str = NO_ID, **kwargs: Any) -> None:
        super().__init_subclass__(template=template, **kwargs)
        cls.id_format = None if template == NO_ID else id_format(template)

    def __init__(
        self,
        label: str,
        style: discord.ButtonStyle,
        /,
        *,
        disabled: bool = False,
        row: int | None = None,
        **fields: object,
    ) -> None:
        """The button labelled ``label``; ``fields`` fill the id's named groups."""
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=self.build_id(**fields),
                disabled=disabled,
                row=row,
            )
        )

    @classmethod
    def build_id(cls, **fields: object) -> str:
        """The ``custom_id`` for these field values (checked against the template on use)."""
        if cls.id_format is None:
            raise TypeError(f"{cls.__name__} is a base: it has no id template")
        return cls.id_format.format(**fields)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        """Rebuild the button from its id when pressed (after a restart too)."""
        return cls.from_match(match)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        """The button for a matched id; by default its groups are the keyword arguments."""
        return cls(**match.groupdict())


class ModeratorButton(PersistentButton):
    """A persistent button only moderators of the server's creator may press (checked at each
    press: roles may have changed); the moderator is kept in :attr:`caller` for the callback."""

    #: how the logs name this kind of button
    log_name: ClassVar[str] = "button"
    caller: Caller | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse, privately, anyone who is not a moderator; apologise when we cannot tell."""
        try:
            caller = await resolve_caller(cast("LeakdeskBot", interaction.client), interaction)
        except Exception:
            log.exception("%s %s: could not identify the member", self.log_name, self.custom_id)
            await answer_safely(interaction, self.worded(SOMETHING_WENT_WRONG, None, interaction))
            return False
        if not caller.actor.is_moderator:
            log.info("refused %s %s for a non-moderator", self.log_name, self.custom_id)
            await answer(interaction, self.worded(NOT_MODERATOR, caller, interaction))
            return False
        self.caller = caller
        return True

    def worded(self, message: str, caller: Caller | None, interaction: discord.Interaction) -> str:
        """``message`` in the caller's language (or the interaction's when the caller is
        unknown)."""
        lang = caller.lang if caller is not None else interaction_language(interaction)
        return Texts(lang)(message)
