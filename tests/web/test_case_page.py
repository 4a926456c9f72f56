"""The case page: links as escaped text, the count of reporters, duplicates and history."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import insert, select, update

from core.escalation.agent import AgentOfRecord
from db.tables import cases_t, links_t, media_jobs_t
from tests.web.conftest import MODERATOR, Dashboard, seed


async def test_links_are_escaped_text_and_reporters_stay_unnamed(dashboard: Dashboard) -> None:
    app = dashboard.app
    url = 'https://example.com/a?q=<b>bold</b>&x="quote"'
    [code] = await seed(app, "alice", [url], reporters=2)
    await dashboard.sign_in()
    page = await dashboard.client.get(f"/cases/{code.lower()}")
    assert page.status_code == 200
    assert "<b>bold</b>" not in page.text and "&lt;b&gt;bold&lt;/b&gt;" in page.text
    links = page.text.split('id="links"')[1].split("</ul>")[0]
    assert "<a " not in links and "<img" not in page.text  # never a link, never a preview
    assert 'id="reporters">2 ' in page.text
    assert "fan0" not in page.text and "fan1" not in page.text and "telegram:" not in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]


async def test_audit_trail_duplicates_and_escalations(dashboard: Dashboard, tmp_path: Path) -> None:
    app = dashboard.app
    [a, b] = await seed(app, "alice", ["https://x.com/u/status/5", "https://example.com/b"])
    csrf = await dashboard.sign_in()
    await dashboard.client.post("/actions", data={"csrf": csrf, "action": "confirm", "codes": [a]})
    async with app.engine.begin() as conn:
        ids = dict((await conn.execute(select(cases_t.c.code, cases_t.c.id))).all())
        link = (
            await conn.execute(select(links_t.c.id).where(links_t.c.case_id == ids[b]))
        ).scalar()
        await conn.execute(
            insert(media_jobs_t).values(
                link_id=link,
                state="done",
                matched_case_id=ids[a],
                matched_by="image",
                distance=17,
                updated_at=time.time(),
            )
        )
        await conn.execute(
            update(cases_t).where(cases_t.c.id == ids[b]).values(possible_duplicate_of_id=ids[a])
        )
    await app.escalations.set_agent(
        AgentOfRecord("alice", signer="Alice A", email="alice@example.org", jurisdiction="US")
    )
    await app.escalation.escalate("alice", tmp_path / "packets", actor=MODERATOR)
    drafted = [e for e in await app.tracker.list("alice") if e.case_code == a]
    assert drafted
    await app.tracker.mark([drafted[0].id], "sent", actor=MODERATOR)

    page = await dashboard.client.get(f"/cases/{a}")
    trail = page.text.split('id="trail"')[1]
    assert MODERATOR in trail and "confirm" in trail
    escalations = page.text.split('id="escalations"')[1].split("</table>")[0]
    assert drafted[0].recipient in escalations and "sent" in escalations
    assert "UTC" in escalations  # the deadline of the sent request
    duplicate = await dashboard.client.get(f"/cases/{b}")
    dups = duplicate.text.split('id="duplicates"')[1].split("</ul>")[0]
    assert a in dups and "17 bits" in dups
    back = await dashboard.client.get(f"/cases/{a}")
    assert b in back.text.split('id="duplicates"')[1].split("</ul>")[0]


async def test_missing_and_other_creators_cases(dashboard: Dashboard) -> None:
    app = dashboard.app
    await seed(app, "alice", ["https://example.com/a"])
    [bobs] = await seed(app, "bob", ["https://example.com/secret-bob-link"])
    await dashboard.sign_in("alice")
    other = await dashboard.client.get(f"/cases/{bobs}")
    assert other.status_code == 403 and "Another creator" in other.text
    assert "secret-bob-link" not in other.text
    missing = await dashboard.client.get("/cases/LD-ZZZZZZ")
    assert missing.status_code == 404 and "No such case" in missing.text
    nonsense = await dashboard.client.get("/cases/<script>")
    assert nonsense.status_code == 404 and "<script>" not in nonsense.text
    nowhere = await dashboard.client.get("/no/such/page")
    assert nowhere.status_code == 404 and "Traceback" not in nowhere.text
