"""Operator upkeep: ``db upgrade``, ``purge`` and ``forget``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import fail, run_database_work, settings, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from db.retention import PurgeResult

db_app = typer.Typer(rich_markup_mode=None, help="Database schema.", no_args_is_help=True)

#: Platforms whose accounts report to leakdesk (``forget`` refuses any other).
REPORTER_PLATFORMS = ("discord", "telegram", "console", "cli")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema."""
    from db.migrate import upgrade

    url = settings().database_url
    before, after = run_database_work(lambda: upgrade(url))
    if before is None:
        typer.echo(f"created the database schema (revision {after})")
    elif before == after:
        typer.echo(f"the database schema is up to date (revision {after})")
    else:
        typer.echo(f"upgraded the database schema from revision {before} to {after}")


def purge(
    days: Annotated[
        int | None,
        typer.Option(min=0, help="Closed for longer than this (default: retention_days)."),
    ] = None,
) -> None:
    """Purge the evidence of long-closed cases (cron this).

    Deletes links, notes, hashes and reporter ids of dismissed and merged cases.
    """

    async def work(application: App) -> PurgeResult:
        from datetime import UTC, datetime, timedelta

        from db.retention import SqlRetention

        keep = days if days is not None else application.settings.retention_days
        cutoff = datetime.now(UTC) - timedelta(days=keep)
        return await SqlRetention(application.engine).purge_closed(cutoff)

    result = with_app(work)
    typer.echo(
        f"purged {result.cases} closed case(s): {result.links} link(s), {result.reports} "
        f"report(s), {result.reporters} reporter identit{'y' if result.reporters == 1 else 'ies'}"
    )


def forget(
    platform: Annotated[str, typer.Argument(help=", ".join(REPORTER_PLATFORMS) + ".")],
    user_id: Annotated[str, typer.Argument(help="The person's account id on that platform.")],
) -> None:
    """Detach an account from all its reports (a deletion request)."""
    from core.model import ReporterRef

    platform = platform.strip().lower()
    if platform not in REPORTER_PLATFORMS:
        raise fail(f"unknown platform {platform!r}; use {', '.join(REPORTER_PLATFORMS)}")
    account = ReporterRef(platform, user_id.strip())
    count = with_app(lambda a: a.handlers.erasure.forget_reporter(account))
    typer.echo(f"forgot {platform} account: {count} report(s) no longer name it")


def register(app: typer.Typer) -> None:
    """Add the upkeep commands to ``app``."""
    app.add_typer(db_app, name="db")
    app.command()(purge)
    app.command()(forget)
