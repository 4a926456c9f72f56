"""Notes and merges on the Discord case card: escaped, shortened, anonymous ones name nobody."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import simcord

from bots.bootstrap import App
from bots.discord.embeds import case_embed
from core.model import CaseStatus, NoteView, ReporterRef
from db.cases import PSEUDONYM_LENGTH
from tests.conftest import sealed
from tests.discord_adapter.conftest import LINK, case_posts, field, server
from tests.discord_adapter.test_embeds import case

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
CODE = re.compile(r"LD-[0-9A-Z]{6}")


def test_notes_are_escaped_shortened_and_anonymous_ones_name_nobody() -> None:
    notes = (
        NoteView(
            "found in **the** group @everyone\nclaimed by <@123456789012345678>", AT, "discord:42"
        ),
        NoteView("reposted on a forum", AT, None),
        NoteView("y" * 3000, AT, "telegram:7"),
    )

    embed = case_embed(case(notes=notes))

    value = field(embed, "Notes (3)") or ""
    lines = value.splitlines()
    assert len(lines) == 3 and lines[0].startswith("telegram:7: yyy") and len(lines[0]) < 260
    assert lines[1] == "anonymous: reposted on a forum"
    assert lines[2].startswith("<@42>: found in \\*\\*the\\*\\* group @\u200beveryone claimed")
    assert "<@123456789012345678>" not in value


def test_a_card_with_many_long_notes_stays_within_discord_limits() -> None:
    notes = tuple(NoteView("n" * 500, AT, f"discord:{n}") for n in range(200))
    links = case().links * 300

    embed = case_embed(case(notes=notes, links=links, reason="r" * 2000))

    assert len(embed) <= 6000 and len(field(embed, "Notes (200)") or "") <= 1024


def test_a_merged_case_card_says_where_it_went() -> None:
    embed = case_embed(case(status=CaseStatus.MERGED, links=(), merged_into="LD-AAAAAA"))

    assert "merged into LD-AAAAAA" in (embed.description or "")
    assert "picture only" not in (embed.description or "")


async def test_a_fans_note_reaches_the_moderators_card(env: simcord.Env, app: App) -> None:
    s = await server(env)
    result = await s.fan.slash(s.general, "report", link=LINK, note="seen in a *private* server")
    assert result.response is not None
    [code] = CODE.findall(result.response.content)

    [card] = case_posts(s, env, code)

    # a pseudonym (the stored id is sealed), never the account or a mention
    sealed_id = sealed(app, ReporterRef("discord", str(s.fan.id))).user_id
    who = f"discord:{sealed_id[:PSEUDONYM_LENGTH]}"
    assert field(card.embeds[0], "Notes (1)") == f"{who}: seen in a \\*private\\* server"
