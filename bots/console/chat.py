"""A terminal chat with the bot, as a fan or (after ``/mod``) as a moderator."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from bots.bootstrap import App
from bots.console.escalation import ConsoleEscalation
from core.events import CaseChanged
from core.model import Actor, Origin, ReporterRef
from core.notify.outbox import ChatNoticeSender
from core.notify.texts import OFFER_CONSOLE
from handlers import IncomingMessage, ReportReceived, render_text
from handlers.i18n import N_, Texts, console_language
from handlers.render import sent_to_line
from handlers.watch import WatchOffer, yes_or_no

WONT_FOLLOW = N_("OK, I won't follow it.")

BANNER = N_(
    "leakdesk console: paste a leak link to report it, or type /help.\n"
    "/mod switches to moderator mode, /fan back; /anon toggles anonymous reports; /quit leaves."
)
MODERATOR_MODE = N_("moderator mode for creator '%(creator)s'. /queue shows the queue.")
FAN_MODE = N_("fan mode.")
ANONYMOUS_ON = N_("anonymous reports on.")
ANONYMOUS_OFF = N_("anonymous reports off.")


class ConsoleChat:
    """Reads lines, hands them to the handlers as neutral messages, prints the replies."""

    def __init__(
        self,
        app: App,
        *,
        user: str | None = None,
        creator: str | None = None,
        read_line: Callable[[], str] = input,
        out: TextIO = sys.stdout,
        lang: str | None = None,
    ) -> None:
        self.app = app
        #: the language of the replies: ``lang``, else the terminal's (``LANG``…)
        self.lang = lang or console_language()
        self._t = Texts(self.lang)
        self.user = user or getpass.getuser()
        self.creator = creator or app.settings.default_creator
        self.moderator = False
        self.anonymous = False
        self._read_line = read_line
        self._out = out
        self._offer: WatchOffer | None = None
        self._escalation = ConsoleEscalation(app, self.say, self.lang)
        app.events.subscribe(self._on_case_changed)

    def _actor(self) -> Actor:
        return Actor(ReporterRef("console", self.user), self.moderator, self.creator)

    def say(self, text: str) -> None:
        """Print one bot message."""
        print(text, file=self._out, flush=True)

    async def _on_case_changed(self, event: CaseChanged) -> None:
        if self.moderator and event.created and event.creator == self.creator:
            self.say(f"[queue] new case {event.code}")

    async def deliver_notices(self) -> int:
        """Print this user's queued notices (a case they follow is down); how many."""

        async def show(_user: str, text: str) -> None:
            self.say(f"[notice] {text}")

        sender = ChatNoticeSender(self.app.chat_notices, "console", show, only_user=self.user)
        return (await sender.drain()).sent

    async def _answer_offer(self, text: str) -> bool:
        """The yes/no after a report (in the user's language or English); False when
        ``text`` is something else."""
        offer, self._offer = self._offer, None
        answer = yes_or_no(text, self.lang) if offer is not None else None
        if offer is None or answer is None:
            return False
        if not answer:
            self.say(self._t(WONT_FOLLOW))
            return True
        reply = await self.app.watch_handlers.opt_in(self._actor(), offer.report_id, self.lang)
        self.say(render_text(reply, self.lang))
        return True

    async def handle(self, line: str) -> bool:
        """Handle one input line; returns False when the user wants to leave."""
        await self.deliver_notices()
        text = line.strip()
        if not text or await self._answer_offer(text):
            return True
        if self.moderator and await self._escalation.answer(self._actor(), text):
            return True
        command = text.split()[0].lower()
        if command in ("/quit", "/exit"):
            return False
        if command == "/mod":
            self.moderator = True
            self.say(self._t(MODERATOR_MODE, creator=self.creator))
            return True
        if command == "/fan":
            self.moderator = False
            self.say(self._t(FAN_MODE))
            return True
        if command == "/anon":
            self.anonymous = not self.anonymous
            self.say(self._t(ANONYMOUS_ON if self.anonymous else ANONYMOUS_OFF))
            return True
        if self.moderator and await self._escalation.handle(self._actor(), text):
            return True
        message = IncomingMessage(
            self._actor(), text, origin=Origin.CONSOLE, anonymous=self.anonymous
        )
        reply = await self.app.handlers.dispatch(message)
        text = render_text(reply, self.lang)
        if isinstance(reply, ReportReceived) and reply.reached_moderators:
            name = await self.app.creators.display_name(self.creator)
            text = f"{text}\n{sent_to_line(name, self.lang)}"
        self.say(text)
        self._offer = self.app.watch_handlers.offer(reply)
        if self._offer is not None:
            self.say(self._t(OFFER_CONSOLE))
        return True

    async def run(self) -> None:
        """Chat until ``/quit`` or end of input."""
        self.say(self._t(BANNER))
        await self.deliver_notices()  # what happened while away
        while True:
            try:
                line = await asyncio.to_thread(self._read_line)
            except (EOFError, KeyboardInterrupt):
                break
            if not await self.handle(line):
                break
        await self.app.events.drain()
