"""``leakdesk venues``: servers and groups bound to creators, and operator approval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import fail, with_app

if TYPE_CHECKING:
    from db.venues import VenueConfig

venues_app = typer.Typer(
    rich_markup_mode=None, help="Servers and groups bound to creators; approve moderator places."
)

PlatformArgument = Annotated[str, typer.Argument(help="discord or telegram.")]
VenueArgument = Annotated[
    str, typer.Argument(help="Server or group id (Telegram: `approve telegram -- -100…`).")
]
NONE_BOUND = (
    "no server or group is bound yet: run the bot's setup command in a Discord server "
    "or Telegram group"
)


@venues_app.callback(invoke_without_command=True)
def venues(ctx: typer.Context) -> None:
    """List bound servers and groups, and whether each is approved."""
    if ctx.invoked_subcommand is not None:
        return
    bound = with_app(lambda a: a.venues.all())
    if not bound:
        typer.echo(NONE_BOUND)
    for venue in bound:
        state = "approved" if venue.approved else "waiting for approval"
        place = f"moderators in {venue.mod_channel_id}" if venue.mod_channel_id else "fans only"
        role = _role(venue)
        typer.echo(
            f"{venue.platform}\t{venue.venue_id}\t{venue.creator}\t{place}\t{role}\t{state}"
        )


def _role(venue: VenueConfig) -> str:
    """Who may act as a moderator there, as the operator should check it."""
    if venue.mod_role_id:
        return f"moderator role {venue.mod_role_id}"
    if not venue.mod_channel_id:
        return "no moderators"
    return "Manage Server only" if venue.platform == "discord" else "group admins"


def _set_approved(platform: str, venue_id: str, approved: bool) -> None:
    venue = with_app(lambda a: a.venues.set_approved(platform, venue_id, approved))
    if venue is None:
        raise fail(f"no {platform} server or group {venue_id} is bound; run setup there first")
    verb = "approved" if approved else "revoked"
    typer.echo(f"{verb}: {platform} {venue_id} for creator {venue.creator}")


@venues_app.command("approve")
def venues_approve(platform: PlatformArgument, venue_id: VenueArgument) -> None:
    """Let a bound moderator channel or group see its creator's cases (links included)."""
    _set_approved(platform, venue_id, True)


@venues_app.command("revoke")
def venues_revoke(platform: PlatformArgument, venue_id: VenueArgument) -> None:
    """Stop showing cases in a moderator channel or group."""
    _set_approved(platform, venue_id, False)


def register(app: typer.Typer) -> None:
    """Add the ``venues`` group to ``app``."""
    app.add_typer(venues_app, name="venues")
