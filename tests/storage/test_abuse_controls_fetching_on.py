"""This session's intake rules with the user's default: picture fetching on, loopback hosts.

The creator's own page is turned away before anything is fetched; a suspended reporter's
link is neither recorded nor fetched; an ordinary report is answered in the fan's language
and its picture is fetched afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bots.bootstrap import App, build_app
from core.allowlist import allowed_page
from core.model import Actor, ReporterRef
from db.tables import actions_t, cases_t
from handlers import IncomingMessage, Problem, Reply, ReportReceived
from handlers.render import render_text
from tests.conftest import make_settings
from tests.hosts import HostServer
from tests.pictures import ORIGINAL, SHRUNK


@pytest.fixture
async def fetching(database_url: str) -> AsyncIterator[App]:
    """An app as a user gets it: fetching on, only loopback hosts allowed (tests never go out)."""
    settings = make_settings(
        database_url, fetch_media=True, fetch_allow_networks="127.0.0.1/32", fetch_timeout=5.0
    )
    app = await build_app(settings)
    app.start_background(recheck=False)  # the picture pool, as the bots start it
    try:
        yield app
    finally:
        await app.close()


async def case_count(app: App) -> int:
    async with app.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(cases_t))).scalar_one())


async def test_own_pages_and_suspended_reporters_are_never_fetched(
    fetching: App, tmp_path: Path
) -> None:
    app = fetching
    routes = {"/alice/photo.jpg": ("image/jpeg", ORIGINAL), "/leak.jpg": ("image/jpeg", ORIGINAL)}
    async with HostServer(routes) as host:
        base = f"http://127.0.0.1:{host.port}"
        await app.creators.create("alice", "Alice")
        assert app.allowlist_store is not None and app.allowlist is not None
        assert await app.allowlist_store.add(
            allowed_page("alice", f"{base}/alice", app.intake.registry)
        )
        await app.allowlist.refresh(force=True)
        fan = Actor(ReporterRef("test", "fan-1"), creator="alice")
        own = await app.handlers.report(IncomingMessage(fan, f"{base}/alice/photo.jpg"))
        assert isinstance(own, Reply) and "own official pages" in own.text

        troll = Actor(ReporterRef("test", "troll-1"), creator="alice")
        first = await app.handlers.report(IncomingMessage(troll, f"{base}/leak.jpg?v=1"))
        assert isinstance(first, ReportReceived)
        code = first.outcomes[0].case_code
        assert app.trust is not None
        await app.trust.suspend(case=code, reason="false reports", moderator="cli:mod")
        refused = await app.handlers.report(IncomingMessage(troll, f"{base}/leak.jpg?v=2"))
        assert isinstance(refused, Problem) and refused.kind == "suspended"
        assert "nothing was recorded" in render_text(refused)

        for _ in range(100):  # the one recorded link's picture is fetched afterwards
            if "/leak.jpg?v=1" in host.requests:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a fetch of anything else would show up by now
    assert host.requests == ["/leak.jpg?v=1"], host.requests
    assert await case_count(app) == 1


async def test_a_report_is_answered_in_spanish_and_its_picture_fetched_after(
    fetching: App,
) -> None:
    app = fetching
    async with HostServer({"/a.jpg": ("image/jpeg", ORIGINAL)}) as host:
        link = f"http://127.0.0.1:{host.port}/a.jpg"
        fan = Actor(ReporterRef("test", "fan-es"), creator="default")
        reply = await app.handlers.report(IncomingMessage(fan, link))
        assert isinstance(reply, ReportReceived)
        code = reply.outcomes[0].case_code
        text = render_text(reply, "es")
        assert text.startswith(f"Recibido: enlace registrado como caso {code}")
        assert link not in text and str(host.port) not in text
        done = {}
        for _ in range(100):
            done = await app.pictures.results("default", [reply.outcomes[0].link_key or ""])
            if done and all(r.state == "done" for r in done.values()):
                break
            await asyncio.sleep(0.1)
        assert [r.state for r in done.values()] == ["done"]
        assert host.requests == ["/a.jpg"]


async def test_picture_merges_leave_the_reporter_check_alone_and_a_decision_applies_at_once(
    fetching: App,
) -> None:
    """With fetching on the picture pool merges cases on its own (audited as leakdesk's, not a
    person's): the intake check keeps what it knows of a reporter across them, while a
    moderator's suspension in the same process refuses the reporter's very next report."""
    app = fetching
    routes = {"/a.jpg": ("image/jpeg", ORIGINAL), "/b.jpg": ("image/jpeg", SHRUNK)}
    async with HostServer(routes) as host:
        base = f"http://127.0.0.1:{host.port}"
        fan = Actor(ReporterRef("test", "fan-m"), creator="default")
        first = await app.handlers.report(IncomingMessage(fan, f"{base}/a.jpg"))
        second = await app.handlers.report(IncomingMessage(fan, f"{base}/b.jpg"))
        assert isinstance(first, ReportReceived) and isinstance(second, ReportReceived)
        codes = [first.outcomes[0].case_code, second.outcomes[0].case_code]
        merged = []
        for _ in range(100):  # the mirror's picture matches: the pool merges the two cases
            cases = [await app.cases.get_case(code) for code in codes]
            merged = [c for c in cases if c is not None and c.merged_into]
            if merged:
                break
            await asyncio.sleep(0.1)
        assert merged, "the picture pool did not merge the mirror"
        async with app.engine.connect() as conn:
            actors = set((await conn.execute(select(actions_t.c.moderator))).scalars().all())
        assert actors == {"leakdesk:picture-match"}
        assert isinstance(
            await app.handlers.report(IncomingMessage(fan, f"{base}/c")), ReportReceived
        )

        assert app.trust is not None
        await app.trust.suspend(case=codes[0], reason="false reports", moderator="cli:mod")
        refused = await app.handlers.report(IncomingMessage(fan, f"{base}/d"))
    assert isinstance(refused, Problem) and refused.kind == "suspended"


async def test_a_moderator_suspends_the_reporters_a_picture_match_brought_together(
    fetching: App,
) -> None:
    """Two fans report the same picture on two links; the picture pool merges the cases on its
    own, and the moderator's ``/reporters`` and ``/suspend … all`` on the kept case reach both."""
    import re

    app = fetching
    routes = {"/a.jpg": ("image/jpeg", ORIGINAL), "/b.jpg": ("image/jpeg", SHRUNK)}
    async with HostServer(routes) as host:
        base = f"http://127.0.0.1:{host.port}"
        fans = [Actor(ReporterRef("test", f"fan-p{n}"), creator="default") for n in (1, 2)]
        replies = [
            await app.handlers.report(IncomingMessage(fan, f"{base}/{name}"))
            for fan, name in zip(fans, ("a.jpg", "b.jpg"), strict=True)
        ]
        assert all(isinstance(reply, ReportReceived) for reply in replies)
        codes = [reply.outcomes[0].case_code for reply in replies]  # type: ignore[union-attr]
        kept = None
        for _ in range(100):  # the mirror's picture matches: the pool merges the two cases
            cases = [await app.cases.get_case(code) for code in codes]
            merged = [c for c in cases if c is not None and c.merged_into]
            if merged:
                kept = merged[0].merged_into
                break
            await asyncio.sleep(0.1)
        assert kept in codes, "the picture pool did not merge the mirror"

        moderator = Actor(ReporterRef("test", "mod-1"), True, "default")
        listing = render_text(
            await app.handlers.dispatch(IncomingMessage(moderator, f"/reporters {kept}"))
        )
        assert len(set(re.findall(r"test:[0-9a-f]{10}", listing))) == 2, listing
        assert "fan-p" not in listing  # pseudonyms only

        suspended = render_text(
            await app.handlers.dispatch(IncomingMessage(moderator, f"/suspend {kept} all"))
        )
        assert suspended.count("suspended until") == 2, suspended
        for fan in fans:
            refused = await app.handlers.report(IncomingMessage(fan, f"{base}/c"))
            assert isinstance(refused, Problem) and refused.kind == "suspended"
