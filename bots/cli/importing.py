"""``leakdesk import FILE``: stream a file of links into reports, many in flight at once."""

from __future__ import annotations

import hashlib
import sys
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bots.cli.common import EXIT_BAD_INPUT, say_error, whoami, with_app
from bots.cli.import_file import ImportLine, ImportReader

if TYPE_CHECKING:
    from bots.bootstrap import App
    from core.model import ReporterRef, ReportOutcome

#: Reports in flight at once; the writer commits them in batches (``writer_max_batch``).
CONCURRENT_SUBMISSIONS = 128
#: Invalid line numbers listed in the summary (the count is always exact).
SHOWN_INVALID_LINES = 20


@dataclass
class ImportTally:
    """What an import did, counted per link."""

    new_cases: int = 0
    joined: int = 0
    already_imported: int = 0
    #: links to one of the creator's own official pages (the allow-list): never recorded
    official: int = 0
    invalid: int = 0
    invalid_lines: list[int] = field(default_factory=list)

    @property
    def links(self) -> int:
        """Links read, valid or not."""
        return self.new_cases + self.joined + self.already_imported + self.official + self.invalid

    def count(self, outcome: ReportOutcome) -> None:
        """Count one committed link."""
        if outcome.already_reported:
            self.already_imported += 1
        elif outcome.new_case:
            self.new_cases += 1
        else:
            self.joined += 1

    def refuse(self, line: ImportLine) -> None:
        """Count one line that is not an acceptable link (its text is never printed)."""
        self.invalid += 1
        if len(self.invalid_lines) < SHOWN_INVALID_LINES:
            self.invalid_lines.append(line.number)

    def invalid_summary(self) -> str:
        """``N invalid line(s)``, with the first line numbers."""
        text = f"{self.invalid} invalid line(s)"
        if self.invalid_lines:
            more = ", …" if self.invalid > len(self.invalid_lines) else ""
            text += ": " + ", ".join(map(str, self.invalid_lines)) + more
        return text

    def summary(self) -> str:
        """The one line printed at the end."""
        official = f"{self.official} of the creator's own pages skipped, " if self.official else ""
        return (
            f"imported {self.links - self.invalid - self.official} of {self.links} links: "
            f"{self.new_cases} new case(s), {self.joined} joined, "
            f"{self.already_imported} already imported, {official}{self.invalid_summary()}"
        )


def submission_id(run: str, creator: str, reporter: ReporterRef, key: str) -> str:
    """One import run's id for a link (any disguise) from a reporter for a creator.

    A link the same reporter imported before, in another run and from whatever file, is
    then a new submission of a known link: recorded once, counted as already imported.
    """
    digest = hashlib.sha256(f"{creator}\n{reporter}\n{key}".encode()).hexdigest()
    return f"import:{run}:{digest[:32]}"


def _progress(reader: ImportReader) -> tuple[AbstractContextManager[Any], Any]:
    """A byte-based progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return nullcontext(), None
    from rich.console import Console
    from rich.progress import Progress, TextColumn

    progress = Progress(
        *Progress.get_default_columns(),
        TextColumn("{task.fields[links]} links"),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("importing", total=reader.size, links=0)
    return progress, lambda links: progress.update(task, completed=reader.bytes_read, links=links)


async def import_links(
    application: App,
    reader: ImportReader,
    creator: str,
    reporter: ReporterRef,
    *,
    fetch_pictures: bool = True,
) -> ImportTally:
    """Submit every link of ``reader`` as its own report, many at once; returns the tally.

    The pictures behind new links are queued for the bots' picture pool, never fetched
    here; ``fetch_pictures=False`` (``--no-fetch``) marks them never to be fetched.
    """
    import asyncio
    import uuid

    from core.allowlist import OfficialPage
    from core.errors import InvalidLink
    from core.model import IncomingReport, Origin
    from core.urls import canonicalize

    registry = application.intake.registry
    tally = ImportTally()
    queue: asyncio.Queue[ImportLine | None] = asyncio.Queue(maxsize=CONCURRENT_SUBMISSIONS * 2)
    bar, show = _progress(reader)

    seen: set[str] = set()  # this file's links so far: a repeat is not submitted again
    run = uuid.uuid4().hex[:12]
    new_keys: list[str] = []

    async def submit(line: ImportLine) -> None:
        try:
            link = canonicalize(line.url, registry)
            if link.key in seen:
                tally.already_imported += 1
                return
            seen.add(link.key)
            submission = submission_id(run, creator, reporter, link.key)
            result = await application.intake.submit(
                IncomingReport(
                    reporter=reporter,
                    links=[line.url],
                    origin=Origin.IMPORT,
                    creator=creator,
                    submission_id=submission,
                )
            )
        except InvalidLink:
            tally.refuse(line)
            return
        except OfficialPage:  # the creator's own page (allow-list): not a leak, not an error
            tally.official += 1
            return
        for outcome in result.outcomes:
            tally.count(outcome)
            if outcome.new_case and outcome.link_key:
                new_keys.append(outcome.link_key)
        if show is not None:
            show(tally.links)

    async def worker() -> None:
        while (line := await queue.get()) is not None:
            await submit(line)

    with bar:
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(CONCURRENT_SUBMISSIONS):
                    group.create_task(worker())
                for line in reader:
                    await queue.put(line)
                for _ in range(CONCURRENT_SUBMISSIONS):
                    await queue.put(None)
        except ExceptionGroup as failed:  # the first real error, e.g. the database went away
            raise failed.exceptions[0] from None
    if not fetch_pictures:
        for start in range(0, len(new_keys), 500):
            await application.pictures.store.skip(creator, new_keys[start : start + 500])
    return tally


def import_(
    file: Annotated[Path, typer.Argument(help="A URL a line, or CSV with a url column.")],
    creator: Annotated[str | None, typer.Option(help="Creator the leaks depict.")] = None,
    reporter: Annotated[
        str | None, typer.Option(help="Reporter id (default: your user); keep it for re-imports.")
    ] = None,
    no_fetch: Annotated[
        bool,
        typer.Option("--no-fetch", help="Never fetch the pictures behind these links."),
    ] = False,
) -> None:
    """Import links from a file: a URL a line, or CSV with a url column.

    A link you imported before, from any file, is not recorded or counted again.
    """
    from core.model import ReporterRef

    try:
        file.open("rb").close()
    except OSError as err:
        say_error(f"cannot read {file}: {err.strerror or 'not a readable file'}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    reader = ImportReader(file)
    who = ReporterRef("cli", reporter or whoami())

    async def work(application: App) -> ImportTally:
        chosen = creator or application.settings.default_creator
        return await import_links(application, reader, chosen, who, fetch_pictures=not no_fetch)

    tally = with_app(work)
    typer.echo(tally.summary())
    if tally.invalid:
        say_error(f"{tally.invalid_summary()} skipped")
        raise typer.Exit(EXIT_BAD_INPUT)
