"""The charts page: server-rendered SVG (pygal), no script and nothing from outside.

Each chart is its own ``image/svg+xml`` response shown through ``<img>``, so the page keeps
its strict Content-Security-Policy; pygal's own script is turned off (``js=[]``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import pygal
from babel.dates import format_skeleton
from pygal.style import CleanStyle
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.auth import WebError, current_session
from bots.web.language import page_language
from bots.web.rendering import SECURITY_HEADERS, render
from bots.web.words import NOTICE_NAMES, named, state_name
from db.charts import AGE_BUCKETS
from handlers.i18n import N_, Texts, number

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


#: the open-work chart's age buckets (``db.charts.AGE_BUCKETS``), as people read them
AGE_LABELS = {
    "< 1 day": N_("< 1 day"),
    "1-7 days": N_("1-7 days"),
    "7-30 days": N_("7-30 days"),
    "> 30 days": N_("> 30 days"),
}
#: the charts' titles, by chart name (the page's ``alt`` texts too)
TITLES = {
    "per-day": N_("Reports and new cases per day"),
    "removal-hours": N_("Hours from sent to removed, per recipient"),
    "removed-share": N_("Share removed, per recipient"),
    "open-by-age": N_("Open work by age"),
}


async def _per_day(request: Request, creator: str, t: Texts) -> pygal.Graph:
    counts = await request.app.state.charts.daily(creator)
    chart = pygal.Line(title=t(TITLES["per-day"]), x_label_rotation=40, **CONFIG)
    chart.x_labels = [format_skeleton("Md", d, locale=t.lang) for d in counts.days]
    chart.x_labels_major_every = 7
    chart.show_minor_x_labels = False
    chart.add(t("reports"), counts.reports)
    chart.add(t("new cases"), counts.new_cases)
    return chart


async def _removal_hours(request: Request, creator: str, t: Texts) -> pygal.Graph:
    stats = await request.app.state.leakdesk.tracker.stats(creator)
    chart = pygal.HorizontalBar(title=t(TITLES["removal-hours"]), **CONFIG)
    for s in stats:
        notice = named(t.lang, NOTICE_NAMES, s.notice)
        chart.add(f"{s.recipient} ({notice})", [s.median_hours or 0, s.p90_hours or 0])
    chart.x_labels = [t("median"), "p90"]
    return chart


async def _removed_share(request: Request, creator: str, t: Texts) -> pygal.Graph:
    stats = await request.app.state.leakdesk.tracker.stats(creator)
    chart = pygal.HorizontalBar(
        title=t(TITLES["removed-share"]),
        range=(0, 100),
        value_formatter=partial(_percent, t.lang),
        **CONFIG,
    )
    for s in stats:
        label = t(
            "%(recipient)s (%(notice)s, %(n)s sent)",
            recipient=s.recipient,
            notice=named(t.lang, NOTICE_NAMES, s.notice),
            n=t.number(s.sent),
        )
        chart.add(label, round(s.removed_share * 100, 1))
    return chart


async def _open_by_age(request: Request, creator: str, t: Texts) -> pygal.Graph:
    ages = await request.app.state.charts.open_by_age(creator)
    chart = pygal.StackedBar(title=t(TITLES["open-by-age"]), **CONFIG)
    chart.x_labels = [t(AGE_LABELS[label]) for label, _ in AGE_BUCKETS]
    for status, buckets in ages.items():
        chart.add(state_name(t.lang, status), [buckets[label] for label, _ in AGE_BUCKETS])
    return chart


def _percent(lang: str, value: float) -> str:
    return f"{number(lang, value)} %"


CHARTS: dict[str, Callable[[Request, str, Texts], Awaitable[pygal.Graph]]] = {
    "per-day": _per_day,
    "removal-hours": _removal_hours,
    "removed-share": _removed_share,
    "open-by-age": _open_by_age,
}


async def charts_page(request: Request) -> Response:
    """GET /charts: the four charts of the session's creator."""
    await current_session(request)
    t = Texts(page_language(request))
    return render(request, "charts.html", charts={name: t(title) for name, title in TITLES.items()})


async def chart_svg(request: Request) -> Response:
    """GET /charts/{name}.svg: one chart as SVG."""
    session = await current_session(request)
    build = CHARTS.get(request.path_params["name"])
    if build is None:
        raise WebError(404, N_("No such chart"), N_("Pick one of the charts on the Charts page."))
    t = Texts(page_language(request))
    chart = await build(request, session.creator, t)
    chart.no_data_text = t("Nothing yet")
    svg = chart.render(is_unicode=True)
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)


routes = [
    Route("/charts", charts_page, methods=["GET"]),
    Route("/charts/{name}.svg", chart_svg, methods=["GET"]),
]
