"""Fixtures: the fake Bot API server, and the bot running against it on a real database."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bots.bootstrap import App
from bots.telegram import create_application, started
from db.tables import Report
from db.venues import VenueConfig
from tests.telegram_adapter.fake_bot_api import FakeBotApi

FAN, FAN2, FAN3 = 1001, 1002, 1003
ADMIN, OUTSIDER = 2001, 2002
GROUP, MOD = -1001000, -1002000
CODE = re.compile(r"LD-[0-9A-Z]{6}")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every request on loopback even where a proxy is configured."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API listening on 127.0.0.1."""
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@contextlib.asynccontextmanager
async def running_bot(fake: FakeBotApi, app: App, **settings: Any) -> AsyncIterator[Any]:
    """The leakdesk Telegram bot, long-polling the fake server."""
    assert not app.settings.fetch_media or app.settings.fetch_allow_networks == "127.0.0.1/32", (
        "tests fetch reported links only from loopback servers, never from the internet"
    )
    config = app.settings.model_copy(update={
        "telegram_token": fake.token, "telegram_api_url": fake.api_url, **settings,
    })
    application = create_application(config, app)
    async with started(application, poll_timeout=2):
        yield application


@pytest.fixture
async def bot(fake: FakeBotApi, sqlite_app: App) -> AsyncIterator[Any]:
    """The bot running on a fresh SQLite database."""
    async with running_bot(fake, sqlite_app) as application:
        yield application


async def bind_mod_group(app: App, fake: FakeBotApi, creator: str = "default") -> None:
    """Make MOD ``creator``'s moderator group with ADMIN as its admin."""
    await app.venues.bind(VenueConfig(platform="telegram", venue_id=str(MOD), creator=creator,
                                      mod_channel_id=str(MOD), is_mod_venue=True))
    fake.members[(MOD, ADMIN)] = "administrator"


async def report_rows(app: App) -> list[Any]:
    """Every stored report (origin, note, anonymous, token)."""
    reports = Report.__table__
    async with app.engine.connect() as conn:
        result = await conn.execute(
            select(reports.c.origin, reports.c.note, reports.c.anonymous, reports.c.token)
            .order_by(reports.c.id)
        )
        return list(result.all())


def codes_in(text: str) -> list[str]:
    """Case codes in a message, in order, without repeats."""
    return list(dict.fromkeys(CODE.findall(text)))


async def add_creators(app: App, *slugs: str) -> None:
    """Creators the operator created (a /start deep link to an unknown one changes nothing)."""
    from db.tables import creators_t, utcnow
    from db.upsert import insert_ignore

    async with app.engine.begin() as conn:
        await conn.execute(
            insert_ignore(conn, creators_t),
            [{"slug": slug, "display_name": slug, "created_at": utcnow()} for slug in slugs],
        )
