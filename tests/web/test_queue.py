"""The queue page: filters, search, keyset pages and bulk actions through the core."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from db.tables import cases_t
from tests.web.conftest import MODERATOR, Dashboard, seed


def codes_on(html: str) -> list[str]:
    """Case codes of the queue's rows, in order."""
    return re.findall(r'<tr data-code="(LD-[0-9A-Z]{6})"', html)


async def test_filters_search_and_sort(dashboard: Dashboard) -> None:
    app = dashboard.app
    [x1] = await seed(app, "alice", ["https://x.com/u/status/1"], reporters=3)
    [r1] = await seed(app, "alice", ["https://www.reddit.com/r/a/comments/abc/t/"], reporters=2)
    [e1, e2] = await seed(app, "alice", ["https://example.com/a", "https://files.example.org/b"])
    [bob] = await seed(app, "bob", ["https://example.com/bob"])
    await dashboard.sign_in()

    everything = await dashboard.client.get("/")
    assert codes_on(everything.text)[:2] == [x1, r1]  # most reporters first
    assert set(codes_on(everything.text)) == {x1, r1, e1, e2}  # never bob's case
    assert bob not in everything.text

    twitter = await dashboard.client.get("/", params={"platform": "x"})
    assert codes_on(twitter.text) == [x1]
    host = await dashboard.client.get("/", params={"host": "example.com"})
    assert codes_on(host.text) == [e1]
    many = await dashboard.client.get("/", params={"min_reporters": "2"})
    assert codes_on(many.text) == [x1, r1]
    by_code = await dashboard.client.get("/", params={"q": e2.lower().replace("-", "")})
    assert codes_on(by_code.text) == [e2]
    by_host = await dashboard.client.get("/", params={"q": "files.exa"})
    assert codes_on(by_host.text) == [e2]
    newest = await dashboard.client.get("/", params={"sort": "newest"})
    assert codes_on(newest.text) == [e2, e1, r1, x1]

    async with app.engine.begin() as conn:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == r1)
            .values(first_seen=datetime.now(UTC) - timedelta(days=40))
        )
    await app.escalations.set_synthetic(e1, True, actor=MODERATOR, creator="alice")
    old = await dashboard.client.get("/", params={"age": "older30d"})
    assert codes_on(old.text) == [r1]
    recent = await dashboard.client.get("/", params={"age": "7d"})
    assert r1 not in codes_on(recent.text) and len(codes_on(recent.text)) == 3
    synthetic = await dashboard.client.get("/", params={"synthetic": "yes"})
    assert codes_on(synthetic.text) == [e1]


async def test_keyset_pages_cover_every_case_once(dashboard: Dashboard) -> None:
    urls = [f"https://example.com/p/{n}" for n in range(7)]
    seeded = await seed(dashboard.app, "alice", urls)
    await seed(dashboard.app, "alice", urls[:3])  # same fans again: no new reporters
    await dashboard.sign_in()
    for sort in ("reporters", "newest", "oldest"):
        seen: list[str] = []
        params = {"limit": "3", "sort": sort}
        for _ in range(10):
            page = await dashboard.client.get("/", params=params)
            seen += codes_on(page.text)
            found = re.search(r'id="next" href="/\?([^"]+)"', page.text)
            if not found:
                break
            after = re.search(r"after=([A-Za-z0-9_-]+)", found.group(1))
            assert after is not None
            params = {"limit": "3", "sort": sort, "after": after.group(1)}
        assert sorted(seen) == sorted(seeded), sort
    oldest = await dashboard.client.get("/", params={"sort": "oldest", "limit": "50"})
    assert codes_on(oldest.text) == seeded
    bad = await dashboard.client.get("/", params={"after": "not-a-cursor"})
    assert bad.status_code == 200 and len(codes_on(bad.text)) == 7


