"""Operations: ``/healthz`` (database, writer, picture queue) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import logging
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.stats import RECEIVED_BUCKETS, STATS, Stats
from db.tables import cases_t, escalations_t, media_jobs_t, outbox_t

log = logging.getLogger(__name__)

#: a picture job due longer than this means the queue is not being drained
STALE_MEDIA_SECONDS = 600


class CoreStatsCollector(Collector):
    """The core's in-process counters (:mod:`core.stats`) as Prometheus metrics, read at
    each scrape: reports acknowledged, time to "received", fetch errors, rate-limit refusals."""

    def __init__(self, stats: Stats = STATS) -> None:
        self._stats = stats

    def collect(self) -> list[Metric]:
        """The metric families of one scrape."""
        snap = self._stats.snapshot()
        acknowledged = CounterMetricFamily(
            "leakdesk_reports_acknowledged",
            'Reports committed and answered "received", by origin',
            labels=["origin"],
        )
        for origin, count in sorted(snap.acknowledged.items()):
            acknowledged.add_metric([origin], count)
        received = HistogramMetricFamily(
            "leakdesk_time_to_received_seconds",
            'Seconds from a report\'s arrival to its "received" (committed)',
        )
        bounds = [repr(b) for b in RECEIVED_BUCKETS] + ["+Inf"]
        received.add_metric(
            [], list(zip(bounds, snap.received_buckets, strict=True)), snap.received_sum
        )
        fetch_errors = CounterMetricFamily(
            "leakdesk_fetch_errors", "Pictures behind links that could not be used, by kind",
            labels=["kind"],
        )
        for kind, count in sorted(snap.fetch_errors.items()):
            fetch_errors.add_metric([kind], count)
        refusals = CounterMetricFamily(
            "leakdesk_rate_limit_refusals", "Reports refused by a rate limit, by scope",
            labels=["scope"],
        )
        for scope, count in sorted(snap.rate_limited.items()):
            refusals.add_metric([scope], count)
        return [acknowledged, received, fetch_errors, refusals]


class WebMetrics:
    """The dashboard's Prometheus registry (one per app: tests build many apps).

    ``bot_counters``: the process also runs the chat adapters (``leakdesk run``), so the
    core's counters are the bot's and are published; served alone (``leakdesk web``) only
    what the database says is (``leakdesk_bot_counters_available`` is 0).
    """

    def __init__(self, *, bot_counters: bool = True, stats: Stats = STATS) -> None:
        self.registry = CollectorRegistry()
        available = GaugeMetricFamily(
            "leakdesk_bot_counters_available",
            "1 when this process runs the bots and publishes their counters, else 0",
            value=1 if bot_counters else 0,
        )
        self.registry.register(_Constant([available]))
        if bot_counters:
            self.registry.register(CoreStatsCollector(stats))
        self.cases = Gauge("leakdesk_cases", "Cases by status", ["status"], registry=self.registry)
        self.escalations = Gauge(
            "leakdesk_escalations", "Escalations by state", ["state"], registry=self.registry
        )
        self.media_jobs = Gauge(
            "leakdesk_media_jobs", "Picture jobs by state", ["state"], registry=self.registry
        )
        self.outbox = Gauge(
            "leakdesk_outbox_messages", "Notice mails by state", ["state"], registry=self.registry
        )
        self.web_actions = Counter(
            "leakdesk_web_actions",
            "Cases acted on from the dashboard",
            ["action", "outcome"],
            registry=self.registry,
        )

    def actions(self, action: str, done: int, failed: int) -> None:
        """Count one bulk action's cases."""
        self.web_actions.labels(action, "done").inc(done)
        self.web_actions.labels(action, "refused").inc(failed)


class _Constant(Collector):
    """Fixed metric families."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        """The same families at every scrape."""
        return self._families


async def _counts(conn, column, table) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = await conn.execute(select(column, func.count()).select_from(table).group_by(column))
    return {str(k): int(v) for k, v in rows}


async def metrics(request: Request) -> Response:
    """GET /metrics: queue depths and states read from the database, and dashboard counters."""
    registry: WebMetrics = request.app.state.metrics
    engine = request.app.state.leakdesk.engine
    async with engine.connect() as conn:
        for gauge, column, table in (
            (registry.cases, cases_t.c.status, cases_t),
            (registry.escalations, escalations_t.c.status, escalations_t),
            (registry.media_jobs, media_jobs_t.c.state, media_jobs_t),
            (registry.outbox, outbox_t.c.state, outbox_t),
        ):
            gauge.clear()
            for label, count in (await _counts(conn, column, table)).items():
                gauge.labels(label).set(count)
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)


async def healthz(request: Request) -> Response:
    """GET /healthz: 200 when the database answers, the writer runs and pictures are drained."""
    app = request.app.state.leakdesk
    checks: dict[str, object] = {}
    healthy = True
    try:
        async with app.engine.connect() as conn:
            await conn.execute(select(1))
            due = await conn.execute(
                select(func.count(), func.min(media_jobs_t.c.not_before)).where(
                    media_jobs_t.c.state == "pending"
                )
            )
            pending, oldest = due.one()
        checks["database"] = "ok"
    except Exception as err:  # any driver error: report it, never raise
        log.warning("healthz: database unreachable: %s", type(err).__name__)
        checks["database"] = f"unreachable ({type(err).__name__})"
        pending, oldest, healthy = 0, None, False
    writer = app.reports.running
    checks["writer"] = "ok" if writer else "stopped"
    healthy = healthy and writer
    waited = time.time() - oldest if oldest else 0.0
    stale = app.pictures.enabled and pending and waited > STALE_MEDIA_SECONDS
    checks["media_queue"] = {
        "pending": int(pending or 0),
        "oldest_due_seconds": round(max(waited, 0.0)),
        "state": "stalled" if stale else "ok",
    }
    healthy = healthy and not stale
    checks["status"] = "ok" if healthy else "failing"
    return JSONResponse(checks, status_code=200 if healthy else 503)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
