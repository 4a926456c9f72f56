"""The ``leakdesk`` command line (typer)."""

from __future__ import annotations

import asyncio
import csv
import getpass
import hashlib
import io
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from bots.bootstrap import App, build_app
from core.codes import normalize_case_code
from core.errors import InvalidLink, LeakdeskError
from core.intake import IntakeResult
from core.model import (
    Actor,
    Attachment,
    CaseStatus,
    CaseView,
    IncomingReport,
    Origin,
    ReporterRef,
)
from core.settings import Settings
from core.urls import canonicalize, default_registry

app = typer.Typer(
    pretty_exceptions_enable=False,  # never print locals (tokens, links) in a traceback
    help="leakdesk: community reporting of leaked intimate imagery.",
    no_args_is_help=True,
)
cases_app = typer.Typer(help="List cases, or moderate them from scripts.")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
venues_app = typer.Typer(help="Servers and groups bound to creators; approve moderator places.")
app.add_typer(cases_app, name="cases")
app.add_typer(db_app, name="db")
app.add_typer(venues_app, name="venues")

T = TypeVar("T")
EXIT_BAD_INPUT = 2


def fail(message: str) -> typer.Exit:
    """Print one line to stderr and return the exit for bad input."""
    typer.echo(f"leakdesk: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _settings() -> Settings:
    return Settings()


def _with_app(work: Callable[[App], Awaitable[T]], *, rate_limited: bool = False) -> T:
    async def main() -> T:
        application = await build_app(_settings(), rate_limited=rate_limited)
        try:
            return await work(application)
        finally:
            await application.close()

    return asyncio.run(main())


def _case_json(case: CaseView) -> dict[str, Any]:
    return {
        "code": case.code,
        "creator": case.creator,
        "status": case.status.value,
        "reporters": case.reporters,
        "reports": case.reports,
        "host": case.host,
        "platform": case.platform,
        "first_seen": case.first_seen.isoformat(),
        "last_seen": case.last_seen.isoformat(),
        "links": [link.url for link in case.links],
        "claimed_by": case.claimed_by,
        "reason": case.reason,
        "possible_duplicate_of": case.possible_duplicate_of,
    }


@app.command()
def chat(
    creator: Annotated[str | None, typer.Option(help="Creator to report for.")] = None,
) -> None:
    """Chat with the bot in this terminal (the embedded SQLite database by default)."""
    from bots.console import ConsoleChat

    async def work(application: App) -> None:
        await ConsoleChat(application, creator=creator).run()

    _with_app(work, rate_limited=True)


@app.command()
def report(
    urls: Annotated[list[str] | None, typer.Argument(help="Links to report.")] = None,
    files: Annotated[
        list[Path] | None,
        typer.Option("--file", help="A picture (or video) to report; repeatable."),
    ] = None,
    creator: Annotated[str | None, typer.Option(help="Creator the leak depicts.")] = None,
    reporter: Annotated[str | None, typer.Option(help="Reporter id (default: your user).")] = None,
    note: Annotated[str, typer.Option(help="A note for the moderators.")] = "",
    anonymous: Annotated[bool, typer.Option(help="Hide the reporter from moderators.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per item.")] = False,
) -> None:
    """Report links and pictures; each is committed before it is acknowledged."""
    urls, files = urls or [], files or []
    if not urls and not files:
        raise fail("give at least one link or --file")
    registry = default_registry(_settings().platforms_file)
    for url in urls:  # validate everything first: bad input writes nothing
        try:
            canonicalize(url, registry)
        except InvalidLink as err:
            raise fail(f"{err}") from None
    attachments = []
    for path in files:
        try:
            attachments.append(Attachment(path.read_bytes(), filename=path.name))
        except OSError as err:
            raise fail(f"cannot read {path}: {err.strerror}") from None

    async def work(application: App) -> IntakeResult:
        incoming = IncomingReport(
            reporter=ReporterRef("cli", reporter or getpass.getuser()),
            links=urls,
            attachments=attachments,
            origin=Origin.CLI,
            note=note,
            anonymous=anonymous,
            creator=creator or application.settings.default_creator,
        )
        return await application.intake.submit(incoming)

    try:
        result = _with_app(work)
    except LeakdeskError as err:
        raise fail(str(err)) from None
    for outcome in result.outcomes:
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "report_id": outcome.report_id,
                        "case_code": outcome.case_code,
                        "new_case": outcome.new_case,
                        "reporters": outcome.reporters,
                        "matched_by": outcome.matched_by,
                        "distance": outcome.distance,
                        "media_error": outcome.media_error,
                    }
                )
            )
        else:
            state = "new case" if outcome.new_case else f"joined case (by {outcome.matched_by})"
            extra = f"; media not used: {outcome.media_error}" if outcome.media_error else ""
            typer.echo(f"{state} {outcome.case_code} ({outcome.reporters} reporter(s)){extra}")
    for refused in result.rejected:  # pictures that could not be used; the rest was recorded
        if as_json:
            typer.echo(json.dumps({"file": refused.item, "media_error": refused.reason}))
        else:
            typer.echo(f"leakdesk: {refused.item}: {refused.reason}", err=True)


