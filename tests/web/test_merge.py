"""Bulk Merge on the queue: many selected cases folded into one, with the core's merge rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bots.web.auth import parse_moderator
from core.events import CaseChanged
from core.model import Actor
from db.audit_verify import verify_audit_chain
from db.tables import cases_t
from tests.web.conftest import MODERATOR, Dashboard, seed


async def test_merge_keeps_the_oldest_selected_case_and_audits_each_merge(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    codes = await seed(app, "alice", [f"https://example.com/m/{n}" for n in range(4)])
    await seed(app, "alice", ["https://example.com/m/0"], reporters=2)  # fan0 again, fan1
    before = [await app.cases.get_case(code) for code in codes[:3]]
    oldest = codes[2]
    async with app.engine.begin() as conn:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == oldest)
            .values(first_seen=datetime.now(UTC) - timedelta(days=3))
        )
    changed: list[str] = []

    async def collect(event: CaseChanged) -> None:
        changed.append(event.code)

    app.events.subscribe(collect)
    csrf = await dashboard.sign_in()
    chosen = codes[:3]
    response = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "merge", "codes": chosen}
    )
    assert response.status_code == 200, response.text
    assert "2 of 2 case(s) done" in response.text
    assert f'id="merge-target">{oldest}<' in response.text
    kept = await app.cases.get_case(oldest)
    assert kept is not None and kept.status.value == "open" and len(kept.links) == 3
    assert kept.reporters == 2  # distinct reporters, not a sum
    assert kept.reports == sum(view.reports for view in before if view is not None) == 4
    for code in (codes[0], codes[1]):
        case = await app.cases.get_case(code)
        assert case is not None and case.status.value == "merged" and case.merged_into == oldest
        assert await app.cases.audit_log(code) == [(MODERATOR, "merge", f"merged into {oldest}")]
    trail = await app.cases.audit_log(oldest)
    assert sorted(trail) == sorted(
        (MODERATOR, "merge_in", f"absorbed {code}") for code in (codes[0], codes[1])
    )
    untouched = await app.cases.get_case(codes[3])
    assert untouched is not None and untouched.status.value == "open"
    assert (await verify_audit_chain(app.engine)).ok  # written through the chained audit log
    await app.events.drain()
    assert sorted(changed) == sorted(chosen)  # the cards of all three are updated


async def test_merge_into_a_typed_case_and_its_refusals(dashboard: Dashboard) -> None:
    app = dashboard.app
    codes = await seed(app, "alice", [f"https://example.com/t/{n}" for n in range(4)])
    [bobs] = await seed(app, "bob", ["https://example.com/bob"])
    csrf = await dashboard.sign_in()
    into = codes[3].lower().replace("-", "")  # forgiving spelling, not among the selected
    response = await dashboard.client.post(
        "/actions",
        data={"csrf": csrf, "action": "merge", "codes": [codes[0], bobs], "into": into},
    )
    assert "1 of 2 case(s) done" in response.text
    assert f"no case {bobs}" in response.text  # another creator's case is never touched
    merged = await app.cases.get_case(codes[0])
    assert merged is not None and merged.merged_into == codes[3]
    bob_case = await app.cases.get_case(bobs)
    assert bob_case is not None and bob_case.status.value == "open"

    # a dismissed target refuses the whole action, nothing changes
    moderator = Actor(parse_moderator(MODERATOR), True, "alice")
    await app.moderation.act_many(moderator, "dismiss", [codes[2]], "not her")
    refused = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "merge", "codes": [codes[1]], "into": codes[2]}
    )
    assert "0 of 1" in refused.text and "is dismissed" in refused.text
    still = await app.cases.get_case(codes[1])
    assert still is not None and still.status.value == "open"

    # the target into itself, an unknown target, a lone selection, a bad code, a stale form
    alone = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "merge", "codes": [codes[1]]}
    )
    assert alone.status_code == 400 and "Nothing to merge" in alone.text
    itself = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "merge", "codes": [codes[1]], "into": codes[1]}
    )
    assert itself.status_code == 400 and "Nothing to merge" in itself.text
    unknown = await dashboard.client.post(
        "/actions",
        data={"csrf": csrf, "action": "merge", "codes": [codes[1]], "into": "LD-ZZZZZZ"},
    )
    assert "0 of 1" in unknown.text and "no case LD-ZZZZZZ" in unknown.text
    typo = await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "merge", "codes": [codes[1]], "into": "<b>x"}
    )
    assert typo.status_code == 400 and "Not a case code" in typo.text and "<b>x" not in typo.text
    stale = await dashboard.client.post(
        "/actions", data={"csrf": "0" * 40, "action": "merge", "codes": codes[:2]}
    )
    assert stale.status_code == 403
    for code in (codes[1], codes[2]):
        case = await app.cases.get_case(code)
        assert case is not None and case.status.value != "merged"
