"""The creators' allow-list: their own accounts and sites are never reported (issue 11).

Matched by canonical link key (any disguise) and by host + path prefix, segment by segment.
No case is opened, nothing of the report is kept but a counter on the entry.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bots.bootstrap import App, build_app
from core.allowlist import AllowList, OfficialPage, allowed_page
from core.errors import InvalidLink
from core.model import Actor, IncomingReport, ReporterRef
from db.tables import cases_t, links_t, reports_t
from handlers import IncomingMessage, Reply, ReportReceived
from tests.conftest import make_settings

OWN = "https://onlyfans.com/alicecreates"
SITE = "https://alice-creates.example"
LEAK = "https://leak.example/alice/1"


async def rows(app: App, table) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def allow(app: App, creator: str, *links: str) -> None:
    assert app.allowlist_store is not None and app.allowlist is not None
    for link in links:
        assert await app.allowlist_store.add(allowed_page(creator, link, app.intake.registry))
    await app.allowlist.refresh(force=True)


async def test_the_creators_own_pages_open_no_case_and_get_a_kind_reply(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    await app.creators.create("alice", "Alice")
    await allow(app, "alice", OWN, SITE)
    fan = Actor(ReporterRef("test", "fan-77"), creator="alice")
    caplog.set_level(logging.INFO)
    disguises = [
        "https://www.onlyfans.com/alicecreates?utm_source=x",  # the same page
        "https://onlyfans.com/AliceCreates/",  # case and a trailing slash
        "https://onlyfans.com/alicecreates/posts/123",  # a page under it
        "https://alice-creates.example/shop/item?id=5",  # the creator's own site, anywhere
    ]
    for link in disguises:
        reply = await app.handlers.report(IncomingMessage(fan, link))
        assert isinstance(reply, Reply), (link, reply)
        assert reply.text.startswith("That is one of Alice's own official pages, not a leak")
        assert "nothing was recorded" in reply.text
    # nothing stored: no case, no link, no report, no reporter trace
    assert await rows(app, cases_t) == 0
    assert await rows(app, links_t) == 0
    assert await rows(app, reports_t) == 0
    for text in (r.getMessage() for r in caplog.records):
        assert "fan-77" not in text and "alicecreates" not in text.lower()
    # only the counters, on the entries
    assert app.allowlist is not None and app.allowlist_store is not None
    await app.allowlist.flush()
    hits = {p.canonical: p.hits for p in await app.allowlist_store.entries("alice")}
    assert hits == {"https://onlyfans.com/alicecreates": 3, "https://alice-creates.example/": 1}


async def test_lookalikes_and_other_creators_are_reported_as_usual(app: App) -> None:
    await app.creators.create("alice")
    await app.creators.create("bea")
    await allow(app, "alice", OWN)
    for creator, link in (
        ("alice", "https://onlyfans.com/alicecreates2"),  # not the same account
        ("alice", "https://onlyfans.com/other/alicecreates"),
        ("alice", "https://fansly.com/alicecreates"),  # another host
        ("bea", OWN),  # alice's page, reported to another creator's moderators
    ):
        result = await app.intake.submit(
            IncomingReport(ReporterRef("test", "fan"), [link], creator=creator)
        )
        assert result.outcomes and result.outcomes[0].new_case, link
        assert not result.rejected


async def test_a_mixed_report_keeps_the_leaks_and_explains_the_rest(app: App) -> None:
    await app.creators.create("alice", "Alice")
    await allow(app, "alice", OWN)
    fan = Actor(ReporterRef("test", "fan"), creator="alice")

    reply = await app.handlers.report(IncomingMessage(fan, f"{LEAK} and {OWN}/posts/9"))

    assert isinstance(reply, ReportReceived)
    assert [o.url for o in reply.outcomes] == [LEAK]
    [turned_away] = reply.rejected
    assert turned_away.item == f"{OWN}/posts/9"
    assert "Alice's own official pages" in turned_away.reason
    assert await rows(app, cases_t) == 1


async def test_a_whole_shared_platform_cannot_be_allowed(app: App) -> None:
    with pytest.raises(InvalidLink, match="shared by many people"):
        allowed_page("alice", "https://onlyfans.com/", app.intake.registry)
    with pytest.raises(InvalidLink):
        allowed_page("alice", "javascript:alert(1)", app.intake.registry)


async def test_entries_added_elsewhere_reach_a_running_app(database_url: str) -> None:
    """The operator's CLI writes to the database; a running bot reloads within its rhythm."""
    bot = await build_app(make_settings(database_url))
    operator = await build_app(make_settings(database_url), migrate=False)
    try:
        assert bot.allowlist is not None
        fresh = AllowList(bot.allowlist_store, refresh_every=0.0)  # type: ignore[arg-type]
        link = allowed_page("alice", OWN, bot.intake.registry)
        assert operator.allowlist_store is not None
        assert await operator.allowlist_store.add(link)
        assert not await operator.allowlist_store.add(link)  # once
        from core.urls import canonicalize

        kept, official = await fresh.turn_away("alice", [canonicalize(OWN + "/x")])
        assert kept == [] and official[0][1].key == link.key
        assert await operator.allowlist_store.remove("alice", link.key)
        assert not await operator.allowlist_store.remove("alice", link.key)
        kept, official = await fresh.turn_away("alice", [canonicalize(OWN + "/x")])
        assert official == [] and len(kept) == 1
    finally:
        await operator.close()
        await bot.close()


async def test_only_official_links_raise_official_page(app: App) -> None:
    await allow(app, "alice", OWN)
    with pytest.raises(OfficialPage):
        await app.intake.submit(IncomingReport(ReporterRef("test", "f"), [OWN], creator="alice"))
    # an invalid link next to it: the invalid one is what the fan must fix
    with pytest.raises(InvalidLink, match="not accepted"):
        await app.intake.submit(
            IncomingReport(ReporterRef("test", "f"), [OWN, "javascript:alert(1)"], creator="alice")
        )
