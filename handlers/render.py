"""Plain-text renderings of neutral replies (the console, Telegram and Discord fan replies)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import singledispatch

from core.model import CaseView, NoteView, ProvenanceSignal
from core.urls import extract_links
from handlers.display import one_line, shown_link
from handlers.messages import (
    CaseStatusReply,
    CaseUpdated,
    HelpText,
    PrivacyNotice,
    Problem,
    QueueListing,
    Reply,
    ReportReceived,
)

FAN_HELP = """\
leakdesk helps get leaked or faked intimate images taken down.
• Send a link (or several) to a leak, or a screenshot: I record it and give you a case code.
  I never repost the link; only the creator's moderators see it.
• /status LD-XXXXXX: where a case stands.
• /privacy: what I keep and who sees it; /forget: delete everything that ties you to your reports.
Pictures are matched even when re-uploaded, resized, cropped a little or mirrored;
videos are matched only when they are exact copies of a known file.
If it is you in the images: StopNCII.org (adults) and NCMEC's Take It Down (under 18) help too."""

MOD_HELP = """\
Moderator commands:
• /queue [status|all]: open, claimed and confirmed cases, most reported first
• /show LD-…: one case with its links and notes
• /claim LD-…, /confirm LD-…, /dismiss LD-… <reason>, /reopen LD-…
• /merge LD-source LD-target: fold duplicates into one case
• /synthetic LD-… yes|no: decide whether the material is AI-generated (a deepfake);
  removal requests then use the deepfake wording and forms"""

PRIVACY = """\
What leakdesk keeps: the links you report, fingerprints (hashes) of pictures, never the pictures
themselves, a keyed code of your account (not the account id itself), the time, and your
optional note. Your account id is kept only while you wait for a "removed" notice.
Who sees it: only the creator's moderators see links and notes. Nobody else ever sees who
reported. An anonymous report hides your account from the moderators too (we keep an internal
id only to count distinct reporters and stop floods).
Links, notes, picture hashes and reporter ids of dismissed cases are deleted after the operator's
retention period. /forget deletes your account's code, your choices, your open requests and
pending notices, at any time (your reports still count, attached to no one)."""


#: ``a.b``: chat apps turn it into a link, so a creator name must not contain it
_DOTTED = re.compile(r"\w\.\w")


@singledispatch
def render_text(reply: object) -> str:
    """Plain text for ``reply``."""
    raise TypeError(f"no renderer for {type(reply).__name__}")


@render_text.register
def _(reply: Reply) -> str:
    return reply.text


@render_text.register
def _(reply: Problem) -> str:
    return f"⚠ {reply.text}"


@render_text.register
def _(reply: ReportReceived) -> str:
    lines = []
    for outcome in reply.outcomes:
        kind = "picture" if outcome.link is None else "link"
        if outcome.duplicate_of is not None:
            lines.append(f"The same {kind} again in this report: case {outcome.case_code}.")
            continue
        if outcome.already_reported:
            lines.append(
                f"You already reported this {kind} (case {outcome.case_code}); it is counted once."
            )
            continue
        others = outcome.reporters - 1
        seen = (
            f"{others} other {'person' if others == 1 else 'people'} reported it too"
            if others > 0
            else "you are the first to report it"
        )
        line = f"Received: {kind} recorded as case {outcome.case_code} ({seen})."
        if outcome.reopened:
            line += " It had been closed after review; the moderators will look at it again."
        if outcome.matched_by == "image":
            line += " It matches a picture already reported."
        if outcome.media_error:
            line += f" (The picture could not be checked: {outcome.media_error}.)"
        lines.append(line)
    if reply.rejected:
        reasons = "; ".join(sorted({r.reason for r in reply.rejected}))
        lines.append(f"{len(reply.rejected)} item(s) not accepted: {reasons}.")
    if reply.anonymous:
        lines.append("Your report is anonymous: moderators will not see who sent it.")
    lines.append("Thank you. Please don't share the link further. Use /status <code> to follow up.")
    return "\n".join(lines)


def creator_name(display: str) -> str:
    """A creator's name as fans may see it: one short line, never anything a chat turns into
    a link."""
    name = " ".join(display.split())[:64]
    if not name or "/" in name or _DOTTED.search(name) or extract_links(name):
        return "the creator"
    return name


def sent_to_line(creator: str) -> str:
    """The receipt line naming the creator whose moderators got the report (never a link)."""
    return f"Sent to the moderators of {creator_name(creator)}."


@render_text.register
def _(reply: CaseStatusReply) -> str:
    return f"Case {reply.code}: {reply.status_text} ({reply.reporters} reporter(s))."


#: a note in a case's details, and in a one-line listing
NOTE_CHARS = 300
LISTING_NOTE_CHARS = 80
#: notes shown in a case's details (the newest)
SHOWN_NOTES = 10


#: a dismissal reason in a case's details
REASON_CHARS = 500


def _plain(text: str) -> str:
    return text


