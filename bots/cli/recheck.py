"""``leakdesk recheck``: are the links of escalated cases gone yet?"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bots.cli.common import with_app


def recheck(
    creator: Annotated[str | None, typer.Option(help="Only this creator's requests.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Check the links of sent requests: gone ones are marked removed, returning ones reopen."""
    summary = with_app(lambda app: app.recheck.run(creator))
    if as_json:
        typer.echo(json.dumps(summary.as_json()))
        return
    typer.echo(
        f"checked {summary.checked} link(s): {summary.removed} removed, {summary.alive} alive, "
        f"{summary.errors} could not be checked; {summary.marked_removed} request(s) marked "
        f"removed, {summary.reopened} reopened"
    )


def register(app: typer.Typer) -> None:
    """Add ``recheck`` to ``app``."""
    app.command("recheck")(recheck)