@app.command("hash")
def hash_(
    files: Annotated[list[Path], typer.Argument(help="Pictures or videos to hash.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Print a file's sha256, pHash and PDQ (nothing is stored)."""
    from core.media import hash_image

    settings = _settings()
    failed = False
    for path in files:
        try:
            signals = hash_image(path.read_bytes(), max_pixels=settings.max_pixels)
        except OSError as err:
            failed = True
            typer.echo(f"leakdesk: {path}: {err.strerror}", err=True)
            continue
        except LeakdeskError as err:
            failed = True
            typer.echo(f"leakdesk: {path}: {err}", err=True)
            continue
        first = signals.first
        row = {
            "file": str(path),
            "sha256": signals.sha256,
            "phash": first.phash_hex if first else None,
            "pdq": first.pdq if first else None,
            "pdq_quality": first.pdq_quality if first else None,
        }
        if as_json:
            typer.echo(json.dumps(row))
        else:
            typer.echo("\t".join(str(v) for v in row.values()))
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _read_import(text: str) -> Iterator[tuple[int, str]]:
    lines = text.splitlines()
    first = lines[0] if lines else ""
    if "," in first and "url" in [c.strip().lower() for c in first.split(",")]:
        reader = csv.DictReader(io.StringIO(text))
        for number, row in enumerate(reader, start=2):
            url = next((v for k, v in row.items() if k and k.strip().lower() == "url"), "") or ""
            if url.strip():
                yield number, url.strip()
        return
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line.strip()


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="URL list or CSV.")],
    creator: Annotated[str | None, typer.Option(help="Creator the leaks depict.")] = None,
    reporter: Annotated[str | None, typer.Option(help="Reporter id (default: your user).")] = None,
) -> None:
    """Import links from a file (a URL a line, or CSV with a url column); re-imports are no-ops."""
    from rich.progress import Progress

    data = file.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    rows = list(_read_import(data.decode("utf-8-sig", errors="replace")))
    registry = default_registry(_settings().platforms_file)

    async def work(application: App) -> tuple[int, int, int, list[int]]:
        who = ReporterRef("cli", reporter or getpass.getuser())
        new = joined = 0
        bad: list[int] = []
        with Progress(transient=True, console=None) as progress:
            task = progress.add_task("importing", total=len(rows))
            for start in range(0, len(rows), 256):
                chunk = rows[start : start + 256]
                jobs = []
                for number, url in chunk:
                    try:
                        canonicalize(url, registry)
                    except InvalidLink:
                        bad.append(number)
                        continue
                    jobs.append(
                        application.intake.submit(
                            IncomingReport(
                                reporter=who,
                                links=[url],
                                origin=Origin.IMPORT,
                                creator=creator or application.settings.default_creator,
                                submission_id=f"import:{digest}:{number}",
                            )
                        )
                    )
                for result in await asyncio.gather(*jobs):
                    for outcome in result.outcomes:
                        new += outcome.new_case
                        joined += not outcome.new_case
                progress.advance(task, len(chunk))
        return new, joined, len(rows), bad

    new, joined, total, bad = _with_app(work)
    typer.echo(f"imported {total - len(bad)} of {total} links: {new} new case(s), {joined} joined")
    if bad:
        shown = ", ".join(map(str, bad[:20])) + (" …" if len(bad) > 20 else "")
        typer.echo(f"leakdesk: {len(bad)} invalid line(s): {shown}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def url(
    urls: Annotated[list[str], typer.Argument(help="Links, or - to read one per line from stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per input.")] = False,
) -> None:
    """Show the canonical form, dedupe key and platform of links (no database)."""
    registry = default_registry(_settings().platforms_file)
    inputs = [line.rstrip("\r\n") for line in sys.stdin] if urls == ["-"] else urls
    failed = False
    for raw in inputs:
        try:
            link = canonicalize(raw, registry)
        except InvalidLink as err:
            failed = True
            if as_json:
                typer.echo(json.dumps({"url": raw, "error": str(err)}))
            else:
                typer.echo(f"leakdesk: {err}", err=True)
            continue
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "url": raw,
                        "canonical": link.canonical,
                        "key": link.key,
                        "platform": link.platform,
                    }
                )
            )
        else:
            typer.echo(f"{link.canonical}\t{link.key}\t{link.platform or '-'}")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _parse_status(status: str | None) -> list[CaseStatus]:
    if status is None:
        return [CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.CONFIRMED]
    if status == "all":
        return list(CaseStatus)
    try:
        return [CaseStatus(s.strip().lower()) for s in status.split(",")]
    except ValueError:
        raise fail(
            f"unknown status {status!r}; use {', '.join(s.value for s in CaseStatus)} or all"
        ) from None


