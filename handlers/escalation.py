"""Escalation from a chat: preview, confirm, the form values a moderator pastes, Mark sent.

Neutral requests in, neutral replies out; the Discord and Telegram adapters only translate.
Links appear only in :class:`FormRequest`, which adapters deliver privately to the moderator.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from core.errors import MissingFields, NotPermitted
from core.escalation.agent import AgentOfRecord
from core.escalation.fields import form_values
from core.escalation.outbox import DrainResult
from core.escalation.packets import Plan, Request
from core.escalation.service import EscalationService
from core.escalation.tracking import EscalationView
from core.model import Actor
from core.ports import CreatorLanguages
from handlers.handlers import replies_on_error
from handlers.i18n import N_, SOURCE, Texts
from handlers.messages import Problem, Reply
from handlers.render import render_text

log = logging.getLogger(__name__)

#: channel kinds a moderator files by hand (the bot cannot: captchas, accounts)
BY_HAND = ("form", "in_app")
#: forms handed out in the chat after one Confirm (the rest stay in the packets: form.txt);
#: one X request per URL would otherwise flood the moderator after a large leak
FORMS_IN_CHAT = 20
#: how the agent of record is set (shown with what is missing)
HOW_TO_SET = N_(
    "A moderator sets it with /agent (signer, email, jurisdiction, …), or the operator with: "
    "leakdesk creator set %(creator)s --signer NAME --email EMAIL [--address A] [--phone P] "
    "[--jurisdiction US|EU|UK|…] [--agent-of NAME --authority TEXT] [--owns-content]"
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class MailSender(Protocol):
    """Drains the outbox of notice mails."""

    async def drain(self, limit: int = 1000) -> DrainResult:
        """Send every due mail once."""
        ...


class Agents(Protocol):
    """Where agents of record are kept."""

    async def agent(self, creator: str) -> AgentOfRecord | None:
        """The creator's agent of record, if set."""
        ...


class Tracker(Protocol):
    """Where escalations are followed (see :class:`db.escalation_tracking.SqlEscalationTracker`)."""

    async def request_ids(
        self, creator: str, request_key: str, *, statuses: Sequence[str] = ()
    ) -> list[int]:
        """Ids of the escalations of one request of ``creator``."""
        ...

    async def mark(
        self, ids: Sequence[int], status: str, *, actor: str, note: str | None = None
    ) -> list[EscalationView]:
        """Move escalations to ``status``."""
        ...


@dataclass(frozen=True)
class RecipientLine:
    """One recipient in a preview: who, how, and how many URLs in how many requests."""

    id: str
    name: str
    kind: str
    urls: int
    requests: int


@dataclass(frozen=True)
class EscalationPreview:
    """What confirming would produce (nothing is written yet). No links."""

    creator: str
    platform: str | None
    recipients: tuple[RecipientLine, ...]
    cases: int
    skipped: int
    unrouted: int
    #: the creator's language (None: the reader's)
    lang: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing to escalate."""
        return not self.recipients


@dataclass(frozen=True)
class EscalationBlocked:
    """The agent of record is unset or lacks fields: nothing was written."""

    creator: str
    missing: tuple[str, ...]
    #: the creator's language (None: the reader's)
    lang: str | None = None


@dataclass(frozen=True)
class FormRequest:
    """A request the moderator files by hand: the form's URL and the values in its order.

    Holds links: adapters deliver it privately (Discord ephemeral, Telegram DM).
    """

    request_key: str
    recipient: str
    url: str
    values: tuple[tuple[str, str], ...]
    case_codes: tuple[str, ...]
    note: str = ""
    verified: bool = True
    #: the language of the words around the values (the values stay as platforms read them)
    lang: str | None = None


@dataclass(frozen=True)
class EscalationDone:
    """Packets were written and recorded; mails queued (and sent, when SMTP is set)."""

    creator: str
    folder: str
    requests: int
    cases: int
    skipped: int
    emails: int
    sent: DrainResult | None = None
    held: int = 0
    forms: tuple[FormRequest, ...] = field(default=())
    #: form requests beyond :data:`FORMS_IN_CHAT`, only in the packets
    more_forms: int = 0
    #: the batch a second moderator approves when mails are held (``held``)
    batch: str = ""
    #: the creator's language (None: the reader's)
    lang: str | None = None


@dataclass(frozen=True)
class MarkedSent:
    """A moderator filed a form request: its escalations are now sent."""

    recipient: str
    escalations: int
    case_codes: tuple[str, ...]
    #: the creator's language (None: the reader's)
    lang: str | None = None


EscalationReply = (
    EscalationPreview | EscalationBlocked | EscalationDone | MarkedSent | Reply | Problem
)


def packets_folder(base: str | Path, creator: str, now: datetime | None = None) -> Path:
    """``<base>/<creator>/<UTC timestamp>``: one folder per escalation."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return Path(base) / (_UNSAFE.sub("_", creator) or "_") / moment


