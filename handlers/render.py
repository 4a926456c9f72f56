"""Plain-text renderings of neutral replies (the console, Telegram and Discord fan replies)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache, singledispatch

from core.model import CaseView, NoteView, ProvenanceSignal, ReportOutcome
from core.reporter_moderation import ReporterSummary
from core.trust import suspended_until
from core.urls import extract_links
from handlers.display import one_line, shown_link
from handlers.i18n import N_, SOURCE, Moment, Texts
from handlers.messages import (
    CaseStatusReply,
    CaseUpdated,
    HelpText,
    PrivacyNotice,
    Problem,
    QueueListing,
    Reply,
    ReporterListing,
    ReportersDecided,
    ReportReceived,
)

FAN_HELP = N_("""\
leakdesk helps get leaked or faked intimate images taken down.
• Send a link (or several) to a leak, or a screenshot: I record it and give you a case code.
  I never repost the link; only the creator's moderators see it.
• /status LD-XXXXXX: where a case stands.
• /privacy: what I keep and who sees it; /forget: delete everything that ties you to your reports.
Pictures are matched even when re-uploaded, resized, cropped a little or mirrored;
videos are matched only when they are exact copies of a known file.
If it is you in the images: StopNCII.org (adults) and NCMEC's Take It Down (under 18) help too.""")

MOD_HELP = N_("""\
Moderator commands:
• /queue [status|all|trusted]: open, claimed and confirmed cases, most reported first
  (trusted: only cases with enough independent reporters or a trusted reporter)
• /show LD-…: one case with its links and notes
• /claim LD-…, /confirm LD-…, /dismiss LD-… <reason>, /reopen LD-…
• /merge LD-source LD-target: fold duplicates into one case
• /dismiss LD-… abusive: <why> marks a false or abusive report: it counts towards the
  reporter's warning and suspension
• /synthetic LD-… yes|no: decide whether the material is AI-generated (a deepfake);
  removal requests then use the deepfake wording and forms""")

#: the moderators' reporter commands (handlers/reporters.py), after MOD_HELP
REPORTERS_HELP = N_("""\
• /reporters LD-…: the case's named reporters (pseudonyms only) with their record;
  anonymous reporters are counted, never named
• /suspend LD-… <pseudonym|all> [reason]: their next reports are refused, with the date
  and how to appeal; /unsuspend <pseudonym> lifts it
• /trust <pseudonym>, /untrust <pseudonym>: their reports put a case in the trusted part
  of the queue (or no longer)""")

PRIVACY = N_("""\
What leakdesk keeps: the links you report, fingerprints (hashes) of pictures, never the pictures
themselves, a keyed code of your account (not the account id itself), the time, and your
optional note. Your account id is kept only while you wait for a "removed" notice.
Who sees it: only the creator's moderators see links and notes. Nobody else ever sees who
reported. An anonymous report hides your account from the moderators too (we keep an internal
id only to count distinct reporters and stop floods).
Links, notes, picture hashes and reporter ids of dismissed cases are deleted after the operator's
retention period. Moderators' outcomes (confirmed, dismissed) of the cases you reported shape how
much your reports count; reports repeatedly found false or abusive lead to a warning, then a
suspension for a stated time (kept after /forget). /forget deletes your account's code, your
choices, your open requests and pending notices, at any time (your reports still count, attached
to no one).""")


#: ``a.b``: chat apps turn it into a link, so a creator name must not contain it
_DOTTED = re.compile(r"\w\.\w")


class _Renderers:
    """``render_text(reply, lang)``: plain text for a neutral reply in language ``lang``.

    Renderers are registered per reply type (``@render_text.register``); one that takes no
    ``lang`` parameter renders English whatever the language (it is not translated yet).
    """

    def __init__(self) -> None:
        self._dispatch = singledispatch(self._missing)

    @staticmethod
    def _missing(reply: object, lang: str = SOURCE) -> str:
        raise TypeError(f"no renderer for {type(reply).__name__}")

    def register(self, func: Callable[..., str]) -> Callable[..., str]:
        """Register ``func`` for the reply type its first parameter is annotated with."""
        return self._dispatch.register(func)

    def __call__(self, reply: object, lang: str = SOURCE) -> str:
        """Plain text for ``reply`` in ``lang`` (English when unknown)."""
        func = self._dispatch.dispatch(type(reply))
        if _takes_language(func):
            return func(reply, lang)
        return func(reply)


