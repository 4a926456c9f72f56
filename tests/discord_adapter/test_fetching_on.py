"""The Discord adapter with the user's default: picture fetching on (loopback hosts only).

A fan's slash report is answered at once; the picture behind the link is fetched afterwards
by the picture pool, and a second link to the same picture on another host joins the first
case by its picture, without the fan waiting for either host.  The pool is started before
the bot, as ``leakdesk run`` does (bots/runner.py), so it is not the bot's own work that
simcord waits to settle.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
import simcord

from bots.bootstrap import App
from core.model import CaseStatus
from tests.conftest import make_settings
from tests.discord_adapter.conftest import CREATOR, case_posts, field, server, start_app
from tests.discord_adapter.test_moderator_languages import labels
from tests.hosts import HostServer
from tests.pictures import ORIGINAL, SHRUNK

CODE = re.compile(r"LD-[0-9A-Z]{6}")


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[App]:
    """The app as ``leakdesk run`` starts it: fetching on (only loopback hosts allowed, so
    nothing leaves the machine), its picture pool running before the bot connects;
    pictures hashed on a thread (simcord's virtual clock stops worker processes' waits)."""
    settings = make_settings(
        db_url,
        fetch_media=True,
        fetch_allow_networks="127.0.0.1/32",
        fetch_timeout=5.0,
        media_workers=0,
    )
    application = await start_app(settings)
    application.start_background(recheck=False)
    yield application
    await application.close()


async def test_a_reported_link_is_answered_then_its_picture_joins_the_same_leak_elsewhere(
    env: simcord.Env, app: App
) -> None:
    routes = {"/a/leak.jpg": ("image/jpeg", ORIGINAL), "/b/copy.jpg": ("image/jpeg", SHRUNK)}
    await app.creators.set_language(CREATOR, "es")  # the moderators' card speaks Spanish
    async with HostServer(routes) as host:
        s = await server(env)
        first = await s.fan.slash(s.general, "report", link=host.url("127.0.0.1", "/a/leak.jpg"))
        assert first.response is not None
        (code,) = set(CODE.findall(first.response.content))
        assert "127.0.0.1" not in first.response.content  # the fan never sees the link

        for _ in range(200):  # the pool fetches it after the answer
            if "/a/leak.jpg" in host.requests and await _hashed(app):
                break
            await asyncio.sleep(0.05)
        assert host.requests[:1] == ["/a/leak.jpg"]

        other = s.guild.add_member(env.create_user("second fan"))
        second = await other.slash(s.general, "report", link=host.url("127.0.0.1", "/b/copy.jpg"))
        assert second.response is not None
        for _ in range(200):
            cases = await app.cases.list_cases(CREATOR, list(CaseStatus))
            live = [c for c in cases if c.status != CaseStatus.MERGED]
            cards = case_posts(s, env, code)  # the card is edited after the merge commits
            shown = [field(c.embeds[0], "Personas que reportan") for c in cards]
            if len(live) == 1 and live[0].reporters == 2 and shown == ["2 (2 reportes)"]:
                break
            await asyncio.sleep(0.05)
    assert "/b/copy.jpg" in host.requests
    assert [c.code for c in live] == [code] and live[0].reporters == 2, cases
    links = sorted(link.url for link in live[0].links)
    assert links == [host.url("127.0.0.1", "/a/leak.jpg"), host.url("127.0.0.1", "/b/copy.jpg")]
    [card] = case_posts(s, env, code)  # one card, edited when the picture joined the case
    assert field(card.embeds[0], "Personas que reportan") == "2 (2 reportes)"
    assert labels(card) == {"Asignarme": False, "Confirmar": False, "Descartar": False,
                            "Escalar": True}  # fmt: skip


async def _hashed(app: App) -> bool:
    from sqlalchemy import func, select

    from db.tables import media_jobs_t

    async with app.engine.connect() as conn:
        done = await conn.execute(select(func.count()).where(media_jobs_t.c.state == "done"))
        return bool(done.scalar_one())
