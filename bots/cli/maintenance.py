"""Operator upkeep: ``db upgrade``, ``db rekey-links``, ``purge`` and ``forget``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import fail, run_database_work, settings, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from db.link_rekey import RekeyResult
    from db.retention import PurgedCard, PurgeResult

db_app = typer.Typer(rich_markup_mode=None, help="Database schema.", no_args_is_help=True)

#: Platforms whose accounts report to leakdesk (``forget`` refuses any other).
REPORTER_PLATFORMS = ("discord", "telegram", "console", "cli")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema."""
    from db.migrate import upgrade
    from db.reporter_key import load_reporter_key

    config = settings()
    url = config.database_url
    key = load_reporter_key(url, config.reporter_key, config.reporter_key_file)
    before, after = run_database_work(lambda: upgrade(url, reporter_key=key))
    if before is None:
        typer.echo(f"created the database schema (revision {after})")
    elif before == after:
        typer.echo(f"the database schema is up to date (revision {after})")
    else:
        typer.echo(f"upgraded the database schema from revision {before} to {after}")


@db_app.command("rekey-links")
def db_rekey_links(
    batch: Annotated[int, typer.Option(min=1, help="Links per transaction.")] = 500,
) -> None:
    """Give links stored under older link rules their current dedupe key.

    Idempotent and resumable; safe beside running bots. Links the new rules fold into
    another one keep their key and their case is marked a possible duplicate.
    """
    from functools import partial

    from core.urls import canonicalize, default_registry
    from db.engine import create_engine
    from db.link_rekey import rekey_links

    config = settings()
    registry = default_registry(config.platforms_file, config.fetch_allow_networks)

    async def work() -> RekeyResult:
        engine = create_engine(config.database_url)
        try:
            return await rekey_links(engine, partial(canonicalize, registry=registry), batch=batch)
        finally:
            await engine.dispose()

    result = run_database_work(work)
    typer.echo(
        f"re-keyed {result.rekeyed} link(s); {result.unchanged} kept their key; "
        f"{result.collided} fold into another link (their cases are marked possible duplicates)"
    )
    if result.refused:
        ids = ", ".join(str(i) for i in result.refused_ids[:20])
        typer.echo(
            f"{result.refused} link(s) the current rules refuse were left as they are: {ids}"
        )


def purge(
    days: Annotated[
        int | None,
        typer.Option(min=0, help="Closed for longer than this (default: retention_days)."),
    ] = None,
) -> None:
    """Purge the evidence of long-closed cases (cron this).

    Queues the moderators' cards of those cases for deletion first (the running bots delete
    them on their next pass; they are listed here), then deletes links, notes, hashes and
    reporter ids of dismissed and merged cases, keys their fingerprints and takes links out
    of their reasons. Also applies retention_posts_days and retention_reporter_days.
    """

    async def work(application: App) -> tuple[PurgeResult, tuple[PurgedCard, ...], int]:
        from datetime import UTC, datetime, timedelta

        from db.retention import SqlRetention

        config = application.settings
        now = datetime.now(UTC)
        retention = SqlRetention(application.engine, application.reporter_key)
        posts_days = config.retention_posts_days
        early = (
            await retention.purge_cards(now - timedelta(days=posts_days))
            if posts_days is not None
            else ()
        )
        keep = days if days is not None else config.retention_days
        result = await retention.purge_closed(now - timedelta(days=keep))
        reporters = 0
        if config.retention_reporter_days is not None:
            cutoff = now - timedelta(days=config.retention_reporter_days)
            reporters = await retention.expire_reporters(cutoff)
        await retention.checkpoint()
        return result, early + result.cards, reporters

    result, cards, expired = with_app(work)
    typer.echo(
        f"purged {result.cases} closed case(s): {result.links} link(s), {result.reports} "
        f"report(s), {result.reporters} reporter identit{'y' if result.reporters == 1 else 'ies'}"
    )
    if expired:
        typer.echo(f"unlinked {expired} reporter(s) past retention_reporter_days")
    if cards:
        typer.echo(f"{len(cards)} moderator card(s) to delete (the running bots delete them):")
        for card in cards:
            typer.echo(f"  {card.platform} channel {card.channel_id} message {card.message_id}")


def forget(
    platform: Annotated[str, typer.Argument(help=", ".join(REPORTER_PLATFORMS) + ".")],
    user_id: Annotated[str, typer.Argument(help="The person's account id on that platform.")],
) -> None:
    """Delete what ties an account to its reports (a deletion request)."""
    from core.model import ReporterRef

    platform = platform.strip().lower()
    if platform not in REPORTER_PLATFORMS:
        raise fail(f"unknown platform {platform!r}; use {', '.join(REPORTER_PLATFORMS)}")
    account = ReporterRef(platform, user_id.strip())
    count = with_app(lambda a: a.handlers.erasure.forget_reporter(account))
    typer.echo(f"forgot {platform} account: {count} report(s) no longer tied to it")


def register(app: typer.Typer) -> None:
    """Add the upkeep commands to ``app``."""
    app.add_typer(db_app, name="db")
    app.command()(purge)
    app.command()(forget)