@cache
def _takes_language(func: Callable[..., str]) -> bool:
    return len(inspect.signature(func).parameters) >= 2


render_text = _Renderers()


def _worded(t: Texts, text: str, msgid: str | None, params: Mapping[str, object]) -> str:
    if msgid is None:
        return t(text)  # a fixed text (or a core reason) is its own message id
    return t(msgid, **params)


@render_text.register
def _(reply: Reply, lang: str = SOURCE) -> str:
    return _worded(Texts(reply.lang or lang), reply.text, reply.msgid, reply.params)


@render_text.register
def _(reply: Problem, lang: str = SOURCE) -> str:
    return f"⚠ {_worded(Texts(reply.lang or lang), reply.text, reply.msgid, reply.params)}"


def _outcome_line(t: Texts, outcome: ReportOutcome) -> str:
    picture = outcome.link is None
    code = outcome.case_code
    if outcome.duplicate_of is not None:
        if picture:
            return t("The same picture again in this report: case %(code)s.", code=code)
        return t("The same link again in this report: case %(code)s.", code=code)
    if outcome.already_reported:
        if picture:
            return t(
                "You already reported this picture (case %(code)s); it is counted once.", code=code
            )
        return t("You already reported this link (case %(code)s); it is counted once.", code=code)
    others = outcome.reporters - 1
    if others > 0 and picture:
        line = t.plural(
            "Received: picture recorded as case %(code)s (%(n)s other person reported it too).",
            "Received: picture recorded as case %(code)s (%(n)s other people reported it too).",
            others,
            code=code,
        )
    elif others > 0:
        line = t.plural(
            "Received: link recorded as case %(code)s (%(n)s other person reported it too).",
            "Received: link recorded as case %(code)s (%(n)s other people reported it too).",
            others,
            code=code,
        )
    elif picture:
        line = t(
            "Received: picture recorded as case %(code)s (you are the first to report it).",
            code=code,
        )
    else:
        line = t(
            "Received: link recorded as case %(code)s (you are the first to report it).", code=code
        )
    if outcome.reopened:
        line += " " + t("It had been closed after review; the moderators will look at it again.")
    if outcome.matched_by == "image":
        line += " " + t("It matches a picture already reported.")
    if outcome.media_error:
        line += " " + t(
            "(The picture could not be checked: %(reason)s.)", reason=t(outcome.media_error)
        )
    return line


@render_text.register
def _(reply: ReportReceived, lang: str = SOURCE) -> str:
    t = Texts(lang)
    lines = [_outcome_line(t, outcome) for outcome in reply.outcomes]
    if reply.rejected:
        reasons = "; ".join(sorted({t(r.reason) for r in reply.rejected}))
        lines.append(
            t.plural(
                "%(n)s item(s) not accepted: %(reasons)s.",
                "%(n)s item(s) not accepted: %(reasons)s.",
                len(reply.rejected),
                reasons=reasons,
            )
        )
    if reply.anonymous:
        lines.append(t("Your report is anonymous: moderators will not see who sent it."))
    if reply.notice is not None:
        lines.append(render_text(reply.notice, lang))
    lines.append(
        t("Thank you. Please don't share the link further. Use /status <code> to follow up.")
    )
    return "\n".join(lines)


def shown_creator_name(display: str) -> str | None:
    """A creator's name as fans may see it (one short line), or None when it could turn
    into a link in a chat."""
    name = " ".join(display.split())[:64]
    if not name or "/" in name or _DOTTED.search(name) or extract_links(name):
        return None
    return name


