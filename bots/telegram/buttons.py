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
from bots.telegram.chats import moderator, place_language, user_language
from bots.telegram.deps import Deps
from bots.telegram.escalation import post_preview
from bots.telegram.messaging import answer, delete, send
from bots.telegram.render import dismiss_prompt, prompted_code, reply_text
from core.escalation.service import ESCALATABLE
from core.model import Actor
from handlers import CaseUpdated
from handlers.i18n import N_, Texts
from handlers.moderator_buttons import SYNTHETIC_DECISIONS

log = logging.getLogger(__name__)

ONLY_ADMINS = N_("Only this group's admins (or configured moderators) can act on cases.")
NOT_A_MOD_GROUP = N_("This chat is not a moderator group.")
STALE_BUTTON = N_("This button is no longer valid.")
REPLY_WITH_REASON = N_("Reply to my message with the reason.")
REASON_PLACEHOLDER = N_("reason for dismissing")
CONFIRM_FIRST = N_("%(code)s is %(status)s: confirm it first.")
PREVIEW_POSTED = N_("Escalation preview posted below.")
#: the short answer to a press that changed the case
_DONE = {
    "claim": N_("%(code)s claimed"),
    "confirm": N_("%(code)s confirmed"),
    "reopen": N_("%(code)s reopened"),
    "synthetic_yes": N_("%(code)s marked AI-generated"),
    "synthetic_no": N_("%(code)s marked not AI-generated"),
}


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
        """A moderator pressed a button on a case post (answered in the group's language)."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        button = decode(query.data)
        chat = query.message.chat if query.message else None
        if button is None or chat is None:
            await answer(query, Texts(user_language(user))(STALE_BUTTON), alert=True)
            return
        where, actor = await moderator(self._deps, context.bot, chat, user)
        if not where.is_mod_group:
            await answer(query, Texts(user_language(user))(NOT_A_MOD_GROUP), alert=True)
            return
        lang = await place_language(self._deps, actor.creator)
        t = Texts(lang)
        if not actor.is_moderator:
            log.info(
                "refused %s on %s: not an admin of chat %s", button.action, button.code, chat.id
            )
            await answer(query, t(ONLY_ADMINS), alert=True)
            return
        if button.action == "dismiss":
            await send(
                context.bot,
                chat.id,
                dismiss_prompt(button.code, lang),
                reply_markup=ForceReply(input_field_placeholder=t(REASON_PLACEHOLDER)[:64]),
            )
            await answer(query, t(REPLY_WITH_REASON))
            return
        if button.action == "escalate":
            await self._escalate(context, chat.id, actor, button.code, query, lang)
            return
        if button.action in SYNTHETIC_DECISIONS:  # the same core path as /synthetic LD-… yes|no
            reply = await self._deps.app.handlers.synthetic(
                actor, button.code, SYNTHETIC_DECISIONS[button.action]
            )
        else:
            reply = await self._deps.app.handlers.act(actor, button.action, button.code)
        if isinstance(reply, CaseUpdated):
            done = _DONE.get(button.action)
            await answer(query, t(done, code=reply.case.code) if done else reply.case.code)
        else:
            await answer(query, reply_text(reply, lang=lang), alert=True)

    async def _escalate(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        actor: Actor,
        code: str,
        query: CallbackQuery,
        lang: str,
    ) -> None:
        t = Texts(lang)
        shown = await self._deps.app.handlers.show(actor, code)
        if not isinstance(shown, CaseUpdated):
            await answer(query, reply_text(shown, lang=lang), alert=True)
            return
        if shown.case.status not in ESCALATABLE:
            status = shown.case.status.value
            await answer(query, t(CONFIRM_FIRST, code=code, status=status), alert=True)
            return
        await post_preview(self._deps, context, chat_id, actor, shown.case.platform)
        await answer(query, t(PREVIEW_POSTED))

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
        lang = await place_language(self._deps, actor.creator)
        if not actor.is_moderator:
            await send(context.bot, chat.id, Texts(lang)(ONLY_ADMINS))
            return
        reason = (message.text or "").strip()
        reply = await self._deps.app.handlers.act(actor, "dismiss", code, reason)
        await send(context.bot, chat.id, reply_text(reply, lang=lang))
        if isinstance(reply, CaseUpdated):
            await delete(context.bot, chat.id, prompt.message_id)