def _recipients(plan: Plan) -> tuple[RecipientLine, ...]:
    lines: dict[str, RecipientLine] = {}
    for request in plan.requests:
        channel = request.channel
        old = lines.get(channel.id)
        lines[channel.id] = RecipientLine(
            channel.id,
            channel.name,
            channel.kind,
            (old.urls if old else 0) + len(request.items),
            (old.requests if old else 0) + 1,
        )
    return tuple(lines.values())


def _form(request: Request, notice: str, agent: AgentOfRecord) -> FormRequest:
    channel = request.channel
    return FormRequest(
        request.key,
        channel.name,
        channel.url or "",
        tuple(form_values(channel.fields, request, notice, agent)),
        request.case_codes,
        channel.note,
        channel.verified,
    )


class EscalationHandlers:
    """Moderators escalate their creator's confirmed cases from a chat."""

    def __init__(
        self,
        service: EscalationService,
        agents: Agents,
        tracker: Tracker,
        platforms: Collection[str],
        *,
        packets_dir: str | Path = "packets",
        mail_sender: Callable[[], MailSender | None] = lambda: None,
        languages: CreatorLanguages | None = None,
    ) -> None:
        """``languages``: each creator's language, which their moderators' replies use."""
        self._languages = languages
        self._service = service
        self._agents = agents
        self._tracker = tracker
        self._platforms = frozenset(platforms)
        self._packets_dir = packets_dir
        self._mail_sender = mail_sender

    def use_mail_sender(self, mail_sender: Callable[[], MailSender | None]) -> None:
        """Send mails through what ``mail_sender`` returns (None: only write them)."""
        self._mail_sender = mail_sender

    async def _lang(self, creator: str) -> str | None:
        return await creator_language(self._languages, creator)

    def _platform(self, platform: str | None) -> str | None:
        wanted = (platform or "").strip().lower()
        if wanted in ("", "all", "*"):
            return None
        return wanted

    def _check(self, actor: Actor, platform: str | None) -> str | None:
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can escalate")
        wanted = self._platform(platform)
        if wanted is not None and wanted not in self._platforms:
            raise MissingPlatform(wanted, ", ".join(sorted(self._platforms)))
        return wanted

    @replies_on_error
    async def preview(self, actor: Actor, platform: str | None = None) -> EscalationReply:
        """Who would get what if the moderator confirmed (recipients and URL counts)."""
        lang = await self._lang(actor.creator)
        try:
            wanted = self._check(actor, platform)
        except MissingPlatform as err:
            return err.problem(lang)
        agent, plan = await self._service.plan(actor.creator, platform=wanted)
        if plan.missing or agent is None:
            return EscalationBlocked(actor.creator, tuple(plan.missing), lang)
        return EscalationPreview(
            actor.creator,
            wanted,
            _recipients(plan),
            plan.cases,
            plan.skipped,
            len(plan.unrouted),
            lang,
        )

    @replies_on_error
    async def escalate(self, actor: Actor, platform: str | None = None) -> EscalationReply:
        """Write the packets, record them, queue (and send) the mails; return the forms."""
        lang = await self._lang(actor.creator)
        try:
            wanted = self._check(actor, platform)
        except MissingPlatform as err:
            return err.problem(lang)
        folder = packets_folder(self._packets_dir, actor.creator)
        sender = self._mail_sender()
        try:
            plan, summary = await self._service.escalate(
                actor.creator, folder, platform=wanted, send=sender is not None, actor=actor.label
            )
        except MissingFields as err:
            return EscalationBlocked(actor.creator, tuple(err.fields), lang)
        if not plan.requests:
            nothing = Reply.of(
                N_("Nothing to escalate for %(creator)s: no new confirmed cases."),
                creator=actor.creator,
            )
            return replace(nothing, lang=lang)
        assert summary is not None
        held = int(summary.get("held_for_approval", 0))  # type: ignore[call-overload]
        sent = await sender.drain() if sender is not None and not held else None
        agent = await self._agents.agent(actor.creator)
        assert agent is not None  # escalate() raised MissingFields otherwise
        forms = []
        by_hand = 0
        for request in plan.requests:
            if request.channel.kind in BY_HAND:
                by_hand += 1
                if by_hand > FORMS_IN_CHAT:
                    continue
                notice = self._service.notice_text(request, agent)
                forms.append(replace(_form(request, notice, agent), lang=lang))
        log.info(
            "escalation of %s by %s: %d request(s) under %s",
            actor.creator,
            actor.label,
            len(plan.requests),
            folder,
        )
        return EscalationDone(
            actor.creator,
            str(folder),
            len(plan.requests),
            plan.cases,
            plan.skipped,
            sum(r.channel.kind == "email" for r in plan.requests),
            sent,
            held,
            tuple(forms),
            by_hand - len(forms),
            str(summary.get("batch", "")),
            lang,
        )

    @replies_on_error
    async def mark_sent(
        self, actor: Actor, request_key: str, recipient: str = ""
    ) -> EscalationReply:
        """The moderator filed a form: mark that request's escalations sent."""
        if not actor.is_moderator:
            raise NotPermitted("only the creator's moderators can mark requests")
        lang = await self._lang(actor.creator)
        ids = await self._tracker.request_ids(actor.creator, request_key, statuses=("drafted",))
        if not ids:
            marked = Reply.of(N_("That request is already marked sent (or no longer exists)."))
            return replace(marked, lang=lang)
        views = await self._tracker.mark(ids, "sent", actor=actor.label)
        codes = tuple(dict.fromkeys(v.case_code for v in views))
        name = recipient or (views[0].recipient if views else "")
        log.info(
            "request %s marked sent by %s (%d escalation(s))", request_key, actor.label, len(ids)
        )
        return MarkedSent(name, len(ids), codes, lang)