def creator_name(display: str) -> str:
    """A creator's name as fans may see it: one short line, never anything a chat turns into
    a link ("the creator" instead)."""
    return shown_creator_name(display) or "the creator"


def sent_to_line(creator: str, lang: str = SOURCE) -> str:
    """The receipt line naming the creator whose moderators got the report (never a link)."""
    t = Texts(lang)
    name = shown_creator_name(creator)
    if name is None:
        return t("Sent to the moderators of the creator.")
    return t("Sent to the moderators of %(creator)s.", creator=name)


@render_text.register
def _(reply: CaseStatusReply, lang: str = SOURCE) -> str:
    t = Texts(lang)
    return t.plural(
        "Case %(code)s: %(status)s (%(n)s reporter(s)).",
        "Case %(code)s: %(status)s (%(n)s reporter(s)).",
        reply.reporters,
        code=reply.code,
        status=t(reply.status_text),
    )


#: a note in a case's details, and in a one-line listing
NOTE_CHARS = 300
LISTING_NOTE_CHARS = 80
#: notes shown in a case's details (the newest)
SHOWN_NOTES = 10


#: a dismissal reason in a case's details
REASON_CHARS = 500


def _plain(text: str) -> str:
    return text


def note_line(note: NoteView, limit: int = NOTE_CHARS, lang: str = SOURCE) -> str:
    """``note from <reporter>: "<text>"``; an anonymous note names nobody."""
    t = Texts(lang)
    text = one_line(note.text, limit)
    if note.reporter:
        return t('note from %(reporter)s: "%(text)s"', reporter=note.reporter, text=text)
    return t('note from an anonymous reporter: "%(text)s"', text=text)


def evidence(case: CaseView, link: Callable[[str], str] = _plain, lang: str = SOURCE) -> str:
    """The case's first link (shown by :func:`shown_link`, then ``link``), or what stands in
    for it when it has none."""
    t = Texts(lang)
    if case.links:
        return link(shown_link(case.links[0]))
    if case.merged_into:
        return t("merged into %(code)s", code=case.merged_into)
    if case.host:  # a link case whose links were purged
        return t("(links purged)")
    return t("(picture only)")


def protected_line(case: CaseView, lang: str = SOURCE) -> str:
    """'matches the creator's own image (…)' for moderators, or '' (never shown to reporters)."""
    if case.protected_tier is None:
        return ""
    t = Texts(lang)
    return t(
        "matches the creator's own image (%(tier)s match, PDQ distance %(distance)s)",
        tier=case.protected_tier,
        distance=case.protected_distance,
    )


def evidence_line(signals: Sequence[ProvenanceSignal], lang: str = SOURCE) -> str:
    """'AI-generated? evidence: …' for moderators ('' when there is none)."""
    if not signals:
        return ""
    t = Texts(lang)
    strong = any(s.suggests_synthetic for s in signals)
    parts = "; ".join(f"{s.kind.replace('_', ' ')}: {s.value}" for s in signals)
    signed = any(s.validated for s in signals)
    if strong and signed:
        return t("AI-generated? evidence (suggests synthetic): %(parts)s", parts=parts)
    if strong:
        return t(
            "AI-generated? evidence (suggests synthetic, unsigned metadata): %(parts)s",
            parts=parts,
        )
    if signed:
        return t("AI-generated? evidence (weak): %(parts)s", parts=parts)
    return t("AI-generated? evidence (weak, unsigned metadata): %(parts)s", parts=parts)


def trust_note(case: CaseView, lang: str = SOURCE) -> str:
    """' (1.5 independent, trusted)' after the raw reporter count ('' when not computed)."""
    if case.independent is None:
        return ""
    t = Texts(lang)
    n = f"{case.independent:g}"
    if case.trusted:
        return " " + t("(%(n)s independent, trusted)", n=n)
    return " " + t("(%(n)s independent)", n=n)


