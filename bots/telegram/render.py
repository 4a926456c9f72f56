"""Telegram wording: neutral replies, moderator posts and prompts, as plain text (no markup)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

from core.model import CaseView
from handlers import HelpText, Problem, ReplyType, ReportReceived, render_text
from handlers.display import one_line, shown_link
from handlers.render import (
    REASON_CHARS,
    evidence_line,
    note_line,
    protected_line,
    synthetic_line,
)

#: Telegram's limit for one message is 4096 characters; stay a little below it.
MESSAGE_LIMIT = 4000
#: links listed in a moderator post; the rest are behind /show
POST_LINKS = 5
LINK_CHARS = 400
#: notes in a moderator post (the newest), each at most NOTE_CHARS; the rest are behind /show
POST_NOTES = 3
NOTE_CHARS = 200

_STATUS_MARK = {
    "open": "🆕",
    "claimed": "👀",
    "confirmed": "✅",
    "dismissed": "🚫",
    "merged": "🔗",
    "escalated": "📨",
    "removed": "🧹",
}

FAN_TELEGRAM_HELP = """\
In a group: reply /report to the message with the leak (/report <note> adds a note). \
I delete your command and answer you here, privately.
/anonymous on|off: hide your account from the moderators for your next reports."""

GROUP_ADMIN_HELP = """\
Group admins: /protect <creator> [delete] sends this group's reports to that creator's \
moderators; with "delete" I also remove reported messages (I must be an admin)."""

MOD_TELEGRAM_HELP = """\
In this moderator group:
• each new case is posted here once, with buttons Claim / Confirm / Dismiss / Escalate
• Dismiss asks for a reason: reply to my prompt, or use /dismiss LD-… <reason>
• /escalate [platform]: recipients and URL counts, then Confirm writes the removal requests
  (mails are sent); each form to file by hand comes to you in a DM, with Mark sent
• /agent: who signs the notices; /agent signer="…" email=… jurisdiction=US sets it
• /bind <creator>: make a group a creator's moderator group (group admins)"""

DISMISS_PROMPT = "Dismiss {code}: reply to this message with the reason (moderators only see it)."
_DISMISS_PROMPT_RE = re.compile(r"^Dismiss (LD-[0-9A-Z]{6}):")


def reply_text(reply: ReplyType, skipped: Sequence[str] = ()) -> str:
    """The one place where a neutral reply, a domain refusal included, becomes Telegram text."""
    text = render_text(reply)
    if (
        isinstance(reply, Problem)
        and reply.kind == "rate_limited"
        and reply.retry_after
        and "try again in" not in text  # the limit's own words may say it already
    ):
        text += f" (try again in {math.ceil(reply.retry_after)} s)"
    if skipped:
        text += "\n" + "\n".join(f"Not checked: {reason}." for reason in sorted(set(skipped)))
    return text


def help_text(reply: HelpText, *, private: bool, mod_group: bool = False) -> str:
    """Help for a private chat, an ordinary group or a moderator group."""
    parts = [render_text(reply)]
    if private:
        parts.append(FAN_TELEGRAM_HELP)
    else:
        parts.append(FAN_TELEGRAM_HELP.split("\n", 1)[0])
        parts.append(GROUP_ADMIN_HELP)
    if mod_group and reply.is_moderator:
        parts.append(MOD_TELEGRAM_HELP)
    return "\n\n".join(parts)


def case_codes(reply: ReportReceived) -> list[str]:
    """The distinct case codes of a report, in order."""
    return list(dict.fromkeys(outcome.case_code for outcome in reply.outcomes))


def group_notice(
    reply: ReplyType, deep_link: str, reported_links: Sequence[str], *, with_code: bool = True
) -> str:
    """What a group sees when the reporter cannot be answered privately.

    Never the reported link and never who reported.  ``with_code=False`` (the /report command
    could not be deleted, so the group sees who sent it) leaves the case code out too: next to
    the visible command it would tie the reporter to the case.
    """
    if isinstance(reply, ReportReceived) and not with_code:
        text = (
            "A report was received; the moderators will review it. Please don't share the link "
            f"further. For private updates, start a chat with me: {deep_link}"
        )
    elif isinstance(reply, ReportReceived):
        text = (
            f"A report was received (case {', '.join(case_codes(reply))}); the moderators will "
            f"review it. Please don't share the link further. For private updates, start a chat "
            f"with me: {deep_link}"
        )
    else:
        text = f"A report could not be recorded. Start a chat with me to see why: {deep_link}"
    if any(link and link in text for link in reported_links):
        return f"A report was received. Start a chat with me for updates: {deep_link}"
    return text


def _shorten(url: str) -> str:
    return url if len(url) <= LINK_CHARS else url[: LINK_CHARS - 1] + "…"


def announcement_text(case: CaseView) -> str:
    """A case as posted (and kept up to date) in a moderator group; includes the links."""
    mark = _STATUS_MARK.get(case.status.value, "•")
    reporters = f"{case.reporters} reporter{'s' if case.reporters != 1 else ''}"
    lines = [f"{mark} {case.code} · {case.status.value} · {reporters} · {case.reports} report(s)"]
    where = case.platform or case.host or ("merged" if case.merged_into else "picture only")
    lines.append(f"where: {where}" + (f" ({case.host})" if case.host and case.platform else ""))
    lines += [f"link: {_shorten(shown_link(link))}" for link in case.links[:POST_LINKS]]
    if len(case.links) > POST_LINKS:
        lines.append(f"+{len(case.links) - POST_LINKS} more link(s): /show {case.code}")
    if case.claimed_by:
        lines.append(f"claimed by {case.claimed_by}")
    if case.reason:
        lines.append(f"reason: {one_line(case.reason, REASON_CHARS)}")
    if case.merged_into:
        lines.append(f"merged into {case.merged_into}")
    if case.possible_duplicate_of:
        lines.append(f"possible duplicate of {case.possible_duplicate_of}")
    if case.protected_tier:
        lines.append(protected_line(case))
    if case.provenance:
        lines.append(evidence_line(case.provenance))
    if decided := synthetic_line(case):
        lines.append(decided)
    lines += [note_line(note, NOTE_CHARS) for note in case.notes[-POST_NOTES:]]
    if len(case.notes) > POST_NOTES:
        lines.append(f"+{len(case.notes) - POST_NOTES} more note(s): /show {case.code}")
    return "\n".join(lines)[:MESSAGE_LIMIT]


def dismiss_prompt(code: str) -> str:
    """The prompt moderators answer (by replying) with a dismissal reason."""
    return DISMISS_PROMPT.format(code=code)


def prompted_code(text: str | None) -> str | None:
    """The case code of a dismissal prompt, or None when ``text`` is not one."""
    match = _DISMISS_PROMPT_RE.match(text or "")
    return match.group(1) if match else None


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> Iterator[str]:
    """Split ``text`` at line ends into messages Telegram accepts."""
    part = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if part:
                yield part
                part = ""
            yield line[:limit]
            line = line[limit:]
        if len(part) + len(line) > limit:
            yield part
            part = ""
        part += line
    if part.strip():
        yield part
