"""Long-running commands: ``run`` (the chat adapters) and ``chat`` (the terminal console)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import fail, run_database_work, settings, with_app
from bots.logsafe import configure_logging

if TYPE_CHECKING:
    from bots.bootstrap import App

ADAPTERS = ("discord", "telegram")


def chat(
    creator: Annotated[str | None, typer.Option(help="Creator to report for.")] = None,
) -> None:
    """Chat with the bot in this terminal.

    Uses the configured database (the embedded SQLite file by default).
    """

    async def work(application: App) -> None:
        from bots.console import ConsoleChat

        # pictures behind links are matched while you chat (links are rechecked by `leakdesk run`)
        application.start_background(recheck=False)
        await ConsoleChat(application, creator=creator).run()

    with_app(work, rate_limited=True)


def run(
    adapters: Annotated[list[str] | None, typer.Argument(help="discord and/or telegram.")] = None,
) -> None:
    """Start the chat adapters whose tokens are configured."""
    config = settings()
    configured = {"discord": config.discord_token, "telegram": config.telegram_token}
    wanted = adapters or [name for name, token in configured.items() if token]
    unknown = [name for name in wanted if name not in ADAPTERS]
    if unknown:
        raise fail(f"unknown adapter {unknown[0]}; use discord or telegram")
    web_port = _web_port()
    if not wanted and web_port is None:
        raise fail(
            "no adapter configured: set LEAKDESK_DISCORD_TOKEN, LEAKDESK_TELEGRAM_TOKEN "
            "or LEAKDESK_WEB_PORT "
            "(or try `leakdesk chat`)"
        )
    configure_logging()
    if web_port is not None:  # the dashboard beside the adapters, in one process
        from bots.cli.web import web_job, web_settings
        from bots.runner import serve_all

        web_config = web_settings()
        job = web_job(web_config, web_config.host, web_port, bot_counters=bool(wanted))
        raise typer.Exit(run_database_work(lambda: serve_all(config, wanted, extra=job)))
    if len(wanted) > 1:
        from bots.runner import serve_all

        raise typer.Exit(run_database_work(lambda: serve_all(config, wanted)))
    if wanted[0] == "discord":
        from bots.discord import run as run_discord

        raise typer.Exit(run_discord(config))
    from bots.telegram import run as run_telegram

    raise typer.Exit(run_telegram(config))


def _web_port() -> int | None:
    """``LEAKDESK_WEB_PORT``: when set, ``run`` serves the dashboard too."""
    from bots.cli.web import web_settings

    return web_settings().port


def register(app: typer.Typer) -> None:
    """Add ``chat`` and ``run`` to ``app``."""
    app.command()(chat)
    app.command()(run)
