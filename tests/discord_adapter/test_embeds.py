"""The case card as moderators see it: every field, never a preview, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.discord.embeds import case_embed, queue_embed
from bots.discord.views import case_view
from core.model import CaseStatus, CaseView, LinkView, NoteView
from handlers import QueueListing
from tests.discord_adapter.conftest import LINK, field

SEEN = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def case(**overrides: object) -> CaseView:
    values: dict[str, object] = {
        "id": 7,
        "code": "LD-7KQ2MX",
        "creator": "alice",
        "status": CaseStatus.CLAIMED,
        "reporters": 3,
        "reports": 4,
        "first_seen": SEEN,
        "last_seen": SEEN,
        "host": "x.com",
        "platform": "x",
        "links": (LinkView(LINK, LINK, "x.com", "x"),),
        "claimed_by": "discord:42",
        "possible_duplicate_of": "LD-AAAAAA",
    }
    values.update(overrides)
    return CaseView(**values)  # type: ignore[arg-type]


def test_the_card_shows_what_moderators_need() -> None:
    embed = case_embed(case())

    assert embed.title == "Case LD-7KQ2MX: claimed"
    assert LINK in (embed.description or "")
    assert field(embed, "Platform") == "x" and field(embed, "Host") == "x.com"
    assert field(embed, "Reporters") == "3 (4 report(s))"
    assert field(embed, "First seen") == f"<t:{int(SEEN.timestamp())}:f>"
    assert field(embed, "Claimed by") == "<@42>"
    assert field(embed, "Possible duplicate of") == "LD-AAAAAA"
    assert embed.image.url is None and embed.thumbnail.url is None


def test_a_case_with_hundreds_of_links_stays_within_discord_limits() -> None:
    links = tuple(LinkView(f"{LINK}{n:04d}", LINK, "x.com", "x") for n in range(300))

    embed = case_embed(case(links=links, reason="r" * 2000, status=CaseStatus.DISMISSED))

    assert len(embed) <= 6000 and len(embed.description or "") <= 4096
    assert "more" in (embed.description or "").splitlines()[-1]
    assert len(field(embed, "Reason") or "") <= 1024


def test_buttons_follow_the_state_and_carry_the_case_id() -> None:
    view = case_view(case(status=CaseStatus.OPEN))

    buttons = {item.custom_id: item.item.disabled for item in view.children}  # type: ignore[attr-defined]
    assert buttons == {
        "ld:case:claim:7": False,
        "ld:case:confirm:7": False,
        "ld:case:dismiss:7": False,
        "ld:case:escalate:7": True,
    }


HOSTILE = "https://e.com/a_b*c*||spoiler||[m](https:/x.com)<@&123456789012345678>\u202egpj.exe"


def test_links_reasons_and_notes_render_inert_on_the_card() -> None:
    hostile = LinkView(HOSTILE, HOSTILE, "e.com", None)
    embed = case_embed(
        case(
            links=(hostile,),
            reason="**dup** @everyone <@&123456789012345678> ||x||",
            status=CaseStatus.DISMISSED,
            notes=(NoteView("__big__ <@&123456789012345678>\u202e", SEEN, None),),
        )
    )

    description = embed.description or ""
    [line] = [x for x in description.splitlines() if x.startswith("1. ")]
    assert line == "1. `" + HOSTILE.replace("\u202e", "<U+202E>") + "`"  # a code span: inert
    assert "\u202e" not in str(embed.to_dict())
    reason = field(embed, "Reason") or ""
    assert "\\*\\*dup\\*\\*" in reason and "\\|\\|x\\|\\|" in reason
    assert "@everyone" not in reason and "<@&123456789012345678>" not in reason
    notes = next(f.value for f in embed.fields if (f.name or "").startswith("Notes"))
    assert "\\_\\_big\\_\\_" in notes and "<U+202E>" in notes
    assert "<@&123456789012345678>" not in notes


def test_the_queue_lists_links_as_code_and_escapes_free_text() -> None:
    hostile = LinkView(HOSTILE, HOSTILE, "e.com", None)
    listing = QueueListing(
        [case(links=(hostile,), notes=(NoteView("||spoiler|| @here", SEEN, None),))]
    )

    description = queue_embed(listing).description or ""

    assert "`" + HOSTILE.replace("\u202e", "<U+202E>") + "`" in description
    assert "\\|\\|spoiler\\|\\|" in description and "@here" not in description
