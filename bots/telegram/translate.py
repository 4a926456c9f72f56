"""Telegram objects → neutral ones: reporter identities, links, pictures (in memory only)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from telegram import Bot, Message, MessageEntity, MessageOriginChannel, Update, User
from telegram.error import TelegramError

from core.model import Attachment, ReporterRef
from core.urls import extract_links
from handlers.i18n import N_

log = logging.getLogger(__name__)

PLATFORM = "telegram"
#: the cloud Bot API lets bots download files up to 20 MB
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
TOO_LARGE = N_(
    "a picture is over 20 MB, the most a bot can download; send its link or a screenshot"
)
NOT_DOWNLOADED = N_("a picture could not be downloaded from Telegram")
#: what a deep-link payload (t.me/<bot>?start=<creator>) may contain
_CREATOR_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LINK_ENTITIES: list[str | None] = [MessageEntity.URL, MessageEntity.TEXT_LINK]


#: Telegram's service accounts that stand in for a hidden sender: GroupAnonymousBot (an
#: anonymous group admin), Channel_Bot (a message sent as a channel), and the service
#: notifications account (a linked channel's posts in its discussion group)
STAND_IN_SENDERS = frozenset({1087968824, 136817688, 777000})


def hidden_sender(message: Message) -> bool:
    """Whether ``message`` was sent on behalf of a chat, so no person can be told apart.

    Every anonymous admin of every group shares one id: counted as one reporter, one of them
    would use up the rate limit of all and turn the others' reports into "already reported".
    """
    sender = message.from_user
    return message.sender_chat is not None or sender is None or sender.id in STAND_IN_SENDERS


def reporter_ref(user: User) -> ReporterRef:
    """The neutral identity of a Telegram user (their numeric id, never their name).

    Telegram does not tell when an account was created, so no Telegram account counts as
    "new" (only first-time reporting lowers a report's weight).
    """
    return ReporterRef(PLATFORM, str(user.id))


def submission_id(bot_id: int, update: Update) -> str:
    """A stable id per update, so that a redelivered update is recorded once.

    Scoped by bot, chat and sender: Telegram reuses update ids after a week of silence, and
    several bots may share one database (``telegram:<bot>:<chat>:<user>:<update>``).
    """
    chat = update.effective_chat.id if update.effective_chat else 0
    sender = update.effective_user.id if update.effective_user else 0
    return f"{PLATFORM}:{bot_id}:{chat}:{sender}:{update.update_id}"


def valid_creator(text: str | None) -> str | None:
    """``text`` if it can name a creator (deep-link payload rules), else None."""
    return text if text and _CREATOR_RE.match(text) else None


def forward_link(message: Message) -> str | None:
    """The t.me link of a post forwarded from a public channel, if any."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel) and origin.chat.username:
        return f"https://t.me/{origin.chat.username}/{origin.message_id}"
    return None


def links_in(message: Message) -> list[str]:
    """Every link of a message: text, caption, URL and text_link entities, forward source."""
    found: dict[str, None] = {}
    for entities, text in (
        (message.parse_entities(_LINK_ENTITIES), message.text),
        (message.parse_caption_entities(_LINK_ENTITIES), message.caption),
    ):
        for entity, shown in entities.items():
            found.setdefault(
                entity.url if entity.type == MessageEntity.TEXT_LINK and entity.url else shown, None
            )
        for link in extract_links(text or ""):
            found.setdefault(link, None)
    source = forward_link(message)
    if source:
        found.setdefault(source, None)
    return [link for link in found if link]


@dataclass(frozen=True)
class ImageRef:
    """A picture of a message, not yet downloaded."""

    file_id: str
    size: int | None
    filename: str
    content_type: str


def image_refs(message: Message) -> list[ImageRef]:
    """The photo (largest size) and image document of a message."""
    refs = []
    if message.photo:
        photo = message.photo[-1]
        refs.append(
            ImageRef(photo.file_id, photo.file_size, f"{photo.file_unique_id}.jpg", "image/jpeg")
        )
    document = message.document
    if document and (document.mime_type or "").startswith("image/"):
        refs.append(
            ImageRef(
                document.file_id,
                document.file_size,
                document.file_name or document.file_unique_id,
                document.mime_type or "",
            )
        )
    return refs


@dataclass
class Downloaded:
    """Pictures held in memory, and user-safe reasons for those left out."""

    attachments: list[Attachment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


async def download_images(
    bot: Bot, refs: list[ImageRef], limit: int = MAX_DOWNLOAD_BYTES
) -> Downloaded:
    """Download pictures into memory (never to disk), refusing any over ``limit`` bytes."""
    result = Downloaded()
    for ref in refs:
        if ref.size is not None and ref.size > limit:
            result.skipped.append(TOO_LARGE)
            continue
        try:
            file = await bot.get_file(ref.file_id)
            if file.file_size is not None and file.file_size > limit:
                result.skipped.append(TOO_LARGE)
                continue
            data = await file.download_as_bytearray()
        except TelegramError as err:
            log.warning("picture download failed: %s", type(err).__name__)
            result.skipped.append(NOT_DOWNLOADED)
            continue
        if len(data) > limit:
            result.skipped.append(TOO_LARGE)
            continue
        result.attachments.append(Attachment(bytes(data), ref.filename, ref.content_type))
    return result