def synthetic_line(case: CaseView, lang: str = SOURCE) -> str:
    """The moderators' decision whether the material is synthetic, or the suggestion that
    strong evidence makes while nobody decided ('' when there is neither)."""
    t = Texts(lang)
    if case.synthetic:
        if case.synthetic_by:
            return t("marked synthetic (deepfake) by %(who)s", who=case.synthetic_by)
        return t("marked synthetic (deepfake) by a moderator")
    if case.synthetic_by:
        return t("not synthetic (decided by %(who)s)", who=case.synthetic_by)
    if case.suggested_synthetic:
        return t(
            "suggested synthetic: a moderator decides (/synthetic %(code)s yes|no)",
            code=case.code,
        )
    return ""


def case_line(
    case: CaseView,
    link: Callable[[str], str] = _plain,
    text: Callable[[str], str] = _plain,
    lang: str = SOURCE,
) -> str:
    """One line for a case in a moderator listing (includes the link: moderators only).

    Adapters with markup pass ``link`` (how a shown link is written) and ``text`` (how
    untrusted free text is escaped); plain text needs neither.
    """
    t = Texts(lang)
    extra = (
        " " + t.plural("+%(n)s more link(s)", "+%(n)s more link(s)", len(case.links) - 1)
        if len(case.links) > 1
        else ""
    )
    merged = (
        " " + t("merged into %(code)s", code=case.merged_into)
        if case.merged_into and case.links
        else ""
    )
    dup = (
        " " + t("possible duplicate of %(code)s", code=case.possible_duplicate_of)
        if case.possible_duplicate_of
        else ""
    )
    claimed = " " + t("claimed by %(who)s", who=text(case.claimed_by)) if case.claimed_by else ""
    own = f" · {protected_line(case, lang)}" if case.protected_tier else ""
    own += f" · {text(evidence_line(case.provenance, lang))}" if case.provenance else ""
    decided = synthetic_line(case, lang)
    own += f" · {text(decided)}" if decided else ""
    notes = ""
    if case.notes:
        more = (
            " " + t.plural("(+%(n)s more)", "(+%(n)s more)", len(case.notes) - 1)
            if len(case.notes) > 1
            else ""
        )
        last = text(one_line(case.notes[-1].text, LISTING_NOTE_CHARS))
        notes = " · " + t('note: "%(text)s"', text=last) + more
    reporters = t.plural("%(n)s reporter(s)", "%(n)s reporter(s)", case.reporters)
    return (
        f"{case.code} [{case.status.value}] {reporters}{trust_note(case, lang)} "
        f"{text(case.platform or case.host or '-')}: {evidence(case, link, lang)}"
        f"{extra}{merged}{claimed}{dup}{own}{notes}"
    )


@render_text.register
def _(reply: QueueListing, lang: str = SOURCE) -> str:
    t = Texts(lang)
    if not reply.cases:
        return t("No cases (%(statuses)s).", statuses=reply.status_filter)
    return "\n".join(
        [
            t("Queue (%(statuses)s):", statuses=reply.status_filter),
            *(case_line(c, lang=lang) for c in reply.cases),
        ]
    )


def case_details(case: CaseView, lang: str = SOURCE) -> list[str]:
    """The indented lines under a case's line: its other links, reason and notes."""
    t = Texts(lang)
    lines = ["  " + t("link: %(link)s", link=shown_link(link)) for link in case.links[1:]]
    if case.reason:
        lines.append("  " + t("reason: %(reason)s", reason=one_line(case.reason, REASON_CHARS)))
    shown = case.notes[-SHOWN_NOTES:]
    if len(case.notes) > len(shown):
        older = len(case.notes) - len(shown)
        lines.append(
            "  "
            + t.plural("(%(n)s older note(s) not shown)", "(%(n)s older note(s) not shown)", older)
        )
    lines += [f"  {note_line(note, lang=lang)}" for note in shown]
    return lines


