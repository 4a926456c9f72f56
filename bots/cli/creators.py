"""``leakdesk creator add`` and ``leakdesk creator allow``: the operator creates creators and
keeps each one's allow-list of their own accounts and sites (issue 11)."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from bots.cli.common import fail, settings, with_app

#: the creator names every adapter accepts (Telegram deep links, Discord setup)
CREATOR_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

CreatorArgument = Annotated[str, typer.Argument(help="The creator's short name, e.g. alice.")]


def _slug(creator: str) -> str:
    slug = creator.strip().lower()
    if not CREATOR_SLUG.fullmatch(slug):
        raise fail(f"not a creator name: {creator!r} (a-z, 0-9, '-' and '_', up to 64)")
    return slug


def creator_add(
    creator: CreatorArgument,
    name: Annotated[str, typer.Option(help="The name fans see (default: the short name).")] = "",
) -> None:
    """Create a creator (only the operator does; a Discord server or Telegram group is then
    bound to it with its setup command)."""
    slug = _slug(creator)
    display = " ".join(name.split())[:64]
    created = with_app(lambda app: app.creators.create(slug, display))
    typer.echo(f"{'created' if created else 'already there'}: creator {slug}")


def creator_allow(
    creator: CreatorArgument,
    add: Annotated[
        list[str] | None,
        typer.Option("--add", help="A link to one of the creator's own pages (repeatable)."),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option("--remove", help="Take a page off the allow-list (repeatable)."),
    ] = None,
) -> None:
    """The creator's own accounts and sites, which fans can never report: a link to one of
    them, or to a page under it, gets a kind reply and opens no case. Without options: the
    list, with how many reports each turned away."""
    from core.allowlist import AllowedPage, allowed_page
    from core.errors import InvalidLink
    from core.urls import default_registry

    slug = _slug(creator)
    config = settings()
    registry = default_registry(config.platforms_file, config.fetch_allow_networks)
    def checked(raws: list[str] | None) -> list[AllowedPage]:
        pages = []
        for raw in raws or ():
            try:
                pages.append(allowed_page(slug, raw, registry))
            except InvalidLink as err:
                raise fail(f"{raw}: {err}") from None
        return pages

    adding, removing = checked(add), checked(remove)  # all checked before anything is written

    async def work(app):  # type: ignore[no-untyped-def]
        store = app.allowlist_store
        added = [await store.add(page) for page in adding]
        removed = [await store.remove(slug, page.key) for page in removing]
        return added, removed, await store.entries(slug)

    added, removed, entries = with_app(work, config=config)
    for page, new in zip(adding, added, strict=True):
        under = " and the pages under it" if page.path_prefix else " (the whole site)"
        typer.echo(f"{'allowed' if new else 'already allowed'}: {page.canonical}{under}")
    missing = [p.canonical for p, gone in zip(removing, removed, strict=True) if not gone]
    for page, gone in zip(removing, removed, strict=True):
        if gone:
            typer.echo(f"removed: {page.canonical}")
    if adding or removing:
        if missing:
            raise fail(f"not on {slug}'s allow-list: {', '.join(missing)}")
        return
    if not entries:
        typer.echo(f"no allowed pages for {slug}: add one with --add URL")
    for page in entries:
        typer.echo(f"{page.canonical}\t{page.hits} report(s) turned away")


def register(app: typer.Typer) -> None:
    """Add ``creator add`` and ``creator allow`` to the ``creator`` group."""
    from bots.cli.escalation import creator_app

    creator_app.command("add")(creator_add)
    creator_app.command("allow")(creator_allow)