async def creator_language(languages: CreatorLanguages | None, creator: str) -> str | None:
    """The language ``creator``'s moderators read (None: unknown, the reader's own)."""
    if languages is None:
        return None
    return await languages.language(creator) or SOURCE


class MissingPlatform(Exception):
    """The moderator named a platform no recipient belongs to."""

    def __init__(self, platform: str, known: str) -> None:
        super().__init__(f"no recipient known for {platform}; use one of: {known}")
        self.platform = platform
        self.known = known

    def problem(self, lang: str | None) -> Problem:
        """The refusal, worded in ``lang``."""
        problem = Problem.of(
            N_("no recipient known for %(platform)s; use one of: %(known)s"),
            platform=self.platform,
            known=self.known,
        )
        return replace(problem, lang=lang)


def mail_line(t: Texts, sent: DrainResult) -> str:
    """How many mails went out, are retried, were refused (in ``t``'s language)."""
    return t(
        "Mail: %(sent)s sent, %(retrying)s to retry, %(failed)s refused.",
        sent=t.number(sent.sent),
        retrying=t.number(sent.retrying),
        failed=t.number(sent.failed),
    )


def _nothing_line(t: Texts, reply: EscalationPreview) -> str:
    creator, platform = reply.creator, reply.platform
    if platform and reply.skipped:
        return t.plural(
            "Nothing to escalate on %(platform)s: no new confirmed cases of %(creator)s "
            "(%(n)s already escalated).",
            "Nothing to escalate on %(platform)s: no new confirmed cases of %(creator)s "
            "(%(n)s already escalated).",
            reply.skipped,
            platform=platform,
            creator=creator,
        )
    if reply.skipped:
        return t.plural(
            "Nothing to escalate: no new confirmed cases of %(creator)s (%(n)s already escalated).",
            "Nothing to escalate: no new confirmed cases of %(creator)s (%(n)s already escalated).",
            reply.skipped,
            creator=creator,
        )
    if platform:
        return t(
            "Nothing to escalate on %(platform)s: no new confirmed cases of %(creator)s.",
            platform=platform,
            creator=creator,
        )
    return t("Nothing to escalate: no new confirmed cases of %(creator)s.", creator=creator)


@render_text.register
def _(reply: EscalationPreview, lang: str = SOURCE) -> str:
    t = Texts(reply.lang or lang)
    if reply.empty:
        return _nothing_line(t, reply)
    if reply.platform:
        first = t.plural(
            "Escalating %(n)s confirmed case(s) of %(creator)s on %(platform)s would send:",
            "Escalating %(n)s confirmed case(s) of %(creator)s on %(platform)s would send:",
            reply.cases,
            creator=reply.creator,
            platform=reply.platform,
        )
    else:
        first = t.plural(
            "Escalating %(n)s confirmed case(s) of %(creator)s would send:",
            "Escalating %(n)s confirmed case(s) of %(creator)s would send:",
            reply.cases,
            creator=reply.creator,
        )
    lines = [first]
    for r in reply.recipients:
        urls = t.plural("%(n)s URL(s)", "%(n)s URL(s)", r.urls)
        requests = t.plural("%(n)s request(s)", "%(n)s request(s)", r.requests)
        line = t(
            "%(name)s (%(kind)s): %(urls)s in %(requests)s",
            name=r.name,
            kind=r.kind,
            urls=urls,
            requests=requests,
        )
        lines.append(f"• {line}")
    if reply.skipped:
        lines.append(
            t.plural(
                "%(n)s case(s) already escalated are left out.",
                "%(n)s case(s) already escalated are left out.",
                reply.skipped,
            )
        )
    if reply.unrouted:
        lines.append(
            t.plural(
                "%(n)s link(s) are on hosts without a known channel.",
                "%(n)s link(s) are on hosts without a known channel.",
                reply.unrouted,
            )
        )
    lines.append(t("Press Confirm to write the requests (forms come to you privately)."))
    return "\n".join(lines)


