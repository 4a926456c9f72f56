"""The charts page: server-rendered SVG (pygal), no script and nothing from outside.

Each chart is its own ``image/svg+xml`` response shown through ``<img>``, so the page keeps
its strict Content-Security-Policy; pygal's own script is turned off (``js=[]``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pygal
from pygal.style import CleanStyle
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.auth import WebError, current_session
from bots.web.rendering import SECURITY_HEADERS, render
from db.charts import AGE_BUCKETS

#: the SVG's own policy: its inline style only (a chart shown as an image runs no script)
SVG_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}
CONFIG = {
    "js": [],
    "style": CleanStyle,
    "width": 720,
    "height": 360,
    "disable_xml_declaration": True,
}


async def _per_day(request: Request, creator: str) -> pygal.Graph:
    counts = await request.app.state.charts.daily(creator)
    chart = pygal.Line(title="Reports and new cases per day", x_label_rotation=40, **CONFIG)
    chart.x_labels = [d.strftime("%m-%d") for d in counts.days]
    chart.x_labels_major_every = 7
    chart.show_minor_x_labels = False
    chart.add("reports", counts.reports)
    chart.add("new cases", counts.new_cases)
    return chart


async def _removal_hours(request: Request, creator: str) -> pygal.Graph:
    stats = await request.app.state.leakdesk.tracker.stats(creator)
    chart = pygal.HorizontalBar(title="Hours from sent to removed, per recipient", **CONFIG)
    for s in stats:
        chart.add(f"{s.recipient} ({s.notice})", [s.median_hours or 0, s.p90_hours or 0])
    chart.x_labels = ["median", "p90"]
    return chart


async def _removed_share(request: Request, creator: str) -> pygal.Graph:
    stats = await request.app.state.leakdesk.tracker.stats(creator)
    chart = pygal.HorizontalBar(
        title="Share removed, per recipient", range=(0, 100), value_formatter=_percent, **CONFIG
    )
    for s in stats:
        chart.add(f"{s.recipient} ({s.notice}, {s.sent} sent)", round(s.removed_share * 100, 1))
    return chart


async def _open_by_age(request: Request, creator: str) -> pygal.Graph:
    ages = await request.app.state.charts.open_by_age(creator)
    chart = pygal.StackedBar(title="Open work by age", **CONFIG)
    chart.x_labels = [label for label, _ in AGE_BUCKETS]
    for status, buckets in ages.items():
        chart.add(status, [buckets[label] for label, _ in AGE_BUCKETS])
    return chart


def _percent(value: float) -> str:
    return f"{value:g} %"


CHARTS: dict[str, Callable[[Request, str], Awaitable[pygal.Graph]]] = {
    "per-day": _per_day,
    "removal-hours": _removal_hours,
    "removed-share": _removed_share,
    "open-by-age": _open_by_age,
}


async def charts_page(request: Request) -> Response:
    """GET /charts: the four charts of the session's creator."""
    await current_session(request)
    return render(request, "charts.html", charts=list(CHARTS))


async def chart_svg(request: Request) -> Response:
    """GET /charts/{name}.svg: one chart as SVG."""
    session = await current_session(request)
    build = CHARTS.get(request.path_params["name"])
    if build is None:
        raise WebError(404, "No such chart", "Pick one of the charts on the Charts page.")
    chart = await build(request, session.creator)
    chart.no_data_text = "Nothing yet"
    svg = chart.render(is_unicode=True)
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)


routes = [
    Route("/charts", charts_page, methods=["GET"]),
    Route("/charts/{name}.svg", chart_svg, methods=["GET"]),
]
