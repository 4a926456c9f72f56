"""``leakdesk web``, ``web-link`` and ``web-sessions``: the moderators' dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import fail, run_database_work, settings, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.web.settings import WebSettings

sessions_app = typer.Typer(rich_markup_mode=None, help="Dashboard sessions.", no_args_is_help=True)


def web_settings() -> WebSettings:
    """``LEAKDESK_WEB_*`` settings; a bad value is one error line."""
    from pydantic import ValidationError

    from bots.web.settings import WebSettings

    try:
        return WebSettings()
    except ValidationError as err:
        first = err.errors()[0]
        name = "LEAKDESK_WEB_" + "_".join(str(part) for part in first["loc"]).upper()
        raise fail(f"setting {name}: {first['msg']}") from None


def web_link(
    moderator: Annotated[
        str,
        typer.Option(
            help="Moderator id as the chat bots name them: "
            "discord:ID, telegram:ID (a bare name is cli:NAME)."
        ),
    ],
    creator: Annotated[str, typer.Option(help="The creator whose cases they moderate.")],
) -> None:
    """Print a one-time sign-in link to the dashboard (works once, for 10 minutes)."""
    from bots.web.auth import moderator_label

    label = moderator_label(moderator)
    if not moderator.strip() or label.endswith(":"):
        raise fail("--moderator needs an id, e.g. discord:123456789")
    base = web_settings().base_url

    async def work(application: App) -> str:
        from db.web_auth import SqlWebAuth

        return await SqlWebAuth(application.engine).mint_link(label, creator)

    token = with_app(work)
    typer.echo(f"{base}/signin?token={token}")


@sessions_app.command("revoke")
def sessions_revoke(
    moderator: Annotated[str | None, typer.Option(help="Only this moderator's sessions.")] = None,
    all_sessions: Annotated[bool, typer.Option("--all", help="Every live session.")] = False,
) -> None:
    """Sign moderators out of the dashboard (their cookies stop working at once)."""
    from bots.web.auth import moderator_label

    if moderator is None and not all_sessions:
        raise fail("say whose sessions: --moderator M, or --all")
    if moderator is not None and all_sessions:
        raise fail("use --moderator or --all, not both")
    label = moderator_label(moderator) if moderator else None

    async def work(application: App) -> int:
        from db.web_auth import SqlWebAuth

        return await SqlWebAuth(application.engine).revoke(moderator=label)

    count = with_app(work)
    typer.echo(f"revoked {count} session(s)")


def web(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to listen on.")] = None,
) -> None:
    """Serve the moderators' dashboard (without the chat adapters)."""
    from bots.logsafe import configure_logging

    config, web_config = settings(), web_settings()
    configure_logging()
    bind_host = host or web_config.host
    bind_port = port or web_config.port or 8080
    web_config = web_config.model_copy(update={"host": bind_host, "port": bind_port})

    async def main() -> int:
        from bots.runner import serve_all

        job = web_job(web_config, bind_host, bind_port, bot_counters=False)
        return await serve_all(config, [], extra=job)

    raise typer.Exit(run_database_work(main))


def web_job(  # type: ignore[no-untyped-def]
    web_config: WebSettings, host: str, port: int, *, bot_counters: bool = True
):
    """The dashboard as a job of :func:`bots.runner.serve_all` (``bot_counters``: the chat
    adapters run in the same process, so ``/metrics`` shows their counters)."""

    async def job(application: App, stop):  # type: ignore[no-untyped-def]
        from bots.web.serve import serve_web

        return await serve_web(
            application, web_config, host, port, stop, bot_counters=bot_counters
        )

    return job


def register(app: typer.Typer) -> None:
    """Add ``web``, ``web-link`` and ``web-sessions`` to ``app``."""
    app.command("web")(web)
    app.command("web-link")(web_link)
    app.add_typer(sessions_app, name="web-sessions")