@render_text.register
def _(reply: EscalationBlocked, lang: str = SOURCE) -> str:
    t = Texts(reply.lang or lang)
    missing = "\n".join(f"• {name}" for name in reply.missing)
    first = t(
        "Cannot escalate yet: %(creator)s's agent of record (who signs the notices) is missing:",
        creator=reply.creator,
    )
    return f"{first}\n{missing}\n" + t(HOW_TO_SET, creator=reply.creator)


@render_text.register
def _(reply: EscalationDone, lang: str = SOURCE) -> str:
    t = Texts(reply.lang or lang)
    lines = [
        t.plural(
            "Escalated %(n)s case(s) of %(creator)s: %(requests)s written under %(folder)s.",
            "Escalated %(n)s case(s) of %(creator)s: %(requests)s written under %(folder)s.",
            reply.cases,
            creator=reply.creator,
            requests=t.plural("%(n)s request(s)", "%(n)s request(s)", reply.requests),
            folder=reply.folder,
        )
    ]
    if reply.held:
        lines.append(
            t.plural(
                "%(n)s mail(s) wait for a second moderator's approval.",
                "%(n)s mail(s) wait for a second moderator's approval.",
                reply.held,
            )
        )
    elif reply.sent is not None:
        lines.append(mail_line(t, reply.sent))
    elif reply.emails:
        lines.append(
            t.plural(
                "%(n)s mail(s) are in the packets, not sent (no mail server set).",
                "%(n)s mail(s) are in the packets, not sent (no mail server set).",
                reply.emails,
            )
        )
    if reply.forms:
        lines.append(
            t.plural(
                "%(n)s form(s) to file by hand: the values come to you privately, each with "
                "Mark sent.",
                "%(n)s form(s) to file by hand: the values come to you privately, each with "
                "Mark sent.",
                len(reply.forms),
            )
        )
    if reply.more_forms:
        lines.append(
            t.plural(
                "%(n)s more form(s) are only in the packets (form.txt in each recipient's "
                "folder); mark them with: leakdesk escalations mark ID… --sent",
                "%(n)s more form(s) are only in the packets (form.txt in each recipient's "
                "folder); mark them with: leakdesk escalations mark ID… --sent",
                reply.more_forms,
            )
        )
    return "\n".join(lines)


@render_text.register
def _(reply: FormRequest, lang: str = SOURCE) -> str:
    t = Texts(reply.lang or lang)
    lines = [t("%(recipient)s: open %(url)s", recipient=reply.recipient, url=reply.url)]
    if not reply.verified:
        lines.append(t("(unverified channel: check the page before use)"))
    lines.append(t("Cases: %(codes)s. Paste in this order:", codes=", ".join(reply.case_codes)))
    for label, value in reply.values:  # as the platform's form reads them (English)
        lines += [f"— {label} —", value]
    if reply.note:
        lines.append(t("Note: %(note)s", note=reply.note))
    lines.append(t("Press Mark sent once you have submitted the form."))
    return "\n".join(lines)


@render_text.register
def _(reply: MarkedSent, lang: str = SOURCE) -> str:
    t = Texts(reply.lang or lang)
    return t.plural(
        "Marked sent: %(n)s escalation(s) to %(recipient)s (cases %(codes)s). The deadline "
        "clock runs from now.",
        "Marked sent: %(n)s escalation(s) to %(recipient)s (cases %(codes)s). The deadline "
        "clock runs from now.",
        reply.escalations,
        recipient=reply.recipient,
        codes=", ".join(reply.case_codes),
    )


def chunks(text: str, limit: int) -> list[str]:
    """``text`` cut at line ends into pieces of at most ``limit`` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines():
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces or [""]


__all__ = [
    "EscalationBlocked",
    "EscalationDone",
    "EscalationHandlers",
    "EscalationPreview",
    "EscalationReply",
    "FormRequest",
    "MarkedSent",
    "chunks",
    "packets_folder",
]
