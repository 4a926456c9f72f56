"""Posts each case once in its creator's Telegram moderator groups and keeps the post current.

The post is reserved in the database (``claim_post``) before it is sent, so a case is
announced once per group even across restarts and several bot processes; later
:class:`~core.events.CaseChanged` events edit the same message in place.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from telegram import Bot

from bots.bootstrap import App
from bots.telegram.callbacks import case_keyboard
from bots.telegram.messaging import edit, send
from bots.telegram.render import announcement_text
from bots.telegram.translate import PLATFORM
from core.events import CaseChanged
from core.model import CaseStatus, CaseView
from handlers.i18n import SOURCE, negotiate

log = logging.getLogger(__name__)

#: a case in one of these states gets a new post; others only update an existing one
ANNOUNCED_STATUSES = frozenset({CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.CONFIRMED})
#: how long to wait for another process that reserved a post to record its message id
PENDING_POST_WAIT = 0.5


class Announcer:
    """Subscriber of ``app.events`` that maintains one post per case and moderator group."""

    def __init__(self, app: App, bot: Bot) -> None:
        self._app = app
        self._bot = bot
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        #: set while the bot is initialized; events before or after are not announced
        self.active = False

    async def on_case_changed(self, event: CaseChanged) -> None:
        """EventBus subscriber."""
        if not self.active:
            log.debug("telegram bot not running; case %s not announced", event.code)
            return
        await self.refresh(event.case_id, event.creator)

    async def refresh_code(self, code: str) -> None:
        """Bring the posts of case ``code`` up to date (e.g. the source of a merge)."""
        case = await self._app.cases.get_case(code)
        if case is not None:
            await self.refresh(case.id, case.creator)

    async def refresh(self, case_id: int, creator: str) -> None:
        """Post or edit case ``case_id`` in every Telegram moderator group of ``creator``."""
        venues = [
            v
            for v in await self._app.venues.moderator_venues(PLATFORM, creator)
            if v.is_mod_venue and v.mod_channel_id
        ]
        if not venues:
            return
        lock = self._locks.get(case_id)
        if lock is None:
            lock = self._locks[case_id] = asyncio.Lock()
        async with lock:
            case = await self._app.cases.get_case_by_id(case_id)
            if case is None:
                return
            lang = negotiate(await self._app.creators.language(creator))
            for venue in venues:
                assert venue.mod_channel_id is not None
                try:
                    await self._post_or_edit(case, venue.mod_channel_id, lang)
                except Exception:
                    log.exception(
                        "announcing case %s in chat %s failed", case.code, venue.mod_channel_id
                    )

    async def _message_id(self, case_id: int, channel: str) -> tuple[bool, str | None]:
        posts = dict(await self._app.venues.posts(case_id, PLATFORM))
        return channel in posts, posts.get(channel)

    async def _post_or_edit(self, case: CaseView, channel: str, lang: str = SOURCE) -> None:
        text, markup = announcement_text(case, lang), case_keyboard(case, lang)
        posted, message_id = await self._message_id(case.id, channel)
        if posted and message_id is None:  # another process is sending it right now
            await asyncio.sleep(PENDING_POST_WAIT)
            posted, message_id = await self._message_id(case.id, channel)
        if posted:
            if message_id is None:
                log.info("case %s: post in chat %s still pending elsewhere", case.code, channel)
            else:
                await edit(self._bot, channel, int(message_id), text, markup)
            return
        if case.status not in ANNOUNCED_STATUSES:
            return
        if not await self._app.venues.claim_post(case.id, PLATFORM, channel):
            return
        message = await send(self._bot, channel, text, reply_markup=markup, protect_content=True)
        if message is None:
            await self._app.venues.release_post(case.id, PLATFORM, channel)
            return
        await self._app.venues.set_post_message(case.id, PLATFORM, channel, str(message.message_id))
        log.info("case %s announced in telegram chat %s", case.code, channel)
