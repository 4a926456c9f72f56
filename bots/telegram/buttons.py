"""Buttons on moderator posts, and the dismissal reason moderators give by replying."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, ForceReply, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bots.telegram.callbacks import NAMESPACE, decode
from bots.telegram.chats import moderator
from bots.telegram.deps import Deps
from bots.telegram.escalation import post_preview
from bots.telegram.messaging import answer, delete, send
from bots.telegram.render import dismiss_prompt, prompted_code, reply_text
from core.escalation.service import ESCALATABLE
from core.model import Actor
from handlers import CaseUpdated

log = logging.getLogger(__name__)

ONLY_ADMINS = "Only this group's admins (or configured moderators) can act on cases."
NOT_A_MOD_GROUP = "This chat is not a moderator group."
STALE_BUTTON = "This button is no longer valid."
_DONE = {"claim": "claimed", "confirm": "confirmed", "reopen": "reopened"}


class ButtonHandlers:
    """Claim / Confirm / Dismiss / Escalate / Reopen presses and replies to dismissal prompts."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """The PTB handlers of this group."""
        reason_reply = (
            filters.ChatType.GROUPS
            & filters.UpdateType.MESSAGE
            & filters.REPLY
            & filters.TEXT
            & ~filters.COMMAND
        )
        return [
            CallbackQueryHandler(self.press, pattern=f"^{NAMESPACE}:"),
            MessageHandler(reason_reply, self.reason),
        ]

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A moderator pressed a button on a case post."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        button = decode(query.data)
        chat = query.message.chat if query.message else None
        if button is None or chat is None:
            await answer(query, STALE_BUTTON, alert=True)
            return
        where, actor = await moderator(self._deps, context.bot, chat, user)
        if not where.is_mod_group:
            await answer(query, NOT_A_MOD_GROUP, alert=True)
            return
        if not actor.is_moderator:
            log.info(
                "refused %s on %s: not an admin of chat %s", button.action, button.code, chat.id
            )
            await answer(query, ONLY_ADMINS, alert=True)
            return
        if button.action == "dismiss":
            await send(
                context.bot,
                chat.id,
                dismiss_prompt(button.code),
                reply_markup=ForceReply(input_field_placeholder="reason for dismissing"),
            )
            await answer(query, "Reply to my message with the reason.")
            return
        if button.action == "escalate":
            await self._escalate(context, chat.id, actor, button.code, query)
            return
        reply = await self._deps.app.handlers.act(actor, button.action, button.code)
        if isinstance(reply, CaseUpdated):
            await answer(query, f"{reply.case.code} {_DONE.get(button.action, button.action)}")
        else:
            await answer(query, reply_text(reply), alert=True)

    async def _escalate(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        actor: Actor,
        code: str,
        query: CallbackQuery,
    ) -> None:
        shown = await self._deps.app.handlers.show(actor, code)
        if not isinstance(shown, CaseUpdated):
            await answer(query, reply_text(shown), alert=True)
            return
        if shown.case.status not in ESCALATABLE:
            await answer(
                query, f"{code} is {shown.case.status.value}: confirm it first.", alert=True
            )
            return
        await post_preview(self._deps, context, chat_id, actor, shown.case.platform)
        await answer(query, "Escalation preview posted below.")

    async def reason(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to a dismissal prompt: dismiss the case with that reason."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None or message.reply_to_message is None:
            return
        prompt = message.reply_to_message
        code = prompted_code(prompt.text)
        if code is None or prompt.from_user is None or prompt.from_user.id != context.bot.id:
            return
        where, actor = await moderator(self._deps, context.bot, chat, user, message)
        if not where.is_mod_group:
            return
        if not actor.is_moderator:
            await send(context.bot, chat.id, ONLY_ADMINS)
            return
        reason = (message.text or "").strip()
        reply = await self._deps.app.handlers.act(actor, "dismiss", code, reason)
        await send(context.bot, chat.id, reply_text(reply))
        if isinstance(reply, CaseUpdated):
            await delete(context.bot, chat.id, prompt.message_id)