#: what a moderator did, as the first word of the answer (``%(source)s``: a merged case)
_DONE = {
    "claim": N_("claimed: %(case)s"),
    "confirm": N_("confirmed: %(case)s"),
    "dismiss": N_("dismissed: %(case)s"),
    "reopen": N_("reopened: %(case)s"),
    "merge": N_("merged: %(case)s"),
    "show": N_("case: %(case)s"),
    "synthetic": N_("marked synthetic: %(case)s"),
    "not_synthetic": N_("marked not synthetic: %(case)s"),
}


@render_text.register
def _(reply: CaseUpdated, lang: str = SOURCE) -> str:
    t = Texts(lang)
    case = reply.case
    line = case_line(case, lang=lang)
    if reply.action == "merge" and reply.source:
        first = t("merged %(source)s into: %(case)s", source=reply.source, case=line)
    elif reply.action in _DONE:
        first = t(_DONE[reply.action], case=line)
    else:
        first = f"{reply.action}: {line}"
    return "\n".join([first, *case_details(case, lang)])


@render_text.register
def _(reply: HelpText, lang: str = SOURCE) -> str:
    t = Texts(lang)
    if not reply.is_moderator:
        return t(FAN_HELP)
    return f"{t(FAN_HELP)}\n\n{t(MOD_HELP)}\n{t(REPORTERS_HELP)}"


@render_text.register
def _(reply: PrivacyNotice, lang: str = SOURCE) -> str:
    return Texts(lang)(PRIVACY)


def _until(t: Texts, summary: ReporterSummary) -> str:
    assert summary.suspended_until is not None
    when = Moment(summary.suspended_until, suspended_until(summary.suspended_until))
    return t("suspended until %(until)s UTC", until=when)


def reporter_line(summary: ReporterSummary, lang: str = SOURCE) -> str:
    """``• telegram:3f9a0c21d4: 2 confirmed, 1 dismissed (1 abusive) · trusted`` (a pseudonym,
    never an account)."""
    t = Texts(lang)
    record = summary.record
    parts = [
        t(
            "%(confirmed)s confirmed, %(dismissed)s dismissed (%(abusive)s abusive)",
            confirmed=record.confirmed,
            dismissed=record.dismissed,
            abusive=record.abusive,
        )
    ]
    if summary.trusted_by_moderator:
        parts.append(t("trusted by a moderator"))
    elif summary.trusted:
        parts.append(t("trusted (by their record)"))
    if summary.suspended_until is not None:
        parts.append(_until(t, summary))
    elif summary.warned:
        parts.append(t("warned"))
    return f"• {summary.pseudonym}: " + " · ".join(parts)


@render_text.register
def _(reply: ReporterListing, lang: str = SOURCE) -> str:
    t = Texts(lang)
    listed = reply.reporters
    lines = [t("Reporters of %(code)s (pseudonyms only):", code=listed.code)]
    lines += [reporter_line(summary, lang) for summary in listed.named]
    if not listed.named:
        lines.append(t("no reporter gave their name"))
    if listed.unnamed:
        lines.append(
            t.plural(
                "+ %(n)s anonymous or forgotten reporter (never named)",
                "+ %(n)s anonymous or forgotten reporters (never named)",
                listed.unnamed,
            )
        )
    return "\n".join(lines)


#: what a moderator decided, one line per reporter
_DECIDED = {
    "suspend": N_(
        "%(reporter)s suspended until %(until)s UTC: their next report is refused with the "
        "date and how to appeal"
    ),
    "unsuspend": N_("%(reporter)s: suspension lifted"),
    "trust": N_("%(reporter)s: trusted by a moderator"),
    "untrust": N_("%(reporter)s: no longer trusted by a moderator"),
}


@render_text.register
def _(reply: ReportersDecided, lang: str = SOURCE) -> str:
    t = Texts(lang)
    if not reply.decisions:
        return t("no named reporter to act on (anonymous reporters are never named)")
    lines = []
    for decision in reply.decisions:
        until = decision.until
        when = Moment(until, suspended_until(until)) if until is not None else ""
        lines.append(t(_DECIDED[reply.action], reporter=decision.pseudonym, until=when))
    return "\n".join(lines)
