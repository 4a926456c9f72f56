"""Discord objects → neutral actors, links and attachments (translation only, no decisions)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from core.model import Actor, Attachment, ReporterRef
from core.urls import extract_links
from db.venues import VenueConfig
from handlers.i18n import LANGUAGES, N_, SOURCE, Texts, negotiate

if TYPE_CHECKING:
    from bots.discord.bot import LeakdeskBot

log = logging.getLogger(__name__)

PLATFORM = "discord"
#: Attachments of these kinds are reported; anything else (PDFs, archives…) is skipped.
MEDIA_PREFIXES = ("image/", "video/")
MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".mp4", ".webm", ".mov")


@dataclass(frozen=True)
class Caller:
    """Who is interacting, and the server binding they act under (None in DMs or unbound)."""

    actor: Actor
    venue: VenueConfig | None
    #: the language to answer in (see :func:`interaction_language`)
    lang: str = SOURCE


def _supported(tag: object) -> str | None:
    """Our catalog for a Discord locale (``es-ES``…), or None when we have none for it."""
    if tag is None:
        return None
    value = getattr(tag, "value", tag)
    lang = negotiate(str(value))
    base = str(value).replace("-", "_").split("_", 1)[0].lower()
    return lang if lang != SOURCE or base == "en" else None


def interaction_language(interaction: discord.Interaction) -> str:
    """The user's Discord language, else the server's preferred one, else English."""
    for tag in (getattr(interaction, "locale", None), getattr(interaction, "guild_locale", None)):
        lang = _supported(tag)
        if lang in LANGUAGES:
            return lang
    return SOURCE


def reporter_ref(user: discord.abc.User) -> ReporterRef:
    """The neutral identity of a Discord user (the numeric id, never the name), with the
    account's creation time its snowflake id carries (young accounts count for less)."""
    return ReporterRef(
        PLATFORM, str(user.id), account_created=discord.utils.snowflake_time(user.id)
    )


def is_moderator(
    user: discord.abc.User, permissions: discord.Permissions, venue: VenueConfig | None
) -> bool:
    """Moderator = Manage Server or the configured role, in a server with a moderator channel."""
    if venue is None or not venue.mod_channel_id or not venue.approved:
        return False
    if not isinstance(user, discord.Member):
        return False
    if permissions.manage_guild:
        return True
    if venue.mod_role_id == venue.venue_id:  # @everyone's id is the server's: never a mod role
        return False
    return venue.mod_role_id is not None and any(str(r.id) == venue.mod_role_id for r in user.roles)


async def venue_of(bot: LeakdeskBot, guild_id: int | None) -> VenueConfig | None:
    """The leakdesk binding of a server, if it was set up."""
    if guild_id is None:
        return None
    return await bot.app.venues.get(PLATFORM, str(guild_id))


async def resolve_caller(bot: LeakdeskBot, interaction: discord.Interaction) -> Caller:
    """The neutral actor behind an interaction: the server's creator, or the default in DMs."""
    venue = await venue_of(bot, interaction.guild_id)
    creator = venue.creator if venue else bot.settings.default_creator
    moderator = is_moderator(interaction.user, interaction.permissions, venue)
    return Caller(
        Actor(reporter_ref(interaction.user), moderator, creator),
        venue,
        interaction_language(interaction),
    )


def dm_actor(bot: LeakdeskBot, user: discord.abc.User) -> Actor:
    """A fan writing to the bot in DM: never a moderator, the operator's default creator."""
    return Actor(reporter_ref(user), False, bot.settings.default_creator)


def message_links(message: discord.Message) -> list[str]:
    """Every link in a message's text and in the embeds Discord generated for it."""
    texts = [message.content]
    for embed in message.embeds:
        texts += [embed.url or "", embed.description or ""]
    found: dict[str, None] = {}
    for text in texts:
        for link in extract_links(text):
            found.setdefault(link, None)
    return list(found)


def option_links(text: str | None) -> list[str]:
    """The links typed into a command option (the whole text when it holds none we recognise)."""
    if not text or not text.strip():
        return []
    return extract_links(text) or [text.strip()]


def is_media(attachment: discord.Attachment) -> bool:
    """Whether an attachment is a picture or a video (by its declared type or file name)."""
    kind = (attachment.content_type or "").lower()
    if kind:
        return kind.startswith(MEDIA_PREFIXES)
    return attachment.filename.lower().endswith(MEDIA_SUFFIXES)


async def read_attachments(
    attachments: Iterable[discord.Attachment], max_bytes: int
) -> tuple[list[Attachment], list[str]]:
    """Read media into memory (never to disk); return it and why other files were skipped."""
    accepted: list[Attachment] = []
    skipped: list[str] = []
    for attachment in attachments:
        if not is_media(attachment):
            skipped.append(N_("not a picture or video"))
            continue
        if attachment.size > max_bytes:
            skipped.append(f"larger than {_size(max_bytes)}")
            continue
        try:
            data = await attachment.read()
        except discord.HTTPException as err:
            log.warning("could not read attachment %s: %s", attachment.id, type(err).__name__)
            skipped.append(N_("could not be downloaded from Discord"))
            continue
        if len(data) > max_bytes:
            skipped.append(f"larger than {_size(max_bytes)}")
            continue
        accepted.append(Attachment(data, attachment.filename, attachment.content_type or ""))
    return accepted, skipped


def _size(n: int) -> str:
    return f"{n // 1_000_000} MB" if n >= 1_000_000 else f"{max(1, n // 1000)} kB"


def skipped_note(skipped: Sequence[str], lang: str = SOURCE) -> str:
    """One line telling the fan which files were left out, and why."""
    if not skipped:
        return ""
    t = Texts(lang)
    reasons = "; ".join(sorted({_skip_reason(t, reason) for reason in skipped}))
    return t.plural(
        "%(n)s file(s) not checked: %(reasons)s.",
        "%(n)s file(s) not checked: %(reasons)s.",
        len(skipped),
        reasons=reasons,
    )


def _skip_reason(t: Texts, reason: str) -> str:
    if reason.startswith("larger than "):
        return t("larger than %(size)s", size=reason.removeprefix("larger than "))
    return t(reason)


def submission_id(
    application_id: int | None, channel_id: int | None, user_id: int, event: int
) -> str:
    """A redelivery-safe id for the core, scoped by bot, channel and reporter.

    ``discord:<application>:<channel>:<user>:<interaction or message snowflake>``: several bots
    may share one database, so the event's own id is not enough.
    """
    return f"{PLATFORM}:{application_id or 0}:{channel_id or 0}:{user_id}:{event}"
