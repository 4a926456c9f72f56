"""/metrics publishes the core's counters, fed where the events happen (core.stats)."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bots.bootstrap import App, build_app
from bots.web import WebSettings, create_web_app
from core.errors import RateLimited
from core.model import IncomingReport, Origin, ReporterRef
from core.stats import Stats
from tests.conftest import make_settings
from tests.hosts import HostServer
from tests.storage.test_picture_jobs import fetching_app, host  # noqa: F401 (fixture)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(app: App, *, bot_counters: bool = True) -> Samples:
    """Every sample of one /metrics scrape of a dashboard over ``app``."""
    web = create_web_app(app, WebSettings(url="http://testserver"), bot_counters=bot_counters)
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def count(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_a_report_moves_acknowledged_and_time_to_received(app: App) -> None:
    before = await scrape(app)
    for n in range(3):
        await app.intake.submit(
            IncomingReport(ReporterRef("telegram", f"fan{n}"), [f"https://example.com/s/{n}"])
        )
    after = await scrape(app)
    acked = "leakdesk_reports_acknowledged_total"
    assert count(after, acked, origin="dm") - count(before, acked, origin="dm") == 3
    timed = "leakdesk_time_to_received_seconds_count"
    assert count(after, timed) - count(before, timed) == 3
    slowest = "leakdesk_time_to_received_seconds_bucket"
    assert count(after, slowest, le="+Inf") == count(after, timed)
    assert count(after, "leakdesk_time_to_received_seconds_sum") > count(
        before, "leakdesk_time_to_received_seconds_sum"
    )
    assert count(after, "leakdesk_bot_counters_available") == 1


async def test_a_refused_report_counts_one_rate_limit_refusal(sqlite_url: str) -> None:
    app = await build_app(make_settings(sqlite_url, report_rate="1/minute"))
    try:
        fan = ReporterRef("telegram", "eager")
        before = await scrape(app)
        await app.intake.submit(IncomingReport(fan, ["https://example.com/r/1"]))
        with pytest.raises(RateLimited):
            await app.intake.submit(IncomingReport(fan, ["https://example.com/r/2"]))
        # through the handlers too: counted once although both layers see the refusal
        from handlers.handlers import problem_for

        err = RateLimited("slow down")
        problem_for(err)
        problem_for(err)
        after = await scrape(app)
        name = "leakdesk_rate_limit_refusals_total"
        assert count(after, name, scope="reporter") - count(before, name, scope="reporter") == 2
        # an operator's own report is never limited, and is acknowledged
        await app.intake.submit(
            IncomingReport(fan, ["https://example.com/r/3"], origin=Origin.CLI)
        )
        assert count(await scrape(app), name, scope="reporter") == count(
            after, name, scope="reporter"
        )
    finally:
        await app.close()


def test_refusals_are_labelled_by_their_scope() -> None:
    stats = Stats()
    err = RateLimited("the server is busy")
    err.scope = "place"  # type: ignore[attr-defined]
    stats.rate_limited(err)
    stats.rate_limited(err)
    stats.rate_limited(RateLimited("again"))
    assert stats.snapshot().rate_limited == {"place": 1, "reporter": 1}


async def test_a_picture_that_cannot_be_used_counts_a_fetch_error(
    sqlite_url: str,
    host: HostServer,  # noqa: F811 (fixture)
) -> None:
    app = await fetching_app(sqlite_url)
    try:
        before = await scrape(app)
        outcome = (
            await app.intake.submit(
                IncomingReport(ReporterRef("test", "1"), [host.url("leaks.example", "/broken.jpg")])
            )
        ).outcomes[0]
        assert outcome.link_key is not None
        settled = await app.pictures.settle("default", [outcome.link_key])
        assert settled[outcome.link_key].state == "failed"
        after = await scrape(app)
        name = "leakdesk_fetch_errors_total"
        grown = {
            labels: value - before.get((metric, labels), 0.0)
            for (metric, labels), value in after.items()
            if metric == name and value != before.get((metric, labels), 0.0)
        }
        assert sum(grown.values()) >= 1, after
    finally:
        await app.close()


async def test_the_dashboard_alone_says_it_has_no_bot_counters(app: App) -> None:
    await app.intake.submit(IncomingReport(ReporterRef("telegram", "f"), ["https://example.com/1"]))
    alone = await scrape(app, bot_counters=False)
    assert count(alone, "leakdesk_bot_counters_available") == 0
    assert not any(name.startswith("leakdesk_reports_acknowledged") for name, _ in alone)
    assert count(alone, "leakdesk_cases", status="open") == 1  # the database still speaks
