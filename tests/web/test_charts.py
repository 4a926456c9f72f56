"""Charts: the read model's counts, and each chart served as SVG with nothing from outside."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core.escalation.agent import AgentOfRecord
from db.charts import SqlChartReader
from db.tables import cases_t
from tests.web.conftest import Dashboard, seed


async def test_daily_counts_and_open_work_by_age(dashboard: Dashboard) -> None:
    app = dashboard.app
    codes = await seed(app, "alice", [f"https://example.com/c/{n}" for n in range(4)], reporters=2)
    await seed(app, "bob", ["https://example.com/bob"])
    now = datetime.now(UTC)
    async with app.engine.begin() as conn:  # one case first seen 10 days ago
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == codes[0])
            .values(first_seen=now - timedelta(days=10))
        )
    reader = SqlChartReader(app.engine)
    daily = await reader.daily("alice", 14)
    assert len(daily.days) == 14 and daily.days[-1] == now.date()
    assert daily.reports[-1] == 8 and sum(daily.reports) == 8  # bob's are not counted
    assert daily.new_cases[-1] == 3 and daily.new_cases[-11] == 1
    csrf = await dashboard.sign_in()
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": codes[:1]}
    )
    ages = await reader.open_by_age("alice")
    assert ages["open"] == {"< 1 day": 3, "1-7 days": 0, "7-30 days": 0, "> 30 days": 0}
    assert ages["confirmed"]["7-30 days"] == 1 and sum(ages["claimed"].values()) == 0


async def test_every_chart_is_an_svg_without_outside_resources(dashboard: Dashboard) -> None:
    app = dashboard.app
    codes = await seed(app, "alice", ["https://mega.nz/file/z#k", "https://example.com/q"])
    csrf = await dashboard.sign_in()
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": codes}
    )
    await app.escalations.set_agent(
        AgentOfRecord("alice", signer="Alice A", email="alice@example.org", jurisdiction="US")
    )
    await dashboard.client.post(
        "/escalate/zip", data={"csrf": csrf, "codes": codes[:1], "recipients": ["mega-abuse"]}
    )
    [escalation] = await app.tracker.list("alice")
    await app.tracker.mark([escalation.id], "sent", actor="t")
    await app.tracker.mark([escalation.id], "removed", actor="t")

    page = await dashboard.client.get("/charts")
    names = re.findall(r'<img src="/charts/([\w-]+)\.svg"', page.text)
    assert names == ["per-day", "removal-hours", "removed-share", "open-by-age"]
    for name in names:
        svg = await dashboard.client.get(f"/charts/{name}.svg")
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
        assert (
            svg.text.startswith("<svg")
            and "script-src" not in svg.headers["content-security-policy"]
        )
        assert not re.search(r'(src|href)="https?:', svg.text)
    share = await dashboard.client.get("/charts/removed-share.svg")
    assert "mega-abuse" in share.text and "100 %" in share.text
    missing = await dashboard.client.get("/charts/nothing.svg")
    assert missing.status_code == 404


async def test_charts_need_a_session(dashboard: Dashboard) -> None:
    response = await dashboard.client.get("/charts/per-day.svg")
    assert response.status_code == 401
