"""Telegram wording: neutral replies, moderator posts and prompts, as plain text (no markup)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

from core.model import CaseView
from handlers import HelpText, Problem, ReplyType, ReportReceived, render_text
from handlers.display import one_line, shown_link
from handlers.i18n import N_, SOURCE, Texts
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

#: the first line is also the whole fan help in a group
FAN_TELEGRAM_HELP_GROUP = N_(
    "In a group: reply /report to the message with the leak (/report <note> adds a note). "
    "I delete your command and answer you here, privately."
)
FAN_TELEGRAM_HELP_PRIVATE = N_(
    "/anonymous on|off: hide your account from the moderators for your next reports.\n"
    "/language: choose the language I answer you in."
)
FAN_TELEGRAM_HELP = f"{FAN_TELEGRAM_HELP_GROUP}\n{FAN_TELEGRAM_HELP_PRIVATE}"

GROUP_ADMIN_HELP = N_("""\
Group admins: /protect <creator> [delete] sends this group's reports to that creator's \
moderators; with "delete" I also remove reported messages (I must be an admin).""")

MOD_TELEGRAM_HELP = N_("""\
In this moderator group:
• each new case is posted here once, with buttons Claim / Confirm / Dismiss / Escalate
• Dismiss asks for a reason: reply to my prompt, or use /dismiss LD-… <reason>
• /escalate [platform]: recipients and URL counts, then Confirm writes the removal requests
  (mails are sent); each form to file by hand comes to you in a DM, with Mark sent
• /agent: who signs the notices; /agent signer="…" email=… jurisdiction=US sets it
• /bind <creator>: make a group a creator's moderator group (group admins)""")

#: a dismissal prompt starts with this mark and the case code, in every language; the rest is
#: worded in the group's language (the mark makes the reply language-free to recognise)
DISMISS_MARK = "✏️"
DISMISS_PROMPT = N_("Dismiss: reply to this message with the reason (only moderators see it).")
_DISMISS_PROMPT_RE = re.compile(
    rf"^(?:{DISMISS_MARK} (LD-[0-9A-Z]{{6}}) · |Dismiss (LD-[0-9A-Z]{{6}}):)"  # or the old form
)


def reply_text(reply: ReplyType, skipped: Sequence[str] = (), lang: str = SOURCE) -> str:
    """The one place where a neutral reply, a domain refusal included, becomes Telegram text
    (in ``lang``)."""
    t = Texts(lang)
    text = render_text(reply, lang)
    if (
        isinstance(reply, Problem)
        and reply.kind == "rate_limited"
        and reply.retry_after
        and "try again in" not in reply.text  # the limit's own words may say it already
    ):
        text += " " + t(
            "(try again in %(seconds)s s)", seconds=t.number(math.ceil(reply.retry_after))
        )
    if skipped:
        text += "\n" + "\n".join(
            t("Not checked: %(reason)s.", reason=t(reason)) for reason in sorted(set(skipped))
        )
    return text


def help_text(
    reply: HelpText, *, private: bool, mod_group: bool = False, lang: str = SOURCE
) -> str:
    """Help for a private chat, an ordinary group or a moderator group, in ``lang``."""
    t = Texts(lang)
    parts = [render_text(reply, lang)]
    if private:
        parts.append(f"{t(FAN_TELEGRAM_HELP_GROUP)}\n{t(FAN_TELEGRAM_HELP_PRIVATE)}")
    else:
        parts.append(t(FAN_TELEGRAM_HELP_GROUP))
        parts.append(t(GROUP_ADMIN_HELP))
    if mod_group and reply.is_moderator:
        parts.append(t(MOD_TELEGRAM_HELP))
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


def announcement_text(case: CaseView, lang: str = SOURCE) -> str:
    """A case as posted (and kept up to date) in a moderator group, in ``lang`` (the
    creator's language); includes the links."""
    t = Texts(lang)
    mark = _STATUS_MARK.get(case.status.value, "•")
    reporters = t.plural("%(n)s reporter", "%(n)s reporters", case.reporters)
    reports = t.plural("%(n)s report(s)", "%(n)s report(s)", case.reports)
    lines = [f"{mark} {case.code} · {case.status.value} · {reporters} · {reports}"]
    where = case.platform or case.host or (t("merged") if case.merged_into else t("picture only"))
    lines.append(
        t("where: %(where)s", where=where)
        + (f" ({case.host})" if case.host and case.platform else "")
    )
    lines += [
        t("link: %(link)s", link=_shorten(shown_link(link))) for link in case.links[:POST_LINKS]
    ]
    if len(case.links) > POST_LINKS:
        lines.append(
            t.plural(
                "+%(n)s more link(s): /show %(code)s",
                "+%(n)s more link(s): /show %(code)s",
                len(case.links) - POST_LINKS,
                code=case.code,
            )
        )
    if case.claimed_by:
        lines.append(t("claimed by %(who)s", who=case.claimed_by))
    if case.reason:
        lines.append(t("reason: %(reason)s", reason=one_line(case.reason, REASON_CHARS)))
    if case.merged_into:
        lines.append(t("merged into %(code)s", code=case.merged_into))
    if case.possible_duplicate_of:
        lines.append(t("possible duplicate of %(code)s", code=case.possible_duplicate_of))
    if case.protected_tier:
        lines.append(protected_line(case, lang))
    if case.provenance:
        lines.append(evidence_line(case.provenance, lang))
    if decided := synthetic_line(case, lang):
        lines.append(decided)
    lines += [note_line(note, NOTE_CHARS, lang) for note in case.notes[-POST_NOTES:]]
    if len(case.notes) > POST_NOTES:
        lines.append(
            t.plural(
                "+%(n)s more note(s): /show %(code)s",
                "+%(n)s more note(s): /show %(code)s",
                len(case.notes) - POST_NOTES,
                code=case.code,
            )
        )
    return "\n".join(lines)[:MESSAGE_LIMIT]


def dismiss_prompt(code: str, lang: str = SOURCE) -> str:
    """The prompt moderators answer (by replying) with a dismissal reason, in ``lang``."""
    return f"{DISMISS_MARK} {code} · {Texts(lang)(DISMISS_PROMPT)}"


def prompted_code(text: str | None) -> str | None:
    """The case code of a dismissal prompt in any language (or of an older English one), or
    None when ``text`` is not one."""
    match = _DISMISS_PROMPT_RE.match(text or "")
    return (match.group(1) or match.group(2)) if match else None


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
