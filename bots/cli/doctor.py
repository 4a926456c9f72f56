"""``leakdesk doctor``: check the set-up and say in plain words what to fix."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bots.cli.common import EXIT_BAD_INPUT, settings

MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FIX "}


def doctor(
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not sign in to Discord or Telegram.")
    ] = False,
) -> None:
    """Check settings, tokens, the database and its schema, SMTP and the moderator channels
    (signing in with the tokens to check the bot's rights there, unless ``--offline``); exit 0
    when nothing needs fixing, 2 otherwise."""
    from bots.doctor import run_checks

    findings = asyncio.run(run_checks(settings(), online=not offline))
    for finding in findings:
        typer.echo(f"{MARKS[finding.level]} {finding.name}: {finding.text}")
        if finding.fix and finding.level != "ok":
            typer.echo(f"      → {finding.fix}")
    failed = sum(f.level == "fail" for f in findings)
    if failed:
        typer.echo(f"{failed} thing(s) to fix.")
        raise typer.Exit(EXIT_BAD_INPUT)
    typer.echo("All good.")


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to ``app``."""
    app.command("doctor")(doctor)
