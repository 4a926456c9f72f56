"""The dashboard's ASGI app: routes, static files, and one clear page for every refusal."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bots.web import case, charts, escalate, escalations, ops, queue, signin, synthetic
from bots.web.auth import WebError
from bots.web.language import page_language
from bots.web.ops import WebMetrics
from bots.web.rendering import STATIC, render
from bots.web.settings import WebSettings
from bots.web.words import reworded
from db.charts import SqlChartReader
from db.web_auth import SqlWebAuth
from db.web_queue import SqlQueueReader
from handlers.i18n import N_, Texts

log = logging.getLogger(__name__)

HTTP_TITLES = {
    404: (N_("Not found"), N_("There is no page here.")),
    405: (N_("Not allowed"), N_("This page does not take that kind of request.")),
}
REFUSED = (N_("Request refused"), N_("Try again."))
FAILED = (N_("Something went wrong"), N_("The error was logged. Try again."))


def _error_page(request: Request, status: int, error: WebError) -> Response:
    """The error page, its title and sentence in the page's language."""
    lang = page_language(request)
    t = Texts(lang)
    detail = t(error.detail, **error.params) if error.params else reworded(error.detail, lang)
    return render(request, "error.html", status, code=status, title=t(error.title), detail=detail)


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    log.info("web %s %s: %d %s", request.method, request.url.path, exc.status, exc.title)
    return _error_page(request, exc.status, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title, detail = HTTP_TITLES.get(exc.status_code, REFUSED)
    return _error_page(request, exc.status_code, WebError(exc.status_code, title, detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "web %s %s failed: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc
    )
    return _error_page(request, 500, WebError(500, *FAILED))


async def _no_favicon(request: Request) -> Response:
    return Response(status_code=204)


def create_web_app(
    leakdesk: object, web: WebSettings | None = None, *, bot_counters: bool = True
) -> Starlette:
    """The dashboard over a wired :class:`bots.bootstrap.App` (its stores and services).

    ``bot_counters``: this process runs the chat adapters too, so ``/metrics`` publishes the
    core's in-process counters (:mod:`core.stats`); False for ``leakdesk web`` alone.
    """
    app = Starlette(
        routes=[
            *signin.routes,
            *queue.routes,
            *case.routes,
            *synthetic.routes,
            *escalate.routes,
            *escalations.routes,
            *charts.routes,
            *ops.routes,
            Route("/favicon.ico", _no_favicon, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={
            WebError: _web_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    engine = leakdesk.engine  # type: ignore[attr-defined]
    app.state.leakdesk = leakdesk
    app.state.web = web or WebSettings()
    app.state.auth = SqlWebAuth(engine)
    app.state.queue = SqlQueueReader(engine, getattr(leakdesk, "trust", None))
    app.state.charts = SqlChartReader(engine)
    app.state.metrics = WebMetrics(bot_counters=bot_counters)
    return app
