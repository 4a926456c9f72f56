"""Run several chat adapters in one process: one event loop, one App, shared events and index."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from bots.bootstrap import App, build_app
from bots.logsafe import quiet_http_logs, redact_handlers
from core.settings import Settings

log = logging.getLogger(__name__)


async def _discord(settings: Settings, app: object, stop: asyncio.Event) -> int:
    import discord

    from bots.discord import create_bot

    bot = create_bot(settings, app)  # type: ignore[arg-type]
    runner = asyncio.ensure_future(bot.start(settings.discord_token or ""))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            runner.result()
        return 0
    except discord.LoginFailure:
        print(
            "leakdesk: Discord rejected the bot token; check LEAKDESK_DISCORD_TOKEN",
            file=sys.stderr,
        )
        return 2
    finally:
        stopper.cancel()
        runner.cancel()
        with contextlib.suppress(BaseException):
            await runner
        await bot.close()
        stop.set()  # one adapter down stops the process: a supervisor restarts it whole


async def serve_all(
    settings: Settings,
    names: list[str],
    extra: Callable[[App, asyncio.Event], Awaitable[int]] | None = None,
) -> int:
    """Run the named adapters (and ``extra``, e.g. the dashboard) until SIGINT/SIGTERM;
    the worst exit status."""
    from bots.telegram import serve as serve_telegram

    quiet_http_logs()  # request URLs carry leak links and the Bot API token
    redact_handlers()
    app = await build_app(settings)
    app.start_background()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    jobs = []
    if "discord" in names:
        jobs.append(_discord(settings, app, stop))
    if "telegram" in names:

        async def telegram() -> int:
            code = await serve_telegram(settings, app, stop=stop)
            stop.set()
            return code

        jobs.append(telegram())
    if extra is not None:
        jobs.append(extra(app, stop))
    try:
        codes = await asyncio.gather(*jobs)
    finally:
        await app.close()
    return max(codes)
