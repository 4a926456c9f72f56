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
from bots.web.ops import WebMetrics
from bots.web.rendering import STATIC, render
from bots.web.settings import WebSettings
from db.charts import SqlChartReader
from db.web_auth import SqlWebAuth
from db.web_queue import SqlQueueReader

log = logging.getLogger(__name__)

HTTP_TITLES = {
    404: ("Not found", "There is no page here."),
    405: ("Not allowed", "This page does not take that kind of request."),
}


def _error_page(request: Request, status: int, title: str, detail: str) -> Response:
    return render(request, "error.html", status, code=status, title=title, detail=detail)


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    log.info("web %s %s: %d %s", request.method, request.url.path, exc.status, exc.title)
    return _error_page(request, exc.status, exc.title, exc.detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title, detail = HTTP_TITLES.get(exc.status_code, ("Request refused", "Try again."))
    return _error_page(request, exc.status_code, title, detail)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "web %s %s failed: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc
    )
    return _error_page(request, 500, "Something went wrong", "The error was logged. Try again.")


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
