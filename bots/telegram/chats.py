"""Who is acting, and for which creator: a chat's venue binding and its admins."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, Chat, Message, User

from bots.telegram.deps import Deps
from bots.telegram.messaging import GROUP_ANONYMOUS_BOT_ID, is_chat_admin
from bots.telegram.translate import PLATFORM, reporter_ref, valid_creator
from core.model import Actor
from db.venues import VenueConfig
from handlers.i18n import SOURCE, negotiate


@dataclass(frozen=True)
class ChatContext:
    """A group chat as leakdesk sees it."""

    venue: VenueConfig | None
    creator: str

    @property
    def is_mod_group(self) -> bool:
        """Whether the chat is bound as a moderator group."""
        return self.venue is not None and self.venue.is_mod_venue and self.venue.approved


async def chat_context(deps: Deps, chat: Chat) -> ChatContext:
    """The binding of a group (its creator), or the default creator when unbound."""
    venue = await deps.app.venues.get(PLATFORM, str(chat.id))
    return ChatContext(venue, venue.creator if venue else deps.settings.default_creator)


@dataclass(frozen=True)
class FanChoices:
    """A fan's stored choices with this bot, resolved: their creator and anonymity."""

    creator: str
    anonymous: bool
    #: the language to answer in (``/language``, else their app's language, else English)
    lang: str = SOURCE


async def fan_choices(deps: Deps, bot: Bot, user: User) -> FanChoices:
    """The creator a fan's private reports go to (their deep link, else the default) and
    whether they asked to stay anonymous; read from the database, so a restart keeps them."""
    stored = await deps.app.user_settings.get(reporter_ref(user), settings_scope(bot))
    creator = valid_creator(stored.creator) or deps.settings.default_creator
    return FanChoices(creator, stored.anonymous, user_language(user, stored.language))


def user_language(user: User | None, chosen: str | None = None) -> str:
    """A Telegram user's language: their ``/language`` choice, else their app's
    ``language_code``, else English."""
    if chosen:
        return negotiate(chosen)
    return negotiate(user.language_code if user is not None else None)


async def place_language(deps: Deps, creator: str) -> str:
    """The language of a group's posts: its creator's default (``leakdesk creator set C
    --language``), else English."""
    return negotiate(await deps.app.creators.language(creator))


async def fan_language(deps: Deps, bot: Bot, user: User | None) -> str:
    """The language to answer ``user`` in (their stored choice is read from the database)."""
    if user is None:
        return SOURCE
    stored = await deps.app.user_settings.get(reporter_ref(user), settings_scope(bot))
    return user_language(user, stored.language)


def settings_scope(bot: Bot) -> str:
    """Fans' choices are kept per bot: two bots on one database may serve different creators."""
    return str(bot.id)


async def sender_is_admin(bot: Bot, chat: Chat, user: User, message: Message | None) -> bool:
    """Whether the sender is an admin of ``chat`` (anonymous admins post as the chat itself)."""
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id and user.id == GROUP_ANONYMOUS_BOT_ID
    return await is_chat_admin(bot, chat.id, user.id)


def configured_moderators(setting: str) -> frozenset[int]:
    """The user ids of ``LEAKDESK_TELEGRAM_MODERATORS`` (comma-separated; blanks ignored)."""
    ids = (part.strip() for part in setting.split(","))
    return frozenset(int(part) for part in ids if part.lstrip("-").isdigit())


async def moderator(
    deps: Deps, bot: Bot, chat: Chat, user: User, message: Message | None = None
) -> tuple[ChatContext, Actor]:
    """The acting user in a group: a moderator only when the group is a moderator group and
    they are one of its admins or a configured moderator."""
    context = await chat_context(deps, chat)
    is_moderator = context.is_mod_group and (
        user.id in configured_moderators(deps.settings.telegram_moderators)
        or await sender_is_admin(bot, chat, user, message)
    )
    return context, Actor(reporter_ref(user), is_moderator=is_moderator, creator=context.creator)
