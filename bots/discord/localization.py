"""Slash commands, their options and the "Report leak" menu in every leakdesk language.

discord.py's :class:`app_commands.Translator` is asked, when the tree is synced, for each
``locale_str`` of the commands in each Discord locale; we answer from the gettext catalogs.
Command and option names are looked up with a context (``msgctxt``), so a name such as
"status" never collides with a sentence; descriptions are ordinary catalog messages.
"""

from __future__ import annotations

import discord
from discord import app_commands

from handlers.i18n import SOURCE, negotiate, translations

#: the ``msgctxt`` of each kind of name (descriptions have none)
NAME_CONTEXTS = {
    app_commands.TranslationContextLocation.command_name: "discord command",
    app_commands.TranslationContextLocation.group_name: "discord command",
    app_commands.TranslationContextLocation.parameter_name: "discord option",
    app_commands.TranslationContextLocation.choice_name: "discord choice",
}


def C_(context: str, message: str) -> str:
    """Mark a command or option ``message`` (with its ``context``) for extraction."""
    return message


def locale_of(locale: discord.Locale) -> str | None:
    """Our catalog for a Discord locale, or None (English is the commands' own text)."""
    lang = negotiate(locale.value)
    return None if lang == SOURCE else lang


def translate_text(
    message: str, lang: str, location: app_commands.TranslationContextLocation | None = None
) -> str | None:
    """``message`` in ``lang``; None when the catalog has nothing different to say."""
    catalog = translations(lang)
    context = NAME_CONTEXTS.get(location) if location is not None else None
    text = catalog.pgettext(context, message) if context else catalog.gettext(message)
    return text if text and text != message else None


class CatalogTranslator(app_commands.Translator):
    """Answers discord.py's translation requests from leakdesk's gettext catalogs."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,  # type: ignore[type-arg]
    ) -> str | None:
        """The text of ``string`` in ``locale``, or None to leave it untranslated."""
        lang = locale_of(locale)
        if lang is None:
            return None
        return translate_text(string.message, lang, context.location)


#: command and option names, marked for the catalogs (they must stay lowercase and short)
COMMAND_NAMES = (
    C_("discord command", "report"),
    C_("discord command", "status"),
    C_("discord command", "forget"),
    C_("discord command", "privacy"),
    C_("discord command", "Report leak"),
    C_("discord option", "link"),
    C_("discord option", "image"),
    C_("discord option", "note"),
    C_("discord option", "anonymous"),
    C_("discord option", "code"),
    # moderators' commands (issue 14)
    C_("discord command", "queue"),
    C_("discord command", "escalate"),
    C_("discord command", "agent"),
    C_("discord command", "dashboard"),
    C_("discord command", "synthetic"),
    C_("discord option", "status"),
    C_("discord option", "platform"),
    C_("discord option", "signer"),
    C_("discord option", "email"),
    C_("discord option", "address"),
    C_("discord option", "phone"),
    C_("discord option", "jurisdiction"),
    C_("discord option", "agent_of"),
    C_("discord option", "authority"),
    C_("discord option", "owns_content"),
    C_("discord option", "case"),
    C_("discord option", "decision"),
    C_("discord choice", "open"),
    C_("discord choice", "claimed"),
    C_("discord choice", "confirmed"),
    C_("discord choice", "escalated"),
    C_("discord choice", "removed"),
    C_("discord choice", "dismissed"),
    C_("discord choice", "merged"),
    C_("discord choice", "all"),
    C_("discord choice", "yes"),
    C_("discord choice", "no"),
    # moderators' /reporters
    C_("discord command", "reporters"),
    C_("discord option", "action"),
    C_("discord option", "reporter"),
    C_("discord option", "reason"),
    C_("discord choice", "list"),
    C_("discord choice", "suspend"),
    C_("discord choice", "unsuspend"),
    C_("discord choice", "trust"),
    C_("discord choice", "untrust"),
    # the server admins' /leakdesk setup
    C_("discord command", "setup"),
    C_("discord option", "creator"),
    C_("discord option", "mod_channel"),
    C_("discord option", "mod_role"),
    C_("discord option", "delete_reported"),
)
