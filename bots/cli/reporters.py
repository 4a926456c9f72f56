"""``leakdesk reporters``: reporters' records, trust and suspension (moderators, operator).

Reporters are named by pseudonym (``platform:<first hex digits of the sealed id>``), never by
account; ``--case LD-…`` acts on that case's reporters who did not report anonymously.
Every decision goes to the audit log.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import fail, whoami, with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from db.trust import SqlTrustStore

reporters_app = typer.Typer(
    rich_markup_mode=None,
    help="Reporters' records (confirmed vs dismissed), trust and suspension, by pseudonym.",
)

ReporterArgument = Annotated[
    str | None, typer.Argument(help="A pseudonym as `leakdesk reporters` lists it.")
]
CaseOption = Annotated[
    str | None,
    typer.Option("--case", help="Act on this case's reporters (anonymous ones are left out)."),
]
ModeratorOption = Annotated[str | None, typer.Option(help="Moderator name for the audit log.")]


def _store(application: App) -> SqlTrustStore:
    assert application.trust is not None
    return application.trust


def _one_target(reporter: str | None, case: str | None) -> None:
    if (reporter is None) == (case is None):
        raise fail("name one reporter pseudonym, or --case LD-…")


@reporters_app.callback(invoke_without_command=True)
def reporters(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per reporter.")] = False,
    suspended: Annotated[bool, typer.Option("--suspended", help="Only suspended ones.")] = False,
) -> None:
    """List reporters with an outcome or a decision, most abusive first."""
    if ctx.invoked_subcommand is None:
        _list(as_json, suspended)


def _list(as_json: bool, suspended: bool) -> None:
    found = with_app(lambda a: _store(a).reporters())
    for item in found:
        if suspended and item.suspended_until is None:
            continue
        if as_json:
            typer.echo(json.dumps(item.as_json()))
            continue
        state = []
        if item.trusted:
            state.append("trusted (moderator)" if item.trusted_by_moderator else "trusted")
        if item.suspended_until is not None:
            state.append(f"suspended until {item.suspended_until:%Y-%m-%d %H:%M} UTC")
        elif item.warned:
            state.append("warned")
        r = item.record
        typer.echo(
            f"{item.pseudonym}\t{r.confirmed} confirmed\t{r.dismissed} dismissed "
            f"({r.abusive} abusive)\t{', '.join(state) or '-'}"
        )


@reporters_app.command("list")
def reporters_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per reporter.")] = False,
    suspended: Annotated[bool, typer.Option("--suspended", help="Only suspended ones.")] = False,
) -> None:
    """List reporters with an outcome or a decision, most abusive first."""
    _list(as_json, suspended)


@reporters_app.command("suspend")
def reporters_suspend(
    reporter: ReporterArgument = None,
    case: CaseOption = None,
    reason: Annotated[str, typer.Option(help="Why (written to the audit log).")] = "",
    days: Annotated[int | None, typer.Option(min=1, help="Days (default: the setting).")] = None,
    moderator: ModeratorOption = None,
) -> None:
    """Suspend a reporter: their reports are refused, with the date and how to appeal."""
    _one_target(reporter, case)
    if not reason.strip():
        raise fail("suspend needs --reason")
    done = with_app(
        lambda a: _store(a).suspend(
            reporter=reporter,
            case=case,
            days=days,
            reason=reason,
            moderator=f"cli:{moderator or whoami()}",
        )
    )
    if not done:
        typer.echo("no reporter to suspend (anonymous reporters are never named)")
    for name, until in done:
        typer.echo(f"{name}\tsuspended until {until:%Y-%m-%d %H:%M} UTC")


@reporters_app.command("unsuspend")
def reporters_unsuspend(
    reporter: Annotated[str, typer.Argument(help="A pseudonym as `leakdesk reporters` lists it.")],
    reason: Annotated[str, typer.Option(help="Why (written to the audit log).")] = "",
    moderator: ModeratorOption = None,
) -> None:
    """Lift a reporter's suspension (an appeal that succeeded)."""
    done = with_app(
        lambda a: _store(a).unsuspend(
            reporter=reporter, moderator=f"cli:{moderator or whoami()}", reason=reason
        )
    )
    for name in done:
        typer.echo(f"{name}\tsuspension lifted")


def _trust(reporter: str | None, case: str | None, moderator: str | None, trusted: bool) -> None:
    _one_target(reporter, case)
    done = with_app(
        lambda a: _store(a).trust(
            reporter=reporter,
            case=case,
            moderator=f"cli:{moderator or whoami()}",
            trusted=trusted,
        )
    )
    if not done:
        typer.echo("no reporter to mark (anonymous reporters are never named)")
    for name in done:
        typer.echo(f"{name}\t{'trusted' if trusted else 'no longer trusted by a moderator'}")


@reporters_app.command("trust")
def reporters_trust(
    reporter: ReporterArgument = None, case: CaseOption = None, moderator: ModeratorOption = None
) -> None:
    """Mark a reporter trusted (or `--case LD-…`: that case's non-anonymous reporters)."""
    _trust(reporter, case, moderator, True)


@reporters_app.command("untrust")
def reporters_untrust(
    reporter: ReporterArgument = None, case: CaseOption = None, moderator: ModeratorOption = None
) -> None:
    """Take back a moderator's trust (a good record may still make them trusted)."""
    _trust(reporter, case, moderator, False)


def register(app: typer.Typer) -> None:
    """Add the ``reporters`` group to ``app``."""
    app.add_typer(reporters_app, name="reporters")
