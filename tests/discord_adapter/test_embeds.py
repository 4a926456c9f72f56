"""The case card as moderators see it: every field, never a preview, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.discord.embeds import case_embed
from bots.discord.views import case_view
from core.model import CaseStatus, CaseView, LinkView
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