def note_line(note: NoteView, limit: int = NOTE_CHARS) -> str:
    """``note from <reporter>: "<text>"``; an anonymous note names nobody."""
    return f'note from {note.reporter or "an anonymous reporter"}: "{one_line(note.text, limit)}"'


def evidence(case: CaseView, link: Callable[[str], str] = _plain) -> str:
    """The case's first link (shown by :func:`shown_link`, then ``link``), or what stands in
    for it when it has none."""
    if case.links:
        return link(shown_link(case.links[0]))
    if case.merged_into:
        return f"merged into {case.merged_into}"
    if case.host:  # a link case whose links were purged
        return "(links purged)"
    return "(picture only)"


def protected_line(case: CaseView) -> str:
    """'matches the creator's own image (…)' for moderators, or '' (never shown to reporters)."""
    if case.protected_tier is None:
        return ""
    return (
        f"matches the creator's own image "
        f"({case.protected_tier} match, PDQ distance {case.protected_distance})"
    )


def evidence_line(signals: Sequence[ProvenanceSignal]) -> str:
    """'AI-generated? evidence: …' for moderators ('' when there is none)."""
    if not signals:
        return ""
    strong = any(s.suggests_synthetic for s in signals)
    verdict = "suggests synthetic" if strong else "weak"
    parts = "; ".join(f"{s.kind.replace('_', ' ')}: {s.value}" for s in signals)
    signed = "" if any(s.validated for s in signals) else ", unsigned metadata"
    return f"AI-generated? evidence ({verdict}{signed}): {parts}"


def synthetic_line(case: CaseView) -> str:
    """The moderators' decision whether the material is synthetic, or the suggestion that
    strong evidence makes while nobody decided ('' when there is neither)."""
    if case.synthetic:
        return f"marked synthetic (deepfake) by {case.synthetic_by or 'a moderator'}"
    if case.synthetic_by:
        return f"not synthetic (decided by {case.synthetic_by})"
    if case.suggested_synthetic:
        return f"suggested synthetic: a moderator decides (/synthetic {case.code} yes|no)"
    return ""


def case_line(
    case: CaseView, link: Callable[[str], str] = _plain, text: Callable[[str], str] = _plain
) -> str:
    """One line for a case in a moderator listing (includes the link: moderators only).

    Adapters with markup pass ``link`` (how a shown link is written) and ``text`` (how
    untrusted free text is escaped); plain text needs neither.
    """
    extra = f" +{len(case.links) - 1} more link(s)" if len(case.links) > 1 else ""
    merged = f" merged into {case.merged_into}" if case.merged_into and case.links else ""
    dup = (
        f" possible duplicate of {case.possible_duplicate_of}" if case.possible_duplicate_of else ""
    )
    claimed = f" claimed by {text(case.claimed_by)}" if case.claimed_by else ""
    own = f" · {protected_line(case)}" if case.protected_tier else ""
    own += f" · {text(evidence_line(case.provenance))}" if case.provenance else ""
    decided = synthetic_line(case)
    own += f" · {text(decided)}" if decided else ""
    notes = ""
    if case.notes:
        more = f" (+{len(case.notes) - 1} more)" if len(case.notes) > 1 else ""
        notes = f' · note: "{text(one_line(case.notes[-1].text, LISTING_NOTE_CHARS))}"{more}'
    return (
        f"{case.code} [{case.status.value}] {case.reporters} reporter(s) "
        f"{text(case.platform or case.host or '-')}: {evidence(case, link)}"
        f"{extra}{merged}{claimed}{dup}{own}{notes}"
    )


@render_text.register
def _(reply: QueueListing) -> str:
    if not reply.cases:
        return f"No cases ({reply.status_filter})."
    return "\n".join([f"Queue ({reply.status_filter}):", *(case_line(c) for c in reply.cases)])


def case_details(case: CaseView) -> list[str]:
    """The indented lines under a case's line: its other links, reason and notes."""
    lines = [f"  link: {shown_link(link)}" for link in case.links[1:]]
    if case.reason:
        lines.append(f"  reason: {one_line(case.reason, REASON_CHARS)}")
    shown = case.notes[-SHOWN_NOTES:]
    if len(case.notes) > len(shown):
        lines.append(f"  ({len(case.notes) - len(shown)} older note(s) not shown)")
    lines += [f"  {note_line(note)}" for note in shown]
    return lines


@render_text.register
def _(reply: CaseUpdated) -> str:
    case = reply.case
    verb = {
        "claim": "claimed",
        "confirm": "confirmed",
        "dismiss": "dismissed",
        "reopen": "reopened",
        "merge": f"merged {reply.source} into" if reply.source else "merged",
        "synthetic": "marked synthetic",
        "not_synthetic": "marked not synthetic",
        "show": "case",
    }.get(reply.action, reply.action)
    return "\n".join([f"{verb}: {case_line(case)}", *case_details(case)])


@render_text.register
def _(reply: HelpText) -> str:
    return FAN_HELP + ("\n\n" + MOD_HELP if reply.is_moderator else "")


@render_text.register
def _(reply: PrivacyNotice) -> str:
    return PRIVACY