@cases_app.callback(invoke_without_command=True)
def cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Status(es), comma-separated, or all.")] = None,
    creator: Annotated[str | None, typer.Option(help="Only this creator's cases.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per case.")] = False,
) -> None:
    """List cases, most reported first."""
    if ctx.invoked_subcommand is not None:
        return
    statuses = _parse_status(status)
    found = _with_app(lambda a: a.cases.list_cases(creator, statuses, limit))
    for case in found:
        if as_json:
            typer.echo(json.dumps(_case_json(case)))
        else:
            typer.echo(
                f"{case.code}\t{case.status.value}\t{case.reporters}\t"
                f"{case.platform or case.host or '-'}\t{case.links[0].url if case.links else '-'}"
            )


def _moderate(action: str, codes: list[str], reason: str | None, moderator: str | None) -> None:
    bad = [c for c in codes if normalize_case_code(c) is None]
    if bad:
        raise fail(f"not a case code: {bad[0]}")
    if action == "dismiss" and not reason:
        raise fail("dismiss needs --reason")

    async def work(application: App) -> list[str]:
        lines = []
        for code in codes:
            case = await application.cases.get_case(code)
            if case is None:
                raise LeakdeskError(f"no case {normalize_case_code(code)}")
            actor = Actor(ReporterRef("cli", moderator or getpass.getuser()), True, case.creator)
            updated = await application.moderation.act(actor, action, code, reason)
            lines.append(f"{updated.code}\t{updated.status.value}")
        return lines

    try:
        for line in _with_app(work):
            typer.echo(line)
    except LeakdeskError as err:
        raise fail(str(err)) from None


ReasonOption = Annotated[str | None, typer.Option(help="Why (required for dismiss).")]
ModeratorOption = Annotated[str | None, typer.Option(help="Moderator name for the audit log.")]
CodesArgument = Annotated[list[str], typer.Argument(help="Case codes (LD-…).")]


@cases_app.command("claim")
def cases_claim(codes: CodesArgument, moderator: ModeratorOption = None) -> None:
    """Claim cases for review."""
    _moderate("claim", codes, None, moderator)


@cases_app.command("confirm")
def cases_confirm(
    codes: CodesArgument, reason: ReasonOption = None, moderator: ModeratorOption = None
) -> None:
    """Confirm cases as genuine leaks."""
    _moderate("confirm", codes, reason, moderator)


