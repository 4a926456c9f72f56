"""Moderator-only renderings of cases (embeds): the only place a reported link appears."""

from __future__ import annotations

import discord

from core.model import CaseStatus, CaseView
from handlers import QueueListing
from handlers.display import one_line, shown_link
from handlers.i18n import N_, SOURCE, Texts
from handlers.render import case_line, evidence, evidence_line, protected_line, synthetic_line

MAX_DESCRIPTION = 3800  # Discord allows 4096; keep room for the "more" line
MAX_FIELD = 1024  # Discord's limit for one field value
MAX_REASON = 500  # with the description and the notes, the card stays under Discord's 6,000
MAX_NOTES = 1000
NOTE_CHARS = 200
COLOURS = {
    CaseStatus.OPEN: discord.Colour.blurple(),
    CaseStatus.CLAIMED: discord.Colour.gold(),
    CaseStatus.CONFIRMED: discord.Colour.red(),
    CaseStatus.ESCALATED: discord.Colour.orange(),
    CaseStatus.REMOVED: discord.Colour.green(),
    CaseStatus.DISMISSED: discord.Colour.light_grey(),
    CaseStatus.MERGED: discord.Colour.dark_grey(),
}
ANONYMOUS = N_("anonymous")
FOOTER = N_("Links are shown only in this channel. Never repost them.")


def actor_mention(label: str) -> str:
    """``discord:123`` → a mention (embeds never ping); other platforms stay as they are."""
    platform, _, user_id = label.partition(":")
    return f"<@{user_id}>" if platform == "discord" and user_id.isdigit() else label


def _fit(lines: list[str], limit: int = MAX_DESCRIPTION) -> str:
    kept: list[str] = []
    size = 0
    for n, line in enumerate(lines):
        if size + len(line) + 1 > limit:
            kept.append(f"… and {len(lines) - n} more")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def inert(text: str) -> str:
    """Text with no live markdown, masked link or mention syntax (links included)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text, ignore_links=False))


def escaped(text: str, limit: int) -> str:
    """Untrusted text as one line for an embed: no markdown, no mentions, at most ``limit``."""
    return inert(one_line(text, limit))


def code_span(shown: str) -> str:
    """A shown link (see :func:`handlers.display.shown_link`) as an inline code span: nothing
    in it renders (markdown, spoilers, masked links, mentions); moderators copy it."""
    return "`" + shown.replace("`", "%60") + "`"


def notes_field(case: CaseView, lang: str = SOURCE) -> str:
    """The newest notes that fit in one field, newest first; anonymous ones name nobody."""
    lines = []
    for note in reversed(case.notes):
        who = actor_mention(note.reporter) if note.reporter else Texts(lang)(ANONYMOUS)
        lines.append(f"{who}: {escaped(note.text, NOTE_CHARS)}")
    return _fit(lines, MAX_NOTES)


def case_embed(case: CaseView, lang: str = SOURCE) -> discord.Embed:
    """The case card in the moderator channel, in ``lang`` (the creator's language): no image
    preview, links in the text only."""
    t = Texts(lang)
    links = [
        f"{n}. {code_span(shown_link(link))}" for n, link in enumerate(case.links, 1)
    ] or [evidence(case, code_span, lang)]
    embed = discord.Embed(
        title=t("Case %(code)s: %(status)s", code=case.code, status=case.status.value),
        description=_fit([t("**Reported links**"), *links]),
        colour=COLOURS.get(case.status, discord.Colour.default()),
    )
    embed.add_field(name=t("Platform"), value=case.platform or t("other"))
    embed.add_field(name=t("Host"), value=case.host or "-")
    reports = t.plural("%(n)s report(s)", "%(n)s report(s)", case.reports)
    embed.add_field(name=t("Reporters"), value=f"{t.number(case.reporters)} ({reports})")
    embed.add_field(name=t("First seen"), value=discord.utils.format_dt(case.first_seen, "f"))
    embed.add_field(name=t("Last seen"), value=discord.utils.format_dt(case.last_seen, "f"))
    if case.claimed_by:
        embed.add_field(name=t("Claimed by"), value=actor_mention(case.claimed_by))
    if case.possible_duplicate_of:
        embed.add_field(name=t("Possible duplicate of"), value=case.possible_duplicate_of)
    if case.merged_into:
        embed.add_field(name=t("Merged into"), value=case.merged_into)
    if case.protected_tier:
        embed.add_field(
            name=t("Creator's own image"), value=protected_line(case, lang), inline=False
        )
    if case.provenance:
        value = evidence_line(case.provenance, lang)[:MAX_FIELD]
        embed.add_field(name=t("AI-generated?"), value=value, inline=False)
    if decided := synthetic_line(case, lang):
        embed.add_field(name=t("Synthetic?"), value=escaped(decided, MAX_FIELD), inline=False)
    if case.reason:
        embed.add_field(name=t("Reason"), value=escaped(case.reason, MAX_REASON), inline=False)
    if case.notes:
        embed.add_field(
            name=t.plural("Notes (%(n)s)", "Notes (%(n)s)", len(case.notes)),
            value=notes_field(case, lang),
            inline=False,
        )
    embed.set_footer(text=t(FOOTER))
    return embed


def queue_embed(listing: QueueListing, lang: str = SOURCE) -> discord.Embed:
    """The moderator queue as one embed (shown ephemerally), in ``lang``."""
    t = Texts(lang)
    lines = [case_line(case, code_span, inert, lang) for case in listing.cases] or [
        t("No cases.")
    ]
    return discord.Embed(
        title=t.plural(
            "Queue (%(statuses)s): %(n)s case(s)",
            "Queue (%(statuses)s): %(n)s case(s)",
            len(listing.cases),
            statuses=listing.status_filter,
        ),
        description=_fit(lines),
        colour=discord.Colour.blurple(),
    )
