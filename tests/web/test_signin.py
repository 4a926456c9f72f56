"""Sign-in without passwords: one-time links, session cookies, revocation and refusals."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from bots.web import WebSettings, create_web_app
from bots.web.auth import COOKIE
from db.tables import web_links_t, web_sessions_t
from tests.web.conftest import MODERATOR, Dashboard, seed


async def test_a_link_signs_in_once_and_opens_a_strict_http_only_cookie(
    dashboard: Dashboard,
) -> None:
    await seed(dashboard.app, "alice", ["https://example.com/a"])
    token = await dashboard.auth.mint_link(MODERATOR, "alice")
    page = await dashboard.client.get("/signin", params={"token": token})
    assert page.status_code == 200 and 'id="signin"' in page.text
    # opening the link (a chat app's preview does) does not use it
    again = await dashboard.client.get("/signin", params={"token": token})
    assert again.status_code == 200

    response = await dashboard.client.post("/signin", data={"token": token})
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    queue = await dashboard.client.get("/")
    assert queue.status_code == 200 and MODERATOR in queue.text

    reused = await dashboard.client.post("/signin", data={"token": token})
    assert reused.status_code == 410 and "already used" in reused.text
    assert "Traceback" not in reused.text
    shown = await dashboard.client.get("/signin", params={"token": token})
    assert shown.status_code == 410 and "already used" in shown.text


async def test_only_hashes_of_tokens_are_stored(dashboard: Dashboard) -> None:
    await seed(dashboard.app, "alice", ["https://example.com/a"])
    token = await dashboard.auth.mint_link(MODERATOR, "alice")
    session_token, _session = await dashboard.auth.redeem_link(token)
    async with dashboard.app.engine.connect() as conn:
        links = (await conn.execute(select(web_links_t))).all()
        sessions = (await conn.execute(select(web_sessions_t))).all()
    stored = repr(links) + repr(sessions)
    assert len(links) == 1 and len(sessions) == 1
    assert token not in stored and session_token not in stored
    assert len(links[0].token_hash) == 64 and links[0].used_at is not None


async def test_expired_unknown_and_forged_credentials_get_clear_pages(
    dashboard: Dashboard,
) -> None:
    await seed(dashboard.app, "alice", ["https://example.com/a"])
    old = await dashboard.auth.mint_link(MODERATOR, "alice", now=time.time() - 601)
    expired = await dashboard.client.post("/signin", data={"token": old})
    assert expired.status_code == 410 and "expired" in expired.text
    unknown = await dashboard.client.get("/signin", params={"token": "nope"})
    assert unknown.status_code == 404 and "not valid" in unknown.text

    nobody = await dashboard.client.get("/")
    assert nobody.status_code == 401 and "Please sign in" in nobody.text
    dashboard.client.cookies.set(COOKIE, "forged-cookie-value")
    forged = await dashboard.client.get("/")
    assert forged.status_code == 401 and "Traceback" not in forged.text


async def test_revoked_sessions_stop_at_once(dashboard: Dashboard) -> None:
    await seed(dashboard.app, "alice", ["https://example.com/a"])
    await dashboard.sign_in()
    other = await dashboard.auth.mint_link("telegram:7", "alice")
    await dashboard.auth.redeem_link(other)
    assert await dashboard.auth.revoke(moderator=MODERATOR) == 1
    refused = await dashboard.client.get("/")
    assert refused.status_code == 401
    assert await dashboard.auth.revoke() == 1  # --all: the other moderator's session


async def test_signing_out_revokes_the_session(dashboard: Dashboard) -> None:
    await seed(dashboard.app, "alice", ["https://example.com/a"])
    csrf = await dashboard.sign_in()
    cookie = dashboard.client.cookies.get(COOKIE)
    out = await dashboard.client.post("/signout", data={"csrf": csrf})
    assert out.status_code == 200 and "Signed out" in out.text
    dashboard.client.cookies.set(COOKIE, cookie or "")
    assert (await dashboard.client.get("/")).status_code == 401


async def test_cookies_are_secure_when_the_public_url_is_https(dashboard: Dashboard) -> None:
    await seed(dashboard.app, "alice", ["https://example.com/a"])
    web = create_web_app(dashboard.app, WebSettings(url="https://desk.example.org"))
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = await dashboard.auth.mint_link(MODERATOR, "alice")
        response = await client.post("/signin", data={"token": token})
    assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


async def test_a_link_is_only_minted_for_a_known_creator(dashboard: Dashboard) -> None:
    from core.errors import LeakdeskError

    try:
        await dashboard.auth.mint_link(MODERATOR, "nobody")
    except LeakdeskError as err:
        assert "no creator named 'nobody'" in str(err)
    else:
        raise AssertionError("a link was minted for an unknown creator")
