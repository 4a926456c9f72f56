"""PTB error handler: log ids and the failing code location, never message contents.

Domain errors never get here (``app.handlers`` turns them into :class:`handlers.Problem`,
rendered by :func:`bots.telegram.render.reply_text`).  What does get here is logged without
the exception's message (it may quote a link or a name) and never sent to a chat; a private
chat gets a short apology.  Nothing raised here stops the bot.
"""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

APOLOGY = "Something went wrong on our side; please try again in a minute."


def _where(err: BaseException) -> str:
    """``file:line in function`` frames of the traceback, without the exception's message."""
    frames = traceback.extract_tb(err.__traceback__)[-4:]
    return " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames)
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed update (update id and error type only) and apologise in private chats."""
    try:
        err = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        name = type(err).__name__
        if isinstance(err, Forbidden):
            log.info("update %s: the bot may not write to that chat (%s)", update_id, name)
            return
        if isinstance(err, RetryAfter):
            log.warning("update %s: Telegram flood limit persists after retries", update_id)
            return
        if isinstance(err, NetworkError):
            log.warning("update %s: network problem talking to Telegram (%s)", update_id, name)
            return
        log.error(
            "update %s failed: %s at %s", update_id, name, _where(err) if err is not None else "?"
        )
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type == chat.PRIVATE:
            try:
                await context.bot.send_message(chat.id, APOLOGY)
            except TelegramError:
                log.info("update %s: apology not delivered", update_id)
    except Exception:  # the error handler itself must never fail
        log.error("telegram error handler failed")
