"""Platform-neutral handlers: a neutral message in, neutral replies out."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec

from core.allowlist import OfficialPage
from core.codes import normalize_case_code
from core.errors import (
    CaseNotFound,
    InvalidTransition,
    LeakdeskError,
    NotPermitted,
    RateLimited,
    UnknownReporter,
)
from core.intake import IntakeService
from core.model import PUBLIC_STATUS, Actor, CaseStatus, IncomingReport
from core.moderation import ALL_STATUSES, QUEUE_STATUSES, ModerationService
from core.ports import CaseStore, PrivacyStore
from core.reporter_moderation import ACTIONS as REPORTER_ACTIONS
from core.stats import STATS
from core.trust import SUSPENDED_TEXT, ReporterSuspended, suspended_until
from core.urls import extract_links
from handlers.i18n import N_, Moment
from handlers.messages import (
    CaseStatusReply,
    CaseUpdated,
    HelpText,
    IncomingMessage,
    PrivacyNotice,
    Problem,
    QueueListing,
    Reply,
    ReplyType,
    ReportReceived,
)

if TYPE_CHECKING:
    from handlers.reporters import ReporterHandlers

log = logging.getLogger(__name__)
P = ParamSpec("P")
#: how a moderator answers "is it synthetic?"
SYNTHETIC_ANSWERS = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
SYNTHETIC_USAGE = N_("usage: /synthetic LD-… yes|no")
#: a case code that names no case (of this creator)
NO_CASE = N_("no case %(code)s")
#: a pseudonym nobody has, or none of this creator's named reporters (the same words)
NO_REPORTER = N_("no reporter %(reporter)s among the named reporters of this creator's cases")


#: a fan reported only the creator's own official pages (core.allowlist): a kind word
OFFICIAL_PAGE = N_(
    "That is one of %(name)s's own official pages, not a leak, so nothing was recorded. "
    "Thank you for looking out for them."
)
#: a shared rate window is full (core.ratelimit): nothing about other people, no identity;
#: the wait in seconds under two minutes, else in minutes (as the core words it)
SCOPE_FULL = {
    ("place", "s"): N_(
        "A lot of reports are coming from this server or group right now, so nothing was "
        "recorded: please try again in %(seconds)s s."
    ),
    ("place", "min"): N_(
        "A lot of reports are coming from this server or group right now, so nothing was "
        "recorded: please try again in %(minutes)s min."
    ),
    ("creator", "s"): N_(
        "A lot of reports are coming in for this creator right now, so nothing was recorded: "
        "please try again in %(seconds)s s."
    ),
    ("creator", "min"): N_(
        "A lot of reports are coming in for this creator right now, so nothing was recorded: "
        "please try again in %(minutes)s min."
    ),
    ("global", "s"): N_(
        "leakdesk is taking in a lot of reports right now, so nothing was recorded: please try "
        "again in %(seconds)s s."
    ),
    ("global", "min"): N_(
        "leakdesk is taking in a lot of reports right now, so nothing was recorded: please try "
        "again in %(minutes)s min."
    ),
}


def scoped_problem(err: RateLimited) -> Problem:
    """A rate-limit refusal; a full shared window is worded by the catalog."""
    wait = max(err.retry_after, 0.0)
    if wait < 120:
        unit, params = "s", {"seconds": int(wait) + 1}
    else:
        unit, params = "min", {"minutes": int(wait // 60) + 1}
    msgid = SCOPE_FULL.get((err.scope, unit))
    if msgid is None:
        return Problem(str(err), "rate_limited", err.retry_after, err.scope)
    return Problem(
        msgid % params, "rate_limited", err.retry_after, err.scope, msgid=msgid, params=params
    )


def problem_for(err: LeakdeskError) -> Problem:
    """Map a domain error to the neutral refusal adapters render."""
    if isinstance(err, ReporterSuspended):
        until = Moment(err.until, suspended_until(err.until))
        return Problem.of(SUSPENDED_TEXT, "suspended", until=until)
    if isinstance(err, UnknownReporter):
        return Problem.of(NO_REPORTER, "not_found", reporter=err.pseudonym)
    if isinstance(err, RateLimited):
        STATS.rate_limited(err)  # once, even when the core counted it already
        return scoped_problem(err)
    if isinstance(err, NotPermitted):
        return Problem(str(err), "not_permitted")
    if isinstance(err, CaseNotFound):
        return Problem.of(NO_CASE, "not_found", code=err.code)
    if isinstance(err, InvalidTransition):
        return Problem(str(err), "conflict")
    return Problem(str(err), "invalid")


def replies_on_error(
    func: Callable[P, Awaitable[ReplyType]],
) -> Callable[P, Awaitable[ReplyType]]:
    """Turn domain errors into :class:`Problem` and unexpected ones into a safe apology."""

    @wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> ReplyType:
        try:
            return await func(*args, **kwargs)
        except LeakdeskError as err:
            return problem_for(err)
        except Exception:
            log.exception("handler %s failed", func.__name__)
            return Problem.of(
                N_("something went wrong on our side and nothing was recorded; please try again"),
                "internal",
            )

    return wrapper


class Handlers:
    """Everything a fan or a moderator can ask of leakdesk, independent of the chat platform."""

    def __init__(
        self,
        intake: IntakeService,
        moderation: ModerationService,
        cases: CaseStore,
        erasure: PrivacyStore | None = None,
        reporters: ReporterHandlers | None = None,
    ) -> None:
        self.intake = intake
        self.moderation = moderation
        self.cases = cases
        self.erasure = erasure
        #: the moderators' reporter commands (``/reporters``, ``/suspend``…), when wired
        self.reporters = reporters

    @replies_on_error
    async def report(self, message: IncomingMessage, links: list[str] | None = None) -> ReplyType:
        """Report every link (``links``, else those found in the text) and attachment."""
        found = links if links is not None else extract_links(message.text)
        incoming = IncomingReport(
            reporter=message.actor.ref,
            links=found,
            attachments=message.attachments,
            origin=message.origin,
            note=message.note,
            anonymous=message.anonymous,
            creator=message.actor.creator,
            place=message.place,
            **({"submission_id": message.submission_id} if message.submission_id else {}),
        )
        # a moderator's list of links is the normal bulk case: not rate limited like fans
        try:
            result = await self.intake.submit(incoming, trusted=message.actor.is_moderator)
        except OfficialPage as err:  # not a refusal: a kind word, nothing was recorded
            return Reply.of(OFFICIAL_PAGE, name=err.creator_name)
        notice = result.notice and Reply.of(result.notice.msgid, **result.notice.params)
        return ReportReceived(result.outcomes, result.rejected, message.anonymous, notice)

    @replies_on_error
    async def status(self, actor: Actor, code: str) -> ReplyType:
        """The public state of a case: no link, no reason, no reporters."""
        normalized = normalize_case_code(code)
        if normalized is None:
            return Problem.of(N_("case codes look like LD-7KQ2MX"), "invalid")
        view = await self.cases.get_case(normalized)
        if view is None:
            return Problem.of(NO_CASE, "not_found", code=normalized)
        return CaseStatusReply(view.code, PUBLIC_STATUS[view.status], view.reporters)

    @replies_on_error
    async def forget(self, actor: Actor) -> ReplyType:
        """Erase the link between the sender and their reports (their reports still count)."""
        if self.erasure is None:
            return Problem.of(N_("deletion is not available here; ask the operator"), "invalid")
        count = await self.erasure.forget_reporter(actor.ref)
        return Reply.of(
            N_(
                "Done: your account is no longer attached to your %(count)s report(s). "
                "The reports still count towards getting the leaks removed."
            ),
            count=count,
        )

    async def help(self, actor: Actor) -> ReplyType:
        """How to use the bot."""
        return HelpText(actor.is_moderator)

    async def privacy(self, actor: Actor) -> ReplyType:
        """The privacy notice."""
        return PrivacyNotice()

    @replies_on_error
    async def queue(self, actor: Actor, status: str | None = None) -> ReplyType:
        """Moderators: the queue, optionally one status only, or ``all``."""
        statuses = QUEUE_STATUSES
        if status and status.strip().lower() == "trusted":
            cases = await self.moderation.queue(actor, statuses, trusted_only=True)
            return QueueListing(cases, "trusted: " + ", ".join(s.value for s in statuses))
        if status and status.strip().lower() == "all":
            cases = await self.moderation.queue(actor, ALL_STATUSES)
            return QueueListing(cases, "all")
        if status:
            try:
                statuses = (CaseStatus(status.strip().lower()),)
            except ValueError:
                return Problem.of(
                    N_("unknown status; use one of %(statuses)s, all or trusted"),
                    statuses=", ".join(s.value for s in CaseStatus),
                )
        cases = await self.moderation.queue(actor, statuses)
        return QueueListing(cases, ", ".join(s.value for s in statuses))

    @replies_on_error
    async def act(
        self, actor: Actor, action: str, code: str, reason: str | None = None
    ) -> ReplyType:
        """Moderators: claim, confirm, dismiss (with reason) or reopen a case."""
        return CaseUpdated(await self.moderation.act(actor, action, code, reason), action)

    @replies_on_error
    async def merge(self, actor: Actor, source: str, target: str) -> ReplyType:
        """Moderators: fold case ``source`` into ``target``."""
        view = await self.moderation.merge(actor, source, target)
        return CaseUpdated(view, "merge", source=normalize_case_code(source))

    @replies_on_error
    async def synthetic(self, actor: Actor, code: str, answer: str) -> ReplyType:
        """Moderators: decide whether a case's material is synthetic (``yes``/``no``)."""
        decision = SYNTHETIC_ANSWERS.get(answer.strip().lower())
        if decision is None:
            return Problem.of(SYNTHETIC_USAGE)
        view = await self.moderation.mark_synthetic(actor, code, decision)
        return CaseUpdated(view, "synthetic" if decision else "not_synthetic")

    @replies_on_error
    async def show(self, actor: Actor, code: str) -> ReplyType:
        """Moderators: one case with its links."""
        return CaseUpdated(await self.moderation.case(actor, code), "show")

    async def dispatch(self, message: IncomingMessage) -> ReplyType:
        """Route a text message: a ``/command`` or, otherwise, a report of its links."""
        text = message.text.strip()
        if not text.startswith("/"):
            if not message.attachments and not extract_links(text):
                return HelpText(message.actor.is_moderator)
            return await self.report(message)
        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        command, args = words[0][1:].lower().split("@", 1)[0], words[1:]
        actor = message.actor
        if command in ("start", "help"):
            return await self.help(actor)
        if command == "privacy":
            return await self.privacy(actor)
        if command == "forget":
            return await self.forget(actor)
        if command == "status":
            if not args:
                return Problem.of(N_("usage: /status LD-…"))
            return await self.status(actor, args[0])
        if command == "report":
            return await self.report(message, extract_links(" ".join(args)))
        if command == "queue":
            return await self.queue(actor, args[0] if args else None)
        if command in ("claim", "confirm", "reopen", "show"):
            if not args:
                return Problem.of(N_("usage: /%(command)s LD-…"), command=command)
            if command == "show":
                return await self.show(actor, args[0])
            return await self.act(actor, command, args[0])
        if command == "dismiss":
            if len(args) < 2:
                return Problem.of(N_("usage: /dismiss LD-… <reason>"))
            return await self.act(actor, "dismiss", args[0], " ".join(args[1:]))
        if command == "synthetic":
            if len(args) != 2:
                return Problem.of(SYNTHETIC_USAGE)
            return await self.synthetic(actor, args[0], args[1])
        if command == "merge":
            if len(args) != 2:
                return Problem.of(N_("usage: /merge LD-source LD-target"))
            return await self.merge(actor, args[0], args[1])
        if command in ("reporters", *REPORTER_ACTIONS) and self.reporters is not None:
            return await self.reporters.command(actor, command, args)
        return Problem.of(N_("unknown command /%(command)s; try /help"), command=command)


__all__ = ["Handlers", "problem_for", "replies_on_error"]
