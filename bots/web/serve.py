"""Serving the dashboard with uvicorn: alone, or beside the chat adapters in ``leakdesk run``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys

import uvicorn

from bots.web.app import create_web_app
from bots.web.settings import WebSettings

log = logging.getLogger(__name__)


def uvicorn_server(
    leakdesk: object, web: WebSettings, host: str, port: int, *, bot_counters: bool = True
) -> uvicorn.Server:
    """A uvicorn server for the dashboard (signal handling left to the caller)."""
    config = uvicorn.Config(
        create_web_app(leakdesk, web, bot_counters=bot_counters),
        host=host,
        port=port,
        log_level="info",
        access_log=False,  # request lines would carry sign-in tokens
        lifespan="off",
        server_header=False,
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    return server


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (raises OSError when it cannot be had)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


async def serve_web(
    leakdesk: object,
    web: WebSettings,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    bot_counters: bool = True,
) -> int:
    """Serve until ``stop`` is set (or the server fails); 0 when stopped, 2 when it failed.

    ``bot_counters``: the chat adapters run in this process (see :func:`create_web_app`)."""
    try:
        sock = bind(host, port)
    except OSError as err:
        print(
            f"leakdesk: the dashboard cannot listen on {host}:{port} ({err.strerror})",
            file=sys.stderr,
        )
        stop.set()
        return 2
    server = uvicorn_server(leakdesk, web, host, port, bot_counters=bot_counters)
    log.info("dashboard on http://%s:%d (links point at %s)", host, port, web.base_url)
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():
            exc = serving.exception()
            if exc is not None or not server.started:
                log.error("the dashboard could not start on %s:%d", host, port)
                return 2
        return 0
    finally:
        server.should_exit = True
        stopping.cancel()
        with contextlib.suppress(BaseException):
            await serving
        sock.close()
        stop.set()
