"""/healthz and /metrics."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import Dashboard, seed


async def test_healthz_reports_the_database_and_the_writer(dashboard: Dashboard) -> None:
    response = await dashboard.client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["writer"] == "ok" and body["status"] == "ok"
    assert body["media_queue"]["state"] == "ok"
    await dashboard.app.reports.close()  # the writer stopped: the process is not healthy
    failing = await dashboard.client.get("/healthz")
    assert failing.status_code == 503 and failing.json()["writer"] == "stopped"


async def test_metrics_count_cases_by_status_and_dashboard_actions(dashboard: Dashboard) -> None:
    codes = await seed(dashboard.app, "alice", [f"https://example.com/m/{n}" for n in range(3)])
    csrf = await dashboard.sign_in()
    await dashboard.client.post(
        "/actions", data={"csrf": csrf, "action": "confirm", "codes": codes[:1]}
    )
    response = await dashboard.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    assert samples[("leakdesk_cases", (("status", "open"),))] == 2
    assert samples[("leakdesk_cases", (("status", "confirmed"),))] == 1
    assert (
        samples[("leakdesk_web_actions_total", (("action", "confirm"), ("outcome", "done")))] == 1
    )
