"""``leakdesk audit verify``: check the moderators' audit log for edits, deletions, reordering."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import with_app

if TYPE_CHECKING:
    from bots.bootstrap import App
    from db.audit_verify import ChainReport

audit_app = typer.Typer(
    rich_markup_mode=None, help="The moderators' audit log.", no_args_is_help=True
)

#: exit code when the chain does not hold
EXIT_TAMPERED = 3


@audit_app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Recompute the audit log's hash chain; exit 3 if a row was edited, deleted or moved."""

    async def work(application: App) -> ChainReport:
        from db.audit_verify import verify_audit_chain

        return await verify_audit_chain(application.engine)

    report = with_app(work)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), sort_keys=True))
    elif report.ok:
        typer.echo(
            f"audit log intact: {report.rows} row(s), head seq {report.head_seq} "
            f"hash {report.head_hash}"
        )
    else:
        typer.echo(f"audit log TAMPERED: {len(report.problems)} problem(s) in {report.rows} row(s)")
        for problem in report.problems:
            where = f"seq {problem.seq}" if problem.seq is not None else "head"
            row = f" (row id {problem.row_id})" if problem.row_id is not None else ""
            typer.echo(f"  {problem.kind}: {where}{row}: {problem.detail}")
    if not report.ok:
        raise typer.Exit(EXIT_TAMPERED)


def register(app: typer.Typer) -> None:
    """Add ``audit`` to ``app``."""
    app.add_typer(audit_app, name="audit")
