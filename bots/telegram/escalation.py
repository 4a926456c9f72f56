"""Escalation in Telegram: a preview with Confirm in the moderator group, then each form in a
DM to the moderator who confirmed, with Mark sent.

Translation only: :mod:`handlers.escalation` decides. The group sees counts, never links; the
form values (which hold the links) go to the moderator privately.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
    User,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bots.telegram.chats import moderator
from bots.telegram.deps import Deps
from bots.telegram.messaging import answer, edit, send
from bots.telegram.render import reply_text
from core.model import Actor
from handlers import render_text
from handlers.approval import SendApproved, approval_request_text
from handlers.escalation import EscalationDone, EscalationPreview, FormRequest
from handlers.i18n import SOURCE, negotiate
from handlers.moderator_buttons import escalation_label

log = logging.getLogger(__name__)

NAMESPACE = "lde"
#: Telegram's limit for ``callback_data``
MAX_CALLBACK_BYTES = 64
ALL = "*"
ONLY_MODERATORS = "Only this creator's moderators (the group's admins) can escalate."
STALE = "This button is no longer valid."
NO_DM = (
    "I could not message {name} privately, so the {count} form(s) to file by hand are only in "
    "the packets folder (form.txt of each recipient). Open a private chat with me and press "
    "Start so that the next escalation's forms reach you."
)


@dataclass(frozen=True)
class EscalationButton:
    """A pressed escalation button: confirm (with its platform), cancel, or mark sent."""

    action: str  # go | no | sent | ok (approve a held send)
    value: str = ""  # the platform (go), the request key (sent), the batch (ok)
    group: int = 0  # the moderator group the request belongs to (sent)


def encode(button: EscalationButton) -> str:
    """``callback_data`` for ``button`` (at most 64 bytes)."""
    data = f"{NAMESPACE}:{button.action}:{button.value}:{button.group}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> EscalationButton | None:
    """The button behind ``data``, or None when it is not one of ours."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[0] != NAMESPACE or parts[1] not in ("go", "no", "sent", "ok"):
        return None
    if not parts[3].lstrip("-").isdigit():
        return None
    return EscalationButton(parts[1], parts[2], int(parts[3]))


def confirm_keyboard(platform: str | None, lang: str = SOURCE) -> InlineKeyboardMarkup:
    """Confirm / Cancel under a preview, labelled in ``lang``."""
    go = encode(EscalationButton("go", platform or ALL))
    no = encode(EscalationButton("no"))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(escalation_label("go", lang), callback_data=go),
                InlineKeyboardButton(escalation_label("cancel", lang), callback_data=no),
            ]
        ]
    )


def mark_sent_keyboard(form: FormRequest, group: int, lang: str = SOURCE) -> InlineKeyboardMarkup:
    """Mark sent under a form's values (the group says whose moderators may press)."""
    data = encode(EscalationButton("sent", form.request_key, group))
    label = escalation_label("sent", lang)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


async def post_preview(deps: Deps, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                       actor: Actor, platform: str | None) -> None:  # fmt: skip
    """Post what escalating would send (counts, no links), with Confirm when it is something."""
    reply = await deps.app.escalation_handlers.preview(actor, platform)
    markup = None
    if isinstance(reply, EscalationPreview) and not reply.empty:
        lang = negotiate(await deps.app.creators.language(actor.creator))
        markup = confirm_keyboard(reply.platform, lang)
    await send(context.bot, chat_id, reply_text(reply), reply_markup=markup)


def approval_keyboard(batch: str, lang: str = SOURCE) -> InlineKeyboardMarkup:
    """Approve under a held send's request (resolved from the database when pressed)."""
    data = encode(EscalationButton("ok", batch))
    label = escalation_label("approve", lang)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


async def ask_approval(
    bot: Bot, group: int, user: User, done: EscalationDone, lang: str = SOURCE
) -> None:
    """Post the request for a second moderator's approval in the moderator group (no links)."""
    text = approval_request_text(
        done.creator, user.full_name, done.held, done.lang or lang, "admin"
    )
    await send(bot, group, text, reply_markup=approval_keyboard(done.batch, lang))


class EscalationButtons:
    """Confirm / Cancel under a preview, and Mark sent under a form in a moderator's DM."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """The PTB handlers of this group."""
        return [CallbackQueryHandler(self.press, pattern=f"^{NAMESPACE}:")]

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A moderator pressed Confirm, Cancel or Mark sent."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        button = decode(query.data)
        chat = query.message.chat if query.message else None
        if button is None or chat is None:
            await answer(query, STALE, alert=True)
            return
        group = chat if button.action != "sent" else Chat(button.group, Chat.SUPERGROUP)
        where, actor = await moderator(self._deps, context.bot, group, user)
        if not where.is_mod_group or not actor.is_moderator:
            log.info("refused escalation button %s in chat %s", button.action, chat.id)
            await answer(query, ONLY_MODERATORS, alert=True)
            return
        if button.action == "no":
            await self._close(context, query, "Escalation cancelled: nothing was written.")
            await answer(query, "Cancelled.")
        elif button.action == "go":
            await self._confirm(context, query, chat.id, user, actor, button.value)
        elif button.action == "ok":
            await self._approve(context, query, actor, button.value)
        else:
            reply = await self._deps.app.escalation_handlers.mark_sent(actor, button.value)
            await answer(query, reply_text(reply), alert=True)
            await send(context.bot, chat.id, reply_text(reply))

    async def _approve(
        self, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, actor: Actor, batch: str
    ) -> None:
        """A second moderator approves a held send; the request then shows who did."""
        reply = await self._deps.app.approval_handlers.approve(actor, batch)
        if isinstance(reply, SendApproved) and query.message is not None:
            before = getattr(query.message, "text", "") or ""
            await self._close(context, query, f"{before}\n{reply_text(reply)}")
            await answer(query, "Approved.")
            return
        await answer(query, reply_text(reply), alert=True)

    async def _close(
        self, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, text: str
    ) -> None:
        """Replace the preview with ``text`` and drop its buttons (no second Confirm)."""
        message = query.message
        if message is not None:
            await edit(context.bot, message.chat.id, message.message_id, text)

    async def _confirm(self, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery,
                       group: int, user: User, actor: Actor, platform: str) -> None:  # fmt: skip
        await answer(query, "Escalating…")
        reply = await self._deps.app.escalation_handlers.escalate(
            actor, None if platform == ALL else platform
        )
        await self._close(context, query, reply_text(reply))
        lang = negotiate(await self._deps.app.creators.language(actor.creator))  # the buttons'
        if isinstance(reply, EscalationDone) and reply.held and reply.batch:
            await ask_approval(context.bot, group, user, reply, lang)
        if not isinstance(reply, EscalationDone) or not reply.forms:
            return
        delivered = 0
        for form in reply.forms:
            sent = await send(
                context.bot,
                user.id,
                render_text(form),
                reply_markup=mark_sent_keyboard(form, group, lang),
                protect_content=True,  # holds the links: no forwarding or saving
            )
            if sent is None:
                break
            delivered += 1
        if delivered < len(reply.forms):
            name = user.full_name or "you"
            await send(context.bot, group, NO_DM.format(name=name, count=len(reply.forms)))
        else:
            await send(
                context.bot, group, f"{delivered} form(s) sent to {user.full_name} privately."
            )
