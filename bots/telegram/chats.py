"""Who is acting, and for which creator: a chat's venue binding and its admins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Bot, Chat, Message, User

from bots.telegram.deps import Deps
from bots.telegram.messaging import GROUP_ANONYMOUS_BOT_ID, is_chat_admin
from bots.telegram.translate import PLATFORM, reporter_ref, valid_creator
from core.model import Actor
from db.venues import VenueConfig


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


def fan_creator(deps: Deps, user_data: dict[Any, Any] | None) -> str:
    """The creator a fan's private reports go to: their deep link, else the default."""
    remembered = valid_creator((user_data or {}).get("creator"))
    return remembered or deps.settings.default_creator


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
