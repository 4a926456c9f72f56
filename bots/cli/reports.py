"""Reporting commands: ``report``, ``import``, ``hash`` and ``url``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import EXIT_BAD_INPUT, fail, say_error, settings, whoami, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from core.intake import IntakeResult

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per input.")]
CreatorOption = Annotated[str | None, typer.Option(help="Creator the leak depicts.")]
ReporterOption = Annotated[str | None, typer.Option(help="Reporter id (default: your user).")]


def report(
    urls: Annotated[list[str] | None, typer.Argument(help="Links to report.")] = None,
    files: Annotated[
        list[Path] | None,
        typer.Option("--file", help="A picture (or video) to report; repeatable."),
    ] = None,
    creator: CreatorOption = None,
    reporter: ReporterOption = None,
    note: Annotated[str, typer.Option(help="A note for the moderators.")] = "",
    anonymous: Annotated[bool, typer.Option(help="Hide the reporter from moderators.")] = False,
    as_json: JsonOption = False,
    no_wait: Annotated[
        bool,
        typer.Option("--no-wait", help="Queue the pictures behind new links; do not wait."),
    ] = False,
) -> None:
    """Report links and pictures.

    Each is committed before it is acknowledged; bad links write nothing. The picture
    behind a new link is then fetched and matched, and the command waits for it (its
    ``matched_by``, ``distance`` and ``media_error``) unless ``--no-wait``.
    """
    from core.errors import InvalidLink, MediaError
    from core.model import Attachment
    from core.urls import canonicalize, default_registry

    urls, files = urls or [], files or []
    if not urls and not files:
        raise fail("give at least one link or --file")
    config = settings()
    registry = default_registry(config.platforms_file, config.fetch_allow_networks)
    for url in urls:  # validate everything first: bad input writes nothing
        try:
            canonicalize(url, registry)
        except InvalidLink as err:
            raise fail(str(err)) from None
    attachments = []
    for path in files:
        try:
            attachments.append(Attachment(path.read_bytes(), filename=str(path)))
        except OSError as err:
            raise fail(f"cannot read {path}: {err.strerror}") from None

    protected: set[str] = set()  # case codes matching the creator's own images

    def submit(pictures: list[Attachment]) -> IntakeResult:
        async def work(application: App) -> IntakeResult:
            result = await submit_in(application)
            for code in {o.case_code for o in result.outcomes}:
                case = await application.cases.get_case(code)
                if case is not None and case.protected:
                    protected.add(code)
            return result

        async def submit_in(application: App) -> IntakeResult:
            from core.model import IncomingReport, Origin, ReporterRef

            incoming = IncomingReport(
                reporter=ReporterRef("cli", reporter or whoami()),
                links=urls,
                attachments=pictures,
                origin=Origin.CLI,
                note=note,
                anonymous=anonymous,
                creator=creator or application.settings.default_creator,
            )
            try:
                result = await application.intake.submit(incoming)
                if no_wait:
                    return result
                return await application.pictures.settle_result(result, incoming.creator)
            except MediaError as err:  # every picture refused (and no link): say which, why
                if urls:
                    raise
                from core.intake import IntakeResult, Rejected

                only = [Rejected(pictures[0].filename, str(err))] if len(pictures) == 1 else []
                return IntakeResult([], only)

        return with_app(work, config=config)

    result = submit(attachments)
    if not result.outcomes and not result.rejected:  # several pictures, all refused
        result.rejected.extend(r for a in attachments for r in submit([a]).rejected)
    from dataclasses import replace

    from bots.cli.outcomes import outcome_rows

    for row in outcome_rows(result, urls, [str(path) for path in files], registry):
        row = replace(row, protected=row.case_code in protected)
        typer.echo(json.dumps(row.as_json()) if as_json else row.as_text())
    for refused in result.rejected:  # pictures that could not be used; the rest was recorded
        if as_json:
            typer.echo(json.dumps({"file": refused.item, "media_error": refused.reason}))
        else:
            say_error(f"{refused.item}: {refused.reason}")
    if not result.outcomes:
        if as_json:
            say_error("nothing was recorded")
        raise typer.Exit(EXIT_BAD_INPUT)


def hash_(
    files: Annotated[list[Path], typer.Argument(help="Pictures or videos to hash.")],
    as_json: JsonOption = False,
) -> None:
    """Print a file's sha256, pHash and PDQ (nothing is stored)."""
    from bots.cli.picture_files import HashedFiles
    from core.media.credentials import not_checked

    pictures = HashedFiles(files)
    for path, signals in pictures:
        first = signals.first
        row = {
            "file": str(path),
            "sha256": signals.sha256,
            "phash": first.phash_hex if first else None,
            "pdq": first.pdq if first else None,
            "pdq_quality": first.pdq_quality if first else None,
        }
        if as_json:
            row["provenance"] = [signal.as_json() for signal in signals.provenance]
            row["provenance_not_checked"] = list(not_checked())
        typer.echo(json.dumps(row) if as_json else "\t".join(str(v) for v in row.values()))
    if pictures.failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def url(
    urls: Annotated[list[str], typer.Argument(help="Links, or - to read one per line from stdin.")],
    as_json: JsonOption = False,
) -> None:
    """Show links' canonical form, dedupe key and platform (no database)."""
    from core.errors import InvalidLink
    from core.urls import canonicalize, default_registry

    config = settings()
    registry = default_registry(config.platforms_file, config.fetch_allow_networks)
    inputs = (line.rstrip("\r\n") for line in sys.stdin) if urls == ["-"] else iter(urls)
    failed = False
    for raw in inputs:
        try:
            link = canonicalize(raw, registry)
        except InvalidLink as err:
            failed = True
            if as_json:
                typer.echo(json.dumps({"url": raw, "error": str(err)}))
            else:
                say_error(str(err))
            continue
        if as_json:
            row = {"url": raw, "canonical": link.canonical, "key": link.key}
            typer.echo(json.dumps({**row, "platform": link.platform}))
        else:
            typer.echo(f"{link.canonical}\t{link.key}\t{link.platform or '-'}")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def register(app: typer.Typer) -> None:
    """Add the reporting commands to ``app``."""
    from bots.cli.importing import import_

    app.command()(report)
    app.command("import")(import_)
    app.command("hash")(hash_)
    app.command()(url)
