"""Dashboard fixtures: a wired App on both databases, its ASGI app, and seeded cases."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from bots.bootstrap import App
from bots.web import WebSettings, create_web_app
from core.model import IncomingReport, Origin, ReporterRef
from db.web_auth import SqlWebAuth

MODERATOR = "discord:4242"


async def seed(app: App, creator: str, urls: list[str], reporters: int = 1) -> list[str]:
    """Report ``urls`` for ``creator`` (each by ``reporters`` fans); their case codes."""
    codes = []
    for url in urls:
        code = ""
        for n in range(reporters):
            result = await app.intake.submit(
                IncomingReport(
                    ReporterRef("telegram", f"fan{n}"), [url], origin=Origin.DM, creator=creator
                ),
                trusted=True,
            )
            code = result.outcomes[0].case_code
        codes.append(code)
    return codes


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@dataclass
class Dashboard:
    """An ASGI client on the dashboard of a wired App."""

    app: App
    client: httpx.AsyncClient
    auth: SqlWebAuth

    async def sign_in(self, creator: str = "alice", moderator: str = MODERATOR) -> str:
        """Sign in with a fresh one-time link; the CSRF token of the queue page."""
        token = await self.auth.mint_link(moderator, creator)
        response = await self.client.post("/signin", data={"token": token})
        assert response.status_code == 303, response.text
        queue = await self.client.get("/")
        assert queue.status_code == 200
        return csrf_of(queue.text)


@pytest.fixture
async def dashboard(app: App) -> AsyncIterator[Dashboard]:
    """The dashboard over the shared ``app`` fixture (SQLite file and PostgreSQL)."""
    web = create_web_app(app, WebSettings(url="http://testserver"))
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Dashboard(app, client, SqlWebAuth(app.engine))
