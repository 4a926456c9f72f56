"""A reporter's "tell me when it's down": the offer after a report, and the opt-in.

Neutral: adapters show :class:`WatchOffer` as a button (Discord, Telegram) or a yes/no
(console) and call :meth:`WatchHandlers.opt_in` with the report id it carries.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from core.model import Actor, ReporterRef
from core.notify.texts import OFFER, REMOVED, watching_text
from handlers.handlers import replies_on_error
from handlers.i18n import N_, Texts, negotiate
from handlers.messages import Problem, Reply, ReplyType, ReportReceived

log = logging.getLogger(__name__)


class Watches(Protocol):
    """Where removal requests are kept (:class:`db.removal_watches.SqlRemovalWatches`)."""

    async def watch_report(
        self, report_id: int, reporter: ReporterRef, language: str | None = None
    ) -> list[str]:
        """Watch the cases of a report's submission for its reporter, who is told in
        ``language``; the codes watched."""
        ...


@dataclass(frozen=True)
class WatchOffer:
    """Ask the reporter, once, whether to tell them when the report's cases are down."""

    report_id: int
    text: str = OFFER


class WatchHandlers:
    """Offers and records reporters' removal requests."""

    def __init__(self, watches: Watches) -> None:
        self._watches = watches

    @staticmethod
    def offer(reply: ReplyType) -> WatchOffer | None:
        """The question to ask after ``reply``: only for a recorded, non-anonymous report
        that brought something new (not a link this reporter had reported already)."""
        if not isinstance(reply, ReportReceived) or reply.anonymous:
            return None
        new = [o for o in reply.outcomes if not o.already_reported]
        return WatchOffer(new[0].report_id) if new else None

    @replies_on_error
    async def opt_in(self, actor: Actor, report_id: int, lang: str | None = None) -> ReplyType:
        """The reporter said yes: keep their id (and ``lang``, the language to tell them in)
        until the report's cases are down."""
        if report_id <= 0:
            return Problem.of(N_("That button is no longer valid."))
        language = negotiate(lang) if lang else None
        codes = await self._watches.watch_report(report_id, actor.ref, language)
        log.info("removal notice requested for %d case(s)", len(codes))
        if not codes:
            msgid = N_(
                "I can't follow that report for you (it was anonymous, is not yours, "
                "or its case is already closed)."
            )
            return Reply(watching_text(codes), msgid)
        msgid = N_(
            "OK: I'll tell you here when %(codes)s is down. "
            "Your account is kept for this only until then."
        )
        return Reply(watching_text(codes), msgid, {"codes": ", ".join(codes)})


def removed_notice(code: str, lang: str | None) -> str:
    """The "it's down" notice for case ``code`` in the reporter's language (no link)."""
    return Texts(lang)(REMOVED, code=code)


#: the words for yes and no a person may type, in their language (comma-separated)
YES_WORDS = N_("yes, y")
NO_WORDS = N_("no, n")
#: what may follow the word (``sí!``, ``はい。``)
_TRAILING = " .!。！?？"


def _words(lang: str | None, words: str) -> set[str]:
    listed = f"{words},{Texts(lang)(words)}"  # English always counts too
    return {_normal(word) for word in listed.replace("、", ",").split(",") if word.strip()}


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().rstrip(_TRAILING).casefold()


def yes_or_no(text: str, lang: str | None) -> bool | None:
    """True for yes, False for no (in ``lang`` or English), None for anything else."""
    said = _normal(text)
    if said in _words(lang, YES_WORDS):
        return True
    if said in _words(lang, NO_WORDS):
        return False
    return None
