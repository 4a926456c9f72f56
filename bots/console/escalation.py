"""Moderator mode in the console: ``/escalate [platform]`` (a preview, then a yes/no),
``/marksent KEY``, ``/approve BATCH`` and ``/agent [field=value …]``, through the same
handlers as the chats; their replies are worded in the creator's language."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from bots.bootstrap import App
from core.model import Actor
from handlers import render_text
from handlers.agent import USAGE, parse_pairs
from handlers.escalation import EscalationDone, EscalationPreview
from handlers.i18n import N_, Texts
from handlers.watch import yes_or_no

CONFIRM = N_("Confirm the escalation? (yes/no)")
NOT_CONFIRMED = N_("Not escalated.")
COMMANDS = ("/escalate", "/marksent", "/approve", "/agent")


class ConsoleEscalation:
    """Runs a moderator's escalation commands and the yes/no that confirms one."""

    def __init__(self, app: App, say: Callable[[str], None], lang: str) -> None:
        self._app = app
        self._say = say
        self._lang = lang
        #: the platform of a preview waiting for yes/no ("" for every platform)
        self._pending: str | None = None

    async def answer(self, actor: Actor, text: str) -> bool:
        """The yes/no after a preview; False when ``text`` is something else."""
        platform, self._pending = self._pending, None
        said = yes_or_no(text, self._lang) if platform is not None else None
        if platform is None or said is None:
            return False
        if not said:
            self._say(Texts(self._lang)(NOT_CONFIRMED))
            return True
        done = await self._app.escalation_handlers.escalate(actor, platform or None)
        self._show(done)
        if isinstance(done, EscalationDone):
            for form in done.forms:  # the console is private to its moderator
                self._show(form)
                self._say(f"/marksent {form.request_key}")
        return True

    async def handle(self, actor: Actor, text: str) -> bool:
        """Run ``text`` when it is one of :data:`COMMANDS`; False otherwise."""
        command = text.split()[0].lower()
        if command not in COMMANDS:
            return False
        try:
            args = shlex.split(text)[1:]  # /agent signer="Ann Lee"
        except ValueError:  # an unbalanced quote
            args = text.split()[1:]
        app = self._app
        if command == "/escalate":
            preview = await app.escalation_handlers.preview(actor, args[0] if args else None)
            self._show(preview)
            if isinstance(preview, EscalationPreview) and not preview.empty:
                self._pending = preview.platform or ""
                self._say(Texts(self._lang)(CONFIRM))
        elif command == "/marksent" and args:
            self._show(await app.escalation_handlers.mark_sent(actor, args[0]))
        elif command == "/approve" and args:
            self._show(await app.approval_handlers.approve(actor, args[0]))
        elif command == "/agent" and not args:
            self._show(await app.agent_handlers.show(actor))
        elif command == "/agent" and (values := parse_pairs(args)) is not None:
            self._show(await app.agent_handlers.set(actor, values))
        else:
            self._say(USAGE if command == "/agent" else f"usage: {command} …")
        return True

    def _show(self, reply: object) -> None:
        self._say(render_text(reply, self._lang))
