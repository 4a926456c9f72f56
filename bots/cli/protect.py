"""``leakdesk protect``: a creator's own pictures, stored as hashes only.

``protect add`` hashes the pictures on the machine where it runs (in memory; the bytes
are never written anywhere) and stores only their sha256, pHash and PDQ, marked as the
creator's.  A creator can run it on their own computer against the shared database, or
``protect export`` the hashes to a file for the operator to ``protect import``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import EXIT_BAD_INPUT, fail, say_error, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from core.ports import MediaSignals
    from db.protected import SqlProtectedStore

protect_app = typer.Typer(
    rich_markup_mode=None,
    help="A creator's own pictures, kept as hashes only: matching leaks go to the top.",
)

CreatorRequired = Annotated[str, typer.Option("--creator", help="The creator the pictures are of.")]


def _store(application: App) -> SqlProtectedStore:
    assert application.protected is not None
    return application.protected


def _hash_files(files: list[Path]) -> tuple[list[tuple[Path, MediaSignals]], bool]:
    """Each readable picture's stored hashes (bytes dropped at once); and whether any failed."""
    from bots.cli.picture_files import HashedFiles
    from core.media_matching import stored_signals

    pictures = HashedFiles(files)
    hashed = [(path, stored_signals(signals)) for path, signals in pictures]
    return hashed, pictures.failed


@protect_app.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(help="The creator's own pictures.")],
    creator: CreatorRequired,
) -> None:
    """Hash pictures here and store only their hashes as the creator's."""
    hashed, failed = _hash_files(files)
    if hashed:

        async def work(application: App) -> list[tuple[int, bool]]:
            store = _store(application)
            return [await store.add(creator, picture) for _, picture in hashed]

        for (path, picture), (_, new) in zip(hashed, with_app(work), strict=True):
            state = "protected" if new else "already protected"
            typer.echo(f"{state}: {path} ({picture.sha256[:16]}, {len(picture.frames)} hash(es))")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@protect_app.command("list")
def list_(creator: CreatorRequired) -> None:
    """The creator's protected pictures (sha256 prefix, hashes, when added)."""
    entries = with_app(lambda a: _store(a).entries(creator))
    if not entries:
        typer.echo(f"no protected pictures for {creator}")
    for entry in entries:
        typer.echo(f"{entry.sha256[:16]}\t{entry.rows} hash(es)\t{entry.created_at:%Y-%m-%d %H:%M}")


@protect_app.command("remove")
def remove(
    prefixes: Annotated[
        list[str], typer.Argument(help="sha256 (or its first 8+ hex digits) from `protect list`.")
    ],
    creator: CreatorRequired,
) -> None:
    """Forget protected pictures of the creator."""
    for prefix in prefixes:
        if len(prefix) < 8 or any(c not in "0123456789abcdefABCDEF" for c in prefix):
            raise fail(f"{prefix!r} is not a sha256 prefix of at least 8 hex digits")

    async def work(application: App) -> list[list[str]]:
        return [await _store(application).remove(creator, prefix) for prefix in prefixes]

    missing = False
    for prefix, removed in zip(prefixes, with_app(work), strict=True):
        if not removed:
            missing = True
            say_error(f"no protected picture of {creator} starts with {prefix}")
        for sha256 in removed:
            typer.echo(f"removed: {sha256[:16]}")
    if missing:
        raise typer.Exit(EXIT_BAD_INPUT)


@protect_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="The JSON file to write (hashes only).")],
    creator: CreatorRequired,
    pictures: Annotated[
        list[Path] | None,
        typer.Option(
            "--picture", help="Hash this picture into the file instead of reading the database."
        ),
    ] = None,
) -> None:
    """Write the creator's protected hashes to a file for the operator to import.

    With ``--picture`` (repeatable) the pictures are hashed here and no database is
    needed: the creator's images never leave their device, only this file does.
    """
    from core.ports import MediaSignals
    from core.protected import export_document

    failed = False
    if pictures:
        hashed, failed = _hash_files(pictures)
        signals = [picture for _, picture in hashed]
    else:
        stored = with_app(lambda a: _store(a).load(creator))
        signals = [MediaSignals(p.sha256, p.frames) for p in stored]
    try:
        file.write_text(json.dumps(export_document(creator, signals)) + "\n")
    except OSError as err:
        raise fail(f"cannot write {file}: {err.strerror}") from None
    typer.echo(f"exported {len(signals)} protected picture(s) of {creator} to {file}")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@protect_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A file written by `protect export`.")],
    creator: Annotated[
        str | None, typer.Option(help="Store as this creator (default: the file's creator).")
    ] = None,
) -> None:
    """Store the protected hashes of an exported file."""
    from core.protected import BadHashFile, parse_document

    try:
        document = json.loads(file.read_text())
    except OSError as err:
        raise fail(f"cannot read {file}: {err.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise fail(f"{file} is not a JSON file") from None
    try:
        named, pictures = parse_document(document)
    except BadHashFile as err:
        raise fail(f"{file}: {err}") from None
    owner = creator or named

    async def work(application: App) -> list[tuple[int, bool]]:
        return [await _store(application).add(owner, picture) for picture in pictures]

    added = sum(new for _, new in with_app(work))
    typer.echo(
        f"imported {added} protected picture(s) of {owner} ({len(pictures) - added} already known)"
    )


def register(app: typer.Typer) -> None:
    """Add ``protect`` to ``app``."""
    app.add_typer(protect_app, name="protect")
