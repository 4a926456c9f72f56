"""Escalating from the dashboard: pick recipients, preview, send or download, then follow."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from core.escalation.agent import AgentOfRecord
from db.tables import outbox_t
from tests.web.conftest import Dashboard, seed

URLS = ["https://mega.nz/file/abc#key1", "https://x.com/u/status/77", "https://example.com/n"]


async def _confirmed(dashboard: Dashboard) -> tuple[str, list[str]]:
    codes = await seed(dashboard.app, "alice", URLS)
    csrf = await dashboard.sign_in()
    done = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": codes}
    )
    assert "3 of 3 case(s) done" in done.text
    await dashboard.app.escalations.set_agent(
        AgentOfRecord("alice", signer="Alice A", email="alice@example.org", jurisdiction="US")
    )
    return csrf, codes


def _recipients(html: str) -> list[str]:
    return re.findall(r'name="recipients" value="([\w-]+)"', html)


async def test_pick_preview_and_send_through_the_outbox(dashboard: Dashboard) -> None:
    app = dashboard.app
    csrf, codes = await _confirmed(dashboard)
    pick = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "escalate", "codes": codes}
    )
    offered = _recipients(pick.text)
    assert "mega-abuse" in offered and any(r.startswith("x-") for r in offered)
    chosen = ["mega-abuse", *[r for r in offered if r.startswith("x-")]]
    form = {"csrf": csrf, "codes": codes, "recipients": chosen}
    preview = await dashboard.client.post("/escalate/preview", data=form)
    assert preview.status_code == 200
    assert "abuse@mega.io" in preview.text and "https://mega.nz/file/abc#key1" in preview.text
    assert "Form values" in preview.text  # the X form's values to copy
    assert "google" not in "".join(_recipients(preview.text))
    assert await app.tracker.list("alice") == []  # a preview writes nothing

    sent = await dashboard.client.post("/escalate/send", data=form)
    assert sent.status_code == 200 and "Escalation recorded" in sent.text
    tracked = await app.tracker.list("alice")
    assert {e.recipient for e in tracked} == set(chosen)
    assert {e.case_code for e in tracked} == {codes[0], codes[1]}
    async with app.engine.connect() as conn:
        mails = (await conn.execute(select(outbox_t.c.recipient))).scalars().all()
    assert list(mails) == ["mega-abuse"]  # only the email channel's mail, once

    again = await dashboard.client.post("/escalate/preview", data=form)
    assert "No request would go out" in again.text  # already escalated to them


async def test_download_records_drafts_and_returns_the_packets(dashboard: Dashboard) -> None:
    app = dashboard.app
    csrf, codes = await _confirmed(dashboard)
    form = {"csrf": csrf, "codes": codes[:1], "recipients": ["mega-abuse"]}
    response = await dashboard.client.post("/escalate/zip", data=form)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "summary.json" in names and "mega-abuse/notice.txt" in names
    [drafted] = await app.tracker.list("alice")
    assert (drafted.case_code, drafted.status) == (codes[0], "drafted")
    async with app.engine.connect() as conn:
        assert (await conn.execute(select(outbox_t.c.id))).first() is None


async def test_escalations_view_marks_and_refuses_bad_moves(dashboard: Dashboard) -> None:
    app = dashboard.app
    csrf, codes = await _confirmed(dashboard)
    await dashboard.client.post(
        "/escalate/zip", data={"csrf": csrf, "codes": codes[:1], "recipients": ["mega-abuse"]}
    )
    [drafted] = await app.tracker.list("alice")
    view = await dashboard.client.get("/escalations")
    assert view.status_code == 200 and codes[0] in view.text and 'data-state="drafted"' in view.text
    ids = {"csrf": csrf, "ids": [str(drafted.id)]}
    refused = await dashboard.client.post(
        "/escalations/mark", data={**ids, "status": "acknowledged"}
    )
    assert refused.status_code == 409 and "is drafted, not acknowledged" in refused.text
    sent = await dashboard.client.post("/escalations/mark", data={**ids, "status": "sent"})
    assert sent.status_code == 200 and "1 escalation(s) marked sent" in sent.text
    [now_sent] = await app.tracker.list("alice")
    assert now_sent.status == "sent" and now_sent.deadline_at is not None
    removed = await dashboard.client.post("/escalations/mark", data={**ids, "status": "removed"})
    assert 'data-state="removed"' in removed.text
    forged = await dashboard.client.post(
        "/escalations/mark", data={**ids, "csrf": "x", "status": "sent"}
    )
    assert forged.status_code == 403


async def test_another_creators_escalations_cannot_be_marked(dashboard: Dashboard) -> None:
    app = dashboard.app
    await seed(app, "alice", ["https://example.com/alice"])
    [bobs] = await seed(app, "bob", ["https://mega.nz/file/bob#k"])
    csrf = await dashboard.sign_in("bob")
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": [bobs]}
    )
    await app.escalations.set_agent(
        AgentOfRecord("bob", signer="Bob B", email="bob@example.org", jurisdiction="US")
    )
    await dashboard.client.post(
        "/escalate/zip", data={"csrf": csrf, "codes": [bobs], "recipients": ["mega-abuse"]}
    )
    [bob_escalation] = await app.tracker.list("bob")
    csrf = await dashboard.sign_in("alice")
    response = await dashboard.client.post(
        "/escalations/mark", data={"csrf": csrf, "ids": [str(bob_escalation.id)], "status": "sent"}
    )
    assert response.status_code == 404
    assert bobs not in (await dashboard.client.get("/escalations")).text
    [still] = await app.tracker.list("bob")
    assert still.status == "drafted"


async def test_missing_agent_or_empty_selection_is_a_clear_page(dashboard: Dashboard) -> None:
    codes = await seed(dashboard.app, "alice", URLS[:1])
    csrf = await dashboard.sign_in()
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": codes}
    )
    form = {"csrf": csrf, "codes": codes, "recipients": ["mega-abuse"]}
    preview = await dashboard.client.post("/escalate/preview", data=form)
    assert "agent of record" in preview.text
    send = await dashboard.client.post("/escalate/send", data=form)
    assert send.status_code == 400 and "Cannot escalate yet" in send.text
    none = await dashboard.client.post("/escalate/send", data={"csrf": csrf, "codes": codes})
    assert none.status_code == 400 and "No recipient picked" in none.text
    assert await dashboard.app.tracker.list("alice") == []


async def test_two_approvals_hold_the_mails_for_a_second_moderator(database_url: str) -> None:
    import httpx

    from bots.bootstrap import build_app
    from bots.web import WebSettings, create_web_app
    from db.web_auth import SqlWebAuth
    from tests.conftest import make_settings

    app = await build_app(make_settings(database_url, escalation_approvals=2))
    web = create_web_app(app, WebSettings(url="http://testserver"))
    transport = httpx.ASGITransport(app=web)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            dashboard = Dashboard(app, client, SqlWebAuth(app.engine))
            csrf, codes = await _confirmed(dashboard)
            form = {"csrf": csrf, "codes": codes[:1], "recipients": ["mega-abuse"]}
            sent = await client.post("/escalate/send", data=form)
            assert "1 email(s) wait for a second moderator" in sent.text
        async with app.engine.connect() as conn:
            states = (await conn.execute(select(outbox_t.c.state))).scalars().all()
        assert list(states) == ["held"]
    finally:
        await app.close()


async def test_overdue_escalations_are_red(dashboard: Dashboard) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from db.tables import escalations_t

    app = dashboard.app
    csrf, codes = await _confirmed(dashboard)
    await dashboard.client.post(
        "/escalate/zip",
        data={"csrf": csrf, "codes": codes[:1], "recipients": ["mega-abuse", "google-ncii"]},
    )
    late, on_time = await app.tracker.list("alice")
    await app.tracker.mark([late.id, on_time.id], "sent", actor="t")
    async with app.engine.begin() as conn:
        await conn.execute(
            update(escalations_t)
            .where(escalations_t.c.id == late.id)
            .values(deadline_at=datetime.now(UTC) - timedelta(hours=1))
        )
    view = await dashboard.client.get("/escalations")
    rows = re.findall(r'<tr class="(\w*)" data-state="sent">\s*<td>.*?value="(\d+)"', view.text)
    assert sorted(rows) == sorted([("overdue", str(late.id)), ("", str(on_time.id))])
    assert "1 overdue" in view.text