async def test_bulk_confirm_goes_through_moderation_and_its_audit_log(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    codes = await seed(app, "alice", [f"https://example.com/c/{n}" for n in range(4)])
    csrf = await dashboard.sign_in()
    chosen = codes[:3]
    response = await dashboard.client.post(
        "/actions",
        data={"csrf": csrf, "action": "confirm", "codes": chosen, "status": "confirmed"},
    )
    assert response.status_code == 200
    assert "3 of 3 case(s) done" in response.text
    # the filter is kept; equal counts: newest first
    assert codes_on(response.text) == sorted(chosen, key=codes.index, reverse=True)
    for code in chosen:
        case = await app.cases.get_case(code)
        assert case is not None and case.status.value == "confirmed"
        assert await app.cases.audit_log(code) == [(MODERATOR, "confirm", None)]
    untouched = await app.cases.get_case(codes[3])
    assert untouched is not None and untouched.status.value == "open"

    again = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "claim", "codes": [codes[0], codes[3]]}
    )
    assert "1 of 2 case(s) done" in again.text
    assert again.headers["hx-push-url"] == "/"
    reload = await dashboard.client.get("/actions")
    assert reload.status_code == 303 and reload.headers["location"] == "/"
    assert "case is confirmed; cannot claim" in again.text


async def test_dismiss_needs_a_reason_and_refusals_change_nothing(dashboard: Dashboard) -> None:
    app = dashboard.app
    codes = await seed(app, "alice", ["https://example.com/d/1", "https://example.com/d/2"])
    csrf = await dashboard.sign_in()
    refused = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "dismiss", "codes": codes}
    )
    assert "0 of 2" in refused.text and "a dismissal needs a reason" in refused.text
    dismissed = await dashboard.client.post(
        "/actions",
        data={"csrf": csrf, "action": "dismiss", "codes": codes[:1], "reason": "not her"},
    )
    assert "1 of 1" in dismissed.text
    case = await app.cases.get_case(codes[0])
    assert case is not None and case.status.value == "dismissed" and case.reason == "not her"

    nothing = await dashboard.client.post("/actions", data={"csrf": csrf, "action": "confirm"})
    assert nothing.status_code == 400 and "Nothing selected" in nothing.text
    unknown = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "delete", "codes": codes}
    )
    assert unknown.status_code == 400
    too_many = await dashboard.client.post(
        "/actions",
        data={"csrf": csrf, "action": "claim", "codes": [f"LD-{n:06d}" for n in range(501)]},
    )
    assert too_many.status_code == 400 and "at most 500" in too_many.text


async def test_a_stale_or_forged_form_is_refused(dashboard: Dashboard) -> None:
    app = dashboard.app
    codes = await seed(app, "alice", ["https://example.com/s/1"])
    await dashboard.sign_in()
    for token in ("", "0" * 40):
        response = await dashboard.client.post(
            "/actions", data={"csrf": token, "action": "confirm", "codes": codes}
        )
        assert response.status_code == 403 and "out of date" in response.text
    case = await app.cases.get_case(codes[0])
    assert case is not None and case.status.value == "open"


async def test_another_creators_cases_cannot_be_touched(dashboard: Dashboard) -> None:
    app = dashboard.app
    await seed(app, "alice", ["https://example.com/a"])
    [bobs] = await seed(app, "bob", ["https://example.com/bob"])
    csrf = await dashboard.sign_in("alice")
    response = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": [bobs]}
    )
    assert "0 of 1" in response.text and f"no case {bobs}" in response.text
    case = await app.cases.get_case(bobs)
    assert case is not None and case.status.value == "open"
    assert await app.cases.audit_log(bobs) == []


async def test_escalate_previews_the_requests_of_the_selected_cases(
    dashboard: Dashboard,
) -> None:
    from core.escalation.agent import AgentOfRecord

    app = dashboard.app
    codes = await seed(app, "alice", ["https://x.com/u/status/9", "https://example.com/e"])
    csrf = await dashboard.sign_in()
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": codes[:1]}
    )
    missing = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "escalate", "codes": codes}
    )
    assert missing.status_code == 200 and "agent of record" in missing.text
    await app.escalations.set_agent(
        AgentOfRecord("alice", signer="Alice A", email="alice@example.org", jurisdiction="US")
    )
    preview = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "escalate", "codes": codes}
    )
    table = preview.text.split('id="preview"')[1]
    assert codes[0] in table and "Google" in table
    assert f"Not in any request (not confirmed, or already escalated everywhere): {codes[1]}" in (
        preview.text
    )
    assert await app.tracker.list("alice") == []  # a preview writes nothing