@cases_app.command("dismiss")
def cases_dismiss(
    codes: CodesArgument, reason: ReasonOption = None, moderator: ModeratorOption = None
) -> None:
    """Dismiss cases (with --reason)."""
    _moderate("dismiss", codes, reason, moderator)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema."""
    from db.migrate import upgrade_sync

    settings = _settings()
    upgrade_sync(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def purge(
    days: Annotated[
        int | None, typer.Option(help="Closed for longer than this (default: retention_days).")
    ] = None,
) -> None:
    """Delete links, notes, hashes and reporter ids of dismissed and merged cases (cron this)."""
    from datetime import UTC, datetime, timedelta

    from db.retention import SqlRetention

    async def work(application: App) -> Any:
        keep = days if days is not None else application.settings.retention_days
        cutoff = datetime.now(UTC) - timedelta(days=keep)
        return await SqlRetention(application.engine).purge_closed(cutoff)

    result = _with_app(work)
    typer.echo(
        f"purged {result.cases} closed case(s): {result.links} link(s), {result.reports} "
        f"report(s), {result.reporters} reporter identit{'y' if result.reporters == 1 else 'ies'}"
    )


@app.command()
def forget(
    platform: Annotated[str, typer.Argument(help="discord, telegram, console, cli…")],
    user_id: Annotated[str, typer.Argument(help="The person's account id on that platform.")],
) -> None:
    """Detach a person's account from all their reports (a deletion request)."""
    count = _with_app(lambda a: a.handlers.erasure.forget_reporter(ReporterRef(platform, user_id)))
    typer.echo(f"forgot {platform} account: {count} report(s) no longer name it")


@venues_app.callback(invoke_without_command=True)
def venues(ctx: typer.Context) -> None:
    """List bound servers and groups, and whether each is approved."""
    if ctx.invoked_subcommand is not None:
        return
    for venue in _with_app(lambda a: a.venues.all()):
        state = "approved" if venue.approved else "waiting for approval"
        place = f"moderators in {venue.mod_channel_id}" if venue.mod_channel_id else "fans only"
        typer.echo(f"{venue.platform}\t{venue.venue_id}\t{venue.creator}\t{place}\t{state}")


def _set_approved(platform: str, venue_id: str, approved: bool) -> None:
    venue = _with_app(lambda a: a.venues.set_approved(platform, venue_id, approved))
    if venue is None:
        raise fail(f"no {platform} server or group {venue_id} is bound; run setup there first")
    verb = "approved" if approved else "revoked"
    typer.echo(f"{verb}: {platform} {venue_id} for creator {venue.creator}")


@venues_app.command("approve")
def venues_approve(platform: str, venue_id: str) -> None:
    """Let a bound moderator channel or group see its creator's cases (links included)."""
    _set_approved(platform, venue_id, True)


@venues_app.command("revoke")
def venues_revoke(platform: str, venue_id: str) -> None:
    """Stop showing cases in a moderator channel or group."""
    _set_approved(platform, venue_id, False)


@app.command()
def run(
    adapters: Annotated[list[str] | None, typer.Argument(help="discord and/or telegram.")] = None,
) -> None:
    """Start the chat adapters whose tokens are configured."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = _settings()
    configured = {"discord": settings.discord_token, "telegram": settings.telegram_token}
    wanted = adapters or [name for name, token in configured.items() if token]
    unknown = [name for name in wanted if name not in configured]
    if unknown:
        raise fail(f"unknown adapter {unknown[0]}; use discord or telegram")
    if not wanted:
        raise fail(
            "no adapter configured: set LEAKDESK_DISCORD_TOKEN or LEAKDESK_TELEGRAM_TOKEN "
            "(or try `leakdesk chat`)"
        )
    if len(wanted) > 1:
        from bots.runner import serve_all

        raise typer.Exit(asyncio.run(serve_all(settings, wanted)))
    if wanted[0] == "discord":
        from bots.discord import run as run_discord

        raise typer.Exit(run_discord(settings))
    from bots.telegram import run as run_telegram

    raise typer.Exit(run_telegram(settings))


def main() -> None:
    """Entry point for ``python -m bots.cli``."""
    app()


if __name__ == "__main__":
    main()
